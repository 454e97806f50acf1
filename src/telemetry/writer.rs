//! The log writer: worker threads append finished lines to a shared buffer,
//! and one background thread writes the buffer to standard output.
//!
//! The writer thread wakes for the first line after a quiet spell and writes it
//! at once; after each write it pauses for [`BATCH_INTERVAL`], so that under
//! load the lines of that moment go out together in one system call and the
//! loggers seldom have to wake it. A logger never waits for the output, except
//! when the output falls so far behind that [`MAX_PENDING_BYTES`] are waiting:
//! then loggers wait for room, so that no line is lost.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Pause after each write, during which lines gather for the next one.
const BATCH_INTERVAL: Duration = Duration::from_millis(1);

/// Bytes waiting for the writer beyond which loggers wait for room.
const MAX_PENDING_BYTES: usize = 256 * 1024;

/// Capacity the buffers start with, enough for a busy millisecond.
const INITIAL_BUFFER_BYTES: usize = 32 * 1024;

/// Lines waiting for the writer thread.
#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    /// The writer thread is waiting for lines and must be woken.
    writer_waiting: bool,
    /// The guard was dropped: the writer writes what is left and stops.
    closed: bool,
}

/// The buffer shared by the loggers and the writer thread.
#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    /// Signalled when lines arrive while the writer waits, and on close.
    arrived: Condvar,
    /// Signalled when the writer has taken the pending lines.
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // A logger that panicked mid-append leaves at worst a partial line.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
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
    shared.lock().bytes.reserve(INITIAL_BUFFER_BYTES);
    let for_thread = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("mock-nova-log".to_owned())
        .spawn(move || write_lines(&for_thread, output))
        .ok();
    if thread.is_none() {
        // Without a writer, loggers must not wait for one.
        shared.lock().closed = true;
    }
    let writer = LogWriter {
        shared: Arc::clone(&shared),
    };
    (writer, LogGuard { shared, thread })
}

impl LogWriter {
    /// Appends one or more whole lines.
    pub fn append(&self, lines: &[u8]) {
        let mut pending = self.shared.lock();
        if pending.closed {
            return;
        }
        while pending.bytes.len() >= MAX_PENDING_BYTES && !pending.closed {
            pending = self
                .shared
                .drained
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        pending.bytes.extend_from_slice(lines);
        if pending.writer_waiting {
            pending.writer_waiting = false;
            self.shared.arrived.notify_one();
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

/// The writer thread's loop: takes the pending lines, writes them, pauses.
fn write_lines(shared: &Shared, mut output: impl Write) {
    let mut batch = Vec::with_capacity(INITIAL_BUFFER_BYTES);
    loop {
        {
            let mut pending = shared.lock();
            while pending.bytes.is_empty() && !pending.closed {
                pending.writer_waiting = true;
                pending = shared
                    .arrived
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if pending.bytes.is_empty() {
                return;
            }
            std::mem::swap(&mut pending.bytes, &mut batch);
        }
        shared.drained.notify_all();
        // An output that fails (a closed pipe) loses these lines; the loggers
        // carry on rather than wait for an output that will not come back.
        let _ = output.write_all(&batch).and_then(|()| output.flush());
        batch.clear();
        std::thread::sleep(BATCH_INTERVAL);
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.arrived.notify_one();
        self.shared.drained.notify_all();
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

    #[test]
    fn every_line_from_every_thread_is_written_in_order_per_thread() {
        let captured = Captured::default();
        let (writer, guard) = spawn(captured.clone());
        let threads: Vec<_> = (0..4)
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
        let mut next = [0_u32; 4];
        for line in text.lines() {
            let (thread, number) = line[1..].split_once(' ').unwrap();
            let thread: usize = thread.parse().unwrap();
            assert_eq!(number.parse::<u32>().unwrap(), next[thread], "{line}");
            next[thread] += 1;
        }
        assert_eq!(next, [20_000; 4]);
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
