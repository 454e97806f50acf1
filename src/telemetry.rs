//! Logging setup: `tracing` with `RUST_LOG` filtering and text or JSON output.
//!
//! Lines are formatted on the thread that logs them but written to standard
//! output by a background thread, so a request never waits for the terminal or
//! pipe behind stdout, and worker threads do not contend for its lock.
//!
//! The one-line-per-request events (target [`REQUEST_TARGET`]) are formatted
//! by [`RequestLineLayer`], a lean formatter for their flat key-value fields,
//! because they are by far the most frequent; every other event goes through
//! `tracing_subscriber`'s formatter. Both write the same line shapes.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

/// Filter used when `RUST_LOG` is not set: every request line and lifecycle event.
pub const DEFAULT_FILTER: &str = "info";

/// Target of the one-line-per-request events.
pub const REQUEST_TARGET: &str = "mock_nova::request";

/// Bytes the writer thread gathers before writing to stdout. It writes when
/// the buffer is full or when no more lines are queued, so under load one
/// system call carries many lines, and at rest each line goes out at once.
const WRITE_BUFFER_BYTES: usize = 64 * 1024;

/// Log lines buffered for the writer thread. When a burst fills the buffer,
/// further lines wait instead of being dropped, so no line is lost.
const BUFFERED_LINES: usize = 4096;

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
        .finish(std::io::BufWriter::with_capacity(
            WRITE_BUFFER_BYTES,
            std::io::stdout(),
        ));
    let not_requests = filter_fn(|metadata| metadata.target() != REQUEST_TARGET);
    let requests = RequestLineLayer {
        writer: writer.clone(),
        json: format == LogFormat::Json,
    };
    let registry = tracing_subscriber::registry().with(filter).with(requests);
    let _ = match format {
        LogFormat::Text => {
            let others = tracing_subscriber::fmt::layer()
                .with_ansi(ansi)
                .with_writer(writer)
                .with_filter(not_requests);
            registry.with(others).try_init()
        }
        LogFormat::Json => {
            let others = tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_writer(writer)
                .with_filter(not_requests);
            registry.with(others).try_init()
        }
    };
    guard
}

/// Formats request events into one line each and hands it to the writer.
pub struct RequestLineLayer {
    writer: NonBlocking,
    json: bool,
}

impl<S: Subscriber> Layer<S> for RequestLineLayer {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let metadata = event.metadata();
        if metadata.target() != REQUEST_TARGET {
            return;
        }
        let line = request_line(event, self.json);
        // The writer only queues the line; a full queue waits for the writer
        // thread, and a stopped one loses the line, which is all it can do.
        let _ = self.writer.clone().write_all(line.as_bytes());
    }
}

/// Formats one request event: `<time>  INFO <target>: <message> key=value ...`
/// as text, or a flat JSON object like the JSON formatter's.
fn request_line(event: &Event<'_>, json: bool) -> String {
    let metadata = event.metadata();
    let timestamp = crate::journal::format_utc(SystemTime::now());
    let mut visitor = LineVisitor {
        fields: String::with_capacity(256),
        message: String::new(),
        json,
    };
    event.record(&mut visitor);
    let level = metadata.level().as_str();
    let mut line = String::with_capacity(visitor.fields.len() + 96);
    if json {
        let _ = write!(
            line,
            "{{\"timestamp\":\"{timestamp}\",\"level\":\"{level}\",\"message\":"
        );
        push_json_string(&mut line, &visitor.message);
        line.push_str(&visitor.fields);
        let _ = writeln!(line, ",\"target\":\"{}\"}}", metadata.target());
    } else {
        let _ = write!(
            line,
            "{timestamp} {level:>5} {}: {}",
            metadata.target(),
            visitor.message
        );
        line.push_str(&visitor.fields);
        line.push('\n');
    }
    line
}

/// Collects the fields of a request event as ` key=value` text or
/// `,"key":value` JSON members.
struct LineVisitor {
    fields: String,
    message: String,
    json: bool,
}

impl LineVisitor {
    fn push_key(&mut self, field: &Field) {
        if self.json {
            let _ = write!(self.fields, ",\"{}\":", field.name());
        } else {
            let _ = write!(self.fields, " {}=", field.name());
        }
    }
}

impl Visit for LineVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push_key(field);
        let _ = write!(self.fields, "{value}");
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push_key(field);
        let _ = write!(self.fields, "{value}");
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            value.clone_into(&mut self.message);
            return;
        }
        self.push_key(field);
        if self.json {
            push_json_string(&mut self.fields, value);
        } else {
            // As tracing's own formatter does, a plain string field is quoted.
            let _ = write!(self.fields, "{value:?}");
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
            return;
        }
        self.push_key(field);
        if self.json {
            push_json_string(&mut self.fields, &format!("{value:?}"));
        } else {
            let _ = write!(self.fields, "{value:?}");
        }
    }
}

/// Appends `text` as a JSON string.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\nd\u{1}");
        assert_eq!(out, r#""a\"b\\c\nd\u0001""#);
    }
}
