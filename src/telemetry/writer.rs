//! The log writer: worker threads append finished lines to buffers, and one
//! background thread writes the buffers to standard output.
//!
//! Each logging thread appends to one of [`SHARDS`] buffers, chosen once per
//! thread, so that the two runtime workers do not pass one lock and one buffer
//! back and forth between CPUs on every request. The lines of one thread keep
//! their order. Request lines of different threads that go out in the same
//! batch are grouped by buffer, so their order can differ from their timestamps
//! by up to one batch. Other lines (start-up, shutdown, errors) are appended in
//! order: every line appended before one of them is written before it.
//!
//! The writer thread wakes for the first line after a quiet spell and writes it
//! at once. After each write it pauses for [`BATCH_INTERVAL`], so that under
//! load the lines of that moment go out together in one system call and the
//! loggers seldom have to wake it. A logger never waits for the output: when
//! standard output falls so far behind that a buffer contains
//! [`MAX_PENDING_BYTES`], new lines for that buffer are dropped and counted,
//! and the count is logged once the output takes lines again. A stalled reader
//! of standard output therefore costs log lines, never requests.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Pause after each write, during which lines gather for the next one.
const BATCH_INTERVAL: Duration = Duration::from_millis(1);

/// Bytes waiting in one buffer beyond which new request lines for it are
/// dropped. Ordered lines may fill [`SHARDS`] times as much, so at most about
/// twice that many bytes wait in all.
const MAX_PENDING_BYTES: usize = 256 * 1024;

/// Capacity the writer's batch starts with, enough for a busy millisecond.
const INITIAL_BATCH_BYTES: usize = 32 * 1024;

/// Number of buffers. Threads beyond this number share buffers, which is
/// correct but brings back some contention.
const SHARDS: usize = 8;

/// Maximum time the idle writer sleeps before it looks at the buffers again.
/// It bounds the delay of a line should a wake-up ever be missed.
const IDLE_RECHECK: Duration = Duration::from_millis(100);

/// Maximum time [`LogGuard`]'s drop waits for the last lines to be written,
/// so that an output that no longer takes lines cannot hold up the exit.
const FINAL_WRITE_TIMEOUT: Duration = Duration::from_secs(2);

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
    /// Lines dropped because their buffer was full, not yet reported.
    dropped_lines: AtomicU64,
    /// The writer thread is waiting for lines and must be woken.
    writer_waiting: AtomicBool,
    /// The guard was dropped: the writer writes what is left and stops.
    closed: AtomicBool,
    /// Held by the writer from announcing that it waits until it sleeps, so a
    /// logger's wake-up cannot fall between its last look and its sleep.
    sleep: Mutex<()>,
    /// Signalled when lines arrive while the writer waits, and on close.
    arrived: Condvar,
    /// Set by the writer thread when it has written its last line.
    finished: Mutex<bool>,
    /// Signalled when `finished` is set.
    finished_signal: Condvar,
}

impl Shared {
    fn lock_sleep(&self) -> MutexGuard<'_, ()> {
        self.sleep.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake_writer(&self) {
        let _sleep = self.lock_sleep();
        self.arrived.notify_one();
    }

    fn set_finished(&self) {
        *self.finished.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.finished_signal.notify_all();
    }
}

/// A handle that appends lines to the log; cheap to clone.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
    /// Lines from this handle are written after every line appended before
    /// them, from any thread.
    ordered: bool,
}

/// Stops the writer thread when dropped, after it has written every line or
/// after [`FINAL_WRITE_TIMEOUT`], whichever comes first.
pub struct LogGuard {
    shared: Arc<Shared>,
}

/// Starts the writer thread, writing to `output`.
pub fn spawn(output: impl Write + Send + 'static) -> (LogWriter, LogGuard) {
    let shared = Arc::new(Shared::default());
    let for_thread = Arc::clone(&shared);
    let spawned = std::thread::Builder::new()
        .name("mock-nova-log".to_owned())
        .spawn(move || {
            write_lines(&for_thread, output);
            for_thread.set_finished();
        });
    if spawned.is_err() {
        // Without a writer, lines are dropped and the guard has nothing to
        // wait for.
        shared.closed.store(true, Ordering::SeqCst);
        shared.set_finished();
    }
    let writer = LogWriter {
        shared: Arc::clone(&shared),
        ordered: false,
    };
    (writer, LogGuard { shared })
}

