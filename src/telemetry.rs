//! Logging setup: `tracing` with `RUST_LOG` filtering and text or JSON output.
//!
//! Lines are formatted on the thread that logs them but written to standard
//! output by a background thread, so a request never waits for the terminal or
//! pipe behind stdout, and worker threads do not contend for its lock.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Filter used when `RUST_LOG` is not set: every request line and lifecycle event.
pub const DEFAULT_FILTER: &str = "info";

/// Log lines buffered for the writer thread. When a burst fills the buffer,
/// further lines wait instead of being dropped, so no line is lost.
const BUFFERED_LINES: usize = 65_536;

/// Installs the global subscriber, writing to standard output through a
/// background thread. Keep the returned guard alive until the process ends: it
/// flushes the buffered lines when dropped.
///
/// Installs nothing if a subscriber is already installed, so tests may call it
/// often.
pub fn init(format: LogFormat) -> WorkerGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let (writer, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .lossy(false)
        .thread_name("mock-nova-log")
        .finish(std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    guard
}
