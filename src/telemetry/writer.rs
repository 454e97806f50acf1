//! The log writer: worker threads append finished lines to buffers, and one
//! background thread writes the buffers to standard output.
//!
//! Each logging thread appends to one of [`SHARDS`] buffers, chosen once per
//! thread, so that the two runtime workers do not pass one lock and one buffer
//! back and forth between CPUs on every request. The lines of one thread keep
//! their order. Lines of different threads that go out in the same batch are
//! grouped by buffer, so their order can differ from their timestamps by up to
//! one batch.
//!
//! The writer thread wakes for the first line after a quiet spell and writes it
//! at once; after each write it pauses for [`BATCH_INTERVAL`], so that under
//! load the lines of that moment go out together in one system call and the
//! loggers seldom have to wake it. A logger never waits for the output unless
//! the output falls so far behind that its buffer holds [`MAX_PENDING_BYTES`].
//! Then it waits for room, so that no line is lost.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Pause after each write, during which lines gather for the next one.
const BATCH_INTERVAL: Duration = Duration::from_millis(1);

/// Bytes waiting in one buffer beyond which its loggers wait for room.
const MAX_PENDING_BYTES: usize = 64 * 1024;

/// Capacity the writer's batch starts with, enough for a busy millisecond.
const INITIAL_BATCH_BYTES: usize = 32 * 1024;

/// Number of buffers. Threads beyond this number share buffers, which is
/// correct but brings back some contention.
const SHARDS: usize = 8;

/// Maximum time the idle writer sleeps before it looks at the buffers again.
/// It bounds the delay of a line should a wake-up ever be missed.
const IDLE_RECHECK: Duration = Duration::from_millis(100);

/// Buffer index of each thread, assigned round-robin on its first line.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS;
}

/// One buffer of waiting lines, on its own cache lines so that appends to
/// different buffers do not touch the same memory.
#[derive(Default)]
#[repr(align(128))]
struct Shard {
    bytes: Mutex<Vec<u8>>,
    /// Signalled when the writer has taken this buffer's lines.
    drained: Condvar,
}