impl LogWriter {
    /// Returns a handle whose lines are written after every line appended
    /// before them, for the rare lines whose place in the log matters, such as
    /// the shutdown messages after the last request lines.
    pub fn ordered(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            ordered: true,
        }
    }

    /// Appends one or more whole lines, or drops them if this thread's buffer
    /// is full.
    pub fn append(&self, lines: &[u8]) {
        self.append_to(SHARD.with(|shard| *shard), lines);
    }

    fn append_to(&self, own: usize, lines: &[u8]) {
        let shared = &*self.shared;
        let mut earlier = Vec::new();
        if self.ordered && !shared.closed.load(Ordering::SeqCst) {
            for (index, shard) in shared.shards.iter().enumerate() {
                if index != own {
                    earlier.append(&mut shard.lock());
                }
            }
        }
        {
            // `closed` is read under the buffer's lock: the closing writer
            // takes every buffer's lock after setting it, so a line is either
            // appended before that and written, or dropped here.
            let mut bytes = shared.shards[own].lock();
            if shared.closed.load(Ordering::SeqCst) {
                return;
            }
            bytes.extend_from_slice(&earlier);
            // Ordered lines are rare and matter (shutdown, errors, the count
            // of dropped lines), so they may use the budget of every buffer.
            let limit = if self.ordered {
                MAX_PENDING_BYTES * SHARDS
            } else {
                MAX_PENDING_BYTES
            };
            if bytes.len() + lines.len() > limit {
                let count = lines.iter().filter(|&&byte| byte == b'\n').count();
                shared
                    .dropped_lines
                    .fetch_add(count.max(1) as u64, Ordering::Relaxed);
            } else {
                bytes.extend_from_slice(lines);
            }
        }
        // The load is a read of a line that stays in every CPU's cache while
        // the writer is busy, so a busy logger pays almost nothing for it. It
        // pairs with the writer's store before its last look at the buffers:
        // either the writer finds these lines, or this load finds it waiting.
        if shared.writer_waiting.load(Ordering::SeqCst)
            && shared.writer_waiting.swap(false, Ordering::SeqCst)
        {
            shared.wake_writer();
        }
    }

    /// Returns how many lines were dropped and not yet reported.
    #[cfg(test)]
    fn dropped_lines(&self) -> u64 {
        self.shared.dropped_lines.load(Ordering::Relaxed)
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

/// Moves the waiting lines of every buffer to the end of `batch`.
fn take_lines(shared: &Shared, batch: &mut Vec<u8>) {
    for shard in &shared.shards {
        let mut bytes = shard.lock();
        if bytes.is_empty() {
            continue;
        }
        if batch.is_empty() {
            std::mem::swap(&mut *bytes, batch);
        } else {
            batch.extend_from_slice(&bytes);
            bytes.clear();
        }
    }
}

/// Runs the writer thread: takes the waiting lines, writes them, pauses, and
/// returns once the guard is dropped and no line is left.
fn write_lines(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::with_capacity(INITIAL_BATCH_BYTES);
    let mut output_failed = false;
    loop {
        // Once `closed` is seen set, this pass takes the last lines that can
        // arrive, so the loop may stop when it finds none.
        let closing = shared.closed.load(Ordering::SeqCst);
        take_lines(shared, &mut batch);
        if batch.is_empty() {
            if closing {
                // The log no longer takes lines, so a last count of dropped
                // lines goes to standard error.
                let dropped = shared.dropped_lines.swap(0, Ordering::Relaxed);
                if dropped > 0 {
                    eprintln!(
                        "mock-nova: {dropped} log lines were dropped because standard output \
                         did not keep up"
                    );
                }
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
        match output.write_all(&batch).and_then(|()| output.flush()) {
            Ok(()) => report_dropped_lines(shared),
            // An output that fails (a closed pipe) loses these lines; the
            // loggers carry on rather than wait for an output that will not
            // come back. A message goes to standard error once.
            Err(error) if !output_failed => {
                output_failed = true;
                eprintln!(
                    "mock-nova: writing the log to standard output failed ({error}); \
                     log lines that cannot be written are dropped"
                );
            }
            Err(_) => {}
        }
        batch.clear();
        std::thread::sleep(BATCH_INTERVAL);
    }
}

/// Logs how many lines were dropped since the last report, once the output
/// takes lines again.
fn report_dropped_lines(shared: &Shared) {
    let dropped = shared.dropped_lines.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        tracing::warn!(
            dropped_lines = dropped,
            "log lines dropped because standard output did not keep up"
        );
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.wake_writer();
        let finished = self
            .shared
            .finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (finished, _) = self
            .shared
            .finished_signal
            .wait_timeout_while(finished, FINAL_WRITE_TIMEOUT, |finished| !*finished)
            .unwrap_or_else(PoisonError::into_inner);
        if !*finished {
            // The writer is stuck in a write to an output that takes no more
            // lines; it is left behind and ends with the process.
            let dropped = self.shared.dropped_lines.load(Ordering::Relaxed);
            eprintln!(
                "mock-nova: standard output did not take the last log lines; they are lost, \
                 as are {dropped} lines dropped before because it did not keep up"
            );
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

    /// An output that blocks every write until the test opens it.
    #[derive(Clone, Default)]
    struct Gated {
        captured: Captured,
        open: Arc<(Mutex<bool>, Condvar)>,
    }

    impl Gated {
        fn open(&self) {
            *self.open.0.lock().unwrap() = true;
            self.open.1.notify_all();
        }

        fn text(&self) -> String {
            String::from_utf8(self.captured.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Gated {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let (open, signal) = &*self.open;
            let guard = open.lock().unwrap();
            drop(signal.wait_while(guard, |open| !*open).unwrap());
            self.captured.write(buf)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Runs `work` on another thread and panics if it has not finished after
    /// a minute, so that a logger stuck on the output fails the test instead
    /// of hanging it.
    fn finishes<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || sender.send(work()).unwrap());
        receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("blocked on a stalled output")
    }

    /// Checks that the lines `t<thread> <number> ...` of each thread in `text`
    /// have increasing numbers, and returns how many lines each thread has.
    fn lines_per_thread(text: &str, threads: usize) -> Vec<u32> {
        let mut count = vec![0_u32; threads];
        let mut last: Vec<Option<u32>> = vec![None; threads];
        for line in text.lines() {
            let (thread, rest) = line[1..].split_once(' ').unwrap();
            let number: u32 = rest.split(' ').next().unwrap().parse().unwrap();
            let thread: usize = thread.parse().unwrap();
            assert!(last[thread] < Some(number), "out of order: {line}");
            last[thread] = Some(number);
            count[thread] += 1;
        }
        count
    }

    #[test]
    fn lines_keep_order_per_thread() {
        // More threads than buffers, so that some threads share one. Two
        // threads' lines fit in one buffer, so none is dropped even if the
        // writer thread does not run until the end.
        const THREADS: usize = SHARDS + 4;
        let captured = Captured::default();
        let (writer, guard) = spawn(captured.clone());
        let threads: Vec<_> = (0..THREADS)
            .map(|thread| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for line in 0..10_000 {
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
        // Each thread's lines arrive in order and none is missing.
        assert_eq!(lines_per_thread(&text, THREADS), vec![10_000; THREADS]);
    }

    #[test]
    fn stalled_output_drops_lines_not_loggers() {
        const THREADS: usize = 3;
        const LINES: u32 = 2000;
        let gated = Gated::default();
        let (writer, guard) = spawn(gated.clone());
        let padding = "x".repeat(1000);
        let appending = writer.clone();
        // 6 MB of lines, far more than the buffers can contain while nothing
        // is written.
        finishes(move || {
            let threads: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let writer = appending.clone();
                    let padding = padding.clone();
                    std::thread::spawn(move || {
                        for line in 0..LINES {
                            writer.append(format!("t{thread} {line} {padding}\n").as_bytes());
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
        });

        let dropped = writer.dropped_lines();
        assert!(dropped > 0, "no line was dropped");
        gated.open();
        drop(guard);
        let written: u32 = lines_per_thread(&gated.text(), THREADS).iter().sum();
        assert_eq!(
            u64::from(written) + dropped,
            u64::from(LINES) * THREADS as u64
        );
    }

    #[test]
    fn ordered_line_is_kept_when_buffers_are_full() {
        let gated = Gated::default();
        let (writer, guard) = spawn(gated.clone());
        let padding = "x".repeat(1000);
        let mut line = 0;
        while writer.dropped_lines() == 0 {
            writer.append_to(1, format!("t0 {line} {padding}\n").as_bytes());
            writer.append_to(5, format!("t1 {line} {padding}\n").as_bytes());
            line += 1;
        }
        writer
            .ordered()
            .append_to(1, format!("t0 {line}\n").as_bytes());
        gated.open();
        drop(guard);
        let text = gated.text();
        let expected = format!("t0 {line}");
        assert_eq!(text.lines().last(), Some(expected.as_str()));
    }

    #[test]
    fn guard_gives_up_on_a_stalled_output() {
        let gated = Gated::default();
        let (writer, guard) = spawn(gated.clone());
        writer.append(b"never written\n");
        finishes(move || drop(guard));
        gated.open();
    }

    #[test]
    fn ordered_line_follows_earlier_lines() {
        let gated = Gated::default();
        let (writer, guard) = spawn(gated.clone());
        // Lines in a later buffer than the ordered line's own: unordered, the
        // writer would take the own buffer first.
        writer.append_to(1, b"t0 0\n");
        writer.append_to(5, b"t1 0\n");
        writer.ordered().append_to(1, b"t0 1\n");
        gated.open();
        drop(guard);
        let text = gated.text();
        assert_eq!(text.lines().last(), Some("t0 1"), "{text}");
        assert_eq!(lines_per_thread(&text, 2), vec![2, 1]);
    }

    #[test]
    fn lone_line_is_written_at_once() {
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
