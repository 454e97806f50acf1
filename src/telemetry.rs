//! Logging setup: `tracing` with `RUST_LOG` filtering and text or JSON output.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Filter used when `RUST_LOG` is not set: every request line and lifecycle event.
pub const DEFAULT_FILTER: &str = "info";

/// Installs the global subscriber, writing to standard output.
///
/// Does nothing if a subscriber is already installed, so tests may call it often.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