impl Shard {
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // A logger that panicked mid-append leaves at worst a partial line.
        self.bytes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The buffers shared by the loggers and the writer thread.
#[derive(Default)]
struct Shared {
    shards: [Shard; SHARDS],
    /// The writer thread is waiting for lines and must be woken.
    writer_waiting: AtomicBool,
    /// The guard was dropped: the writer writes what is left and stops.
    closed: AtomicBool,
    /// Held by the writer from announcing that it waits until it sleeps, so a
    /// logger's wake-up cannot fall between its last look and its sleep.
    sleep: Mutex<()>,
    /// Signalled when lines arrive while the writer waits, and on close.
    arrived: Condvar,
}

impl Shared {
    fn lock_sleep(&self) -> MutexGuard<'_, ()> {
        self.sleep.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake_writer(&self) {
        let _sleep = self.lock_sleep();
        self.arrived.notify_one();
    }
}

/// A handle that appends lines to the log; cheap to clone.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Stops the writer thread when dropped, after it has written every line.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread, writing to `output`.
pub fn spawn(output: impl Write + Send + 'static) -> (LogWriter, LogGuard) {
    let shared = Arc::new(Shared::default());
    let for_thread = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("mock-nova-log".to_owned())
        .spawn(move || write_lines(&for_thread, output))
        .ok();
    if thread.is_none() {
        // Without a writer, loggers must not wait for one.
        shared.closed.store(true, Ordering::SeqCst);
    }
    let writer = LogWriter {
        shared: Arc::clone(&shared),
    };
    (writer, LogGuard { shared, thread })
}

impl LogWriter {
    /// Appends one or more whole lines.
    pub fn append(&self, lines: &[u8]) {
        let shared = &*self.shared;
        let shard = &shared.shards[SHARD.with(|shard| *shard)];
        {
            // `closed` is read under the buffer's lock: the closing writer
            // takes every buffer's lock after setting it, so a line is either
            // appended before that and written, or dropped here.
            let mut bytes = shard.lock();
            while bytes.len() >= MAX_PENDING_BYTES && !shared.closed.load(Ordering::SeqCst) {
                bytes = shard
                    .drained
                    .wait(bytes)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if shared.closed.load(Ordering::SeqCst) {
                return;
            }
            bytes.extend_from_slice(lines);
        }
        // The load is a read of a line that stays in every CPU's cache while
        // the writer is busy, so a busy logger pays almost nothing for it. It
        // pairs with the writer's store before its last look at the buffers:
        // either the writer sees these lines, or this load sees it waiting.
        if shared.writer_waiting.load(Ordering::SeqCst)
            && shared.writer_waiting.swap(false, Ordering::SeqCst)
        {
            shared.wake_writer();
        }
    }
}

/// `tracing_subscriber`'s formatter writes each event with one `write_all`.
impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Moves the waiting lines of every buffer to the end of `batch`, waking the
/// loggers that wait for room.
fn take_lines(shared: &Shared, batch: &mut Vec<u8>) {
    for shard in &shared.shards {
        let mut bytes = shard.lock();
        if bytes.is_empty() {
            continue;
        }
        let full = bytes.len() >= MAX_PENDING_BYTES;
        if batch.is_empty() {
            std::mem::swap(&mut *bytes, batch);
        } else {
            batch.extend_from_slice(&bytes);
            bytes.clear();
        }
        drop(bytes);
        if full {
            shard.drained.notify_all();
        }
    }
}

/// The writer thread's loop: takes the waiting lines, writes them, pauses.
fn write_lines(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::with_capacity(INITIAL_BATCH_BYTES);
    loop {
        // Once `closed` is seen set, this pass takes the last lines that can
        // arrive, so the loop may stop when it finds none.
        let closing = shared.closed.load(Ordering::SeqCst);
        take_lines(shared, &mut batch);
        if batch.is_empty() {
            if closing {
                return;
            }
            let sleep = shared.lock_sleep();
            shared.writer_waiting.store(true, Ordering::SeqCst);
            take_lines(shared, &mut batch);
            if batch.is_empty() && !shared.closed.load(Ordering::SeqCst) {
                drop(
                    shared
                        .arrived
                        .wait_timeout(sleep, IDLE_RECHECK)
                        .unwrap_or_else(PoisonError::into_inner),
                );
            }
            shared.writer_waiting.store(false, Ordering::SeqCst);
            continue;
        }
        // An output that fails (a closed pipe) loses these lines; the loggers
        // carry on rather than wait for an output that will not come back.
        let _ = output.write_all(&batch).and_then(|()| output.flush());
        batch.clear();
        std::thread::sleep(BATCH_INTERVAL);
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.wake_writer();
        for shard in &self.shared.shards {
            // Taking the lock first means a logger that saw `closed` unset is
            // either already waiting, and gets this signal, or has not yet
            // looked again, and will see it set.
            drop(shard.lock());
            shard.drained.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output that the test can read after the writer has stopped.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Checks that `text` holds lines `t<thread> <number>` numbered from 0 in
    /// order for each thread, and returns how many lines each thread has.
    fn lines_per_thread(text: &str, threads: usize) -> Vec<u32> {
        let mut next = vec![0_u32; threads];
        for line in text.lines() {
            let (thread, rest) = line[1..].split_once(' ').unwrap();
            let number = rest.split(' ').next().unwrap();
            let thread: usize = thread.parse().unwrap();
            assert_eq!(number.parse::<u32>().unwrap(), next[thread], "{line}");
            next[thread] += 1;
        }
        next
    }

    #[test]
    fn every_line_from_every_thread_is_written_in_order_per_thread() {
        // More threads than buffers, so that some threads share one.
        const THREADS: usize = SHARDS + 4;
        let captured = Captured::default();
        let (writer, guard) = spawn(captured.clone());
        let threads: Vec<_> = (0..THREADS)
            .map(|thread| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for line in 0..20_000 {
                        writer.append(format!("t{thread} {line}\n").as_bytes());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(lines_per_thread(&text, THREADS), vec![20_000; THREADS]);
    }

    /// An output that takes a millisecond per write, far slower than the
    /// loggers.
    #[derive(Clone, Default)]
    struct Slow(Captured);

    impl Write for Slow {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_millis(1));
            self.0.write(buf)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn slow_output_loses_no_lines() {
        let slow = Slow::default();
        let (writer, guard) = spawn(slow.clone());
        let padding = "x".repeat(1000);
        let threads: Vec<_> = (0..3)
            .map(|thread| {
                let writer = writer.clone();
                let padding = padding.clone();
                std::thread::spawn(move || {
                    // 300 lines of about 1 KiB are several times the limit
                    // of one buffer.
                    for line in 0..300 {
                        writer.append(format!("t{thread} {line} {padding}\n").as_bytes());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(guard);
        let text = String::from_utf8(slow.0.0.lock().unwrap().clone()).unwrap();
        assert_eq!(lines_per_thread(&text, 3), vec![300; 3]);
    }

    #[test]
    fn a_lone_line_is_written_without_waiting_for_more() {
        let captured = Captured::default();
        let (writer, _guard) = spawn(captured.clone());
        writer.append(b"first\n");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while captured.0.lock().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "line not written");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(captured.0.lock().unwrap().as_slice(), b"first\n");
    }

    #[test]
    fn lines_after_the_guard_is_dropped_are_ignored() {
        let captured = Captured::default();
        let (writer, guard) = spawn(captured.clone());
        writer.append(b"kept\n");
        drop(guard);
        writer.append(b"late\n");
        assert_eq!(captured.0.lock().unwrap().as_slice(), b"kept\n");
    }
}
