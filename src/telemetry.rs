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
    let mut visitor = LineVisitor {
        fields: String::with_capacity(256),
        message: String::new(),
        json,
    };
    event.record(&mut visitor);
    let level = metadata.level().as_str();
    let mut line = String::with_capacity(visitor.fields.len() + 96);
    if json {
        line.push_str("{\"timestamp\":\"");
        push_utc(&mut line, SystemTime::now());
        line.push_str("\",\"level\":\"");
        line.push_str(level);
        line.push_str("\",\"message\":");
        push_json_string(&mut line, &visitor.message);
        line.push_str(&visitor.fields);
        line.push_str(",\"target\":\"");
        line.push_str(metadata.target());
        line.push_str("\"}\n");
    } else {
        push_utc(&mut line, SystemTime::now());
        // Levels are right-aligned to five characters, as tracing's formatter does.
        line.push_str(&"      "[..6 - level.len().min(5)]);
        line.push_str(level);
        line.push(' ');
        line.push_str(metadata.target());
        line.push_str(": ");
        line.push_str(&visitor.message);
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
            self.fields.push_str(",\"");
            self.fields.push_str(field.name());
            self.fields.push_str("\":");
        } else {
            self.fields.push(' ');
            self.fields.push_str(field.name());
            self.fields.push('=');
        }
    }
}

impl Visit for LineVisitor {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push_key(field);
        push_decimal(&mut self.fields, value, 1);
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
        } else if value
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'"')
        {
            self.fields.push_str(value);
        } else {
            // Quoted and escaped, so that a value cannot break the line or forge
            // another one.
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

/// Appends a time as RFC 3339 in UTC with microseconds, such as
/// `2026-12-04T16:26:06.123456Z`, without going through `format!`.
fn push_utc(out: &mut String, time: SystemTime) {
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = crate::journal::civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    push_decimal(out, u64::try_from(year).unwrap_or(0), 4);
    out.push('-');
    push_decimal(out, u64::from(month), 2);
    out.push('-');
    push_decimal(out, u64::from(day), 2);
    out.push('T');
    push_decimal(out, second_of_day / 3600, 2);
    out.push(':');
    push_decimal(out, second_of_day % 3600 / 60, 2);
    out.push(':');
    push_decimal(out, second_of_day % 60, 2);
    out.push('.');
    push_decimal(out, u64::from(since_epoch.subsec_micros()), 6);
    out.push('Z');
}

/// Appends `value` in decimal, padded with zeros to at least `width` digits.
fn push_decimal(out: &mut String, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while value > 0 {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    start = start.min(digits.len() - width.clamp(1, digits.len()));
    for &digit in &digits[start..] {
        out.push(char::from(digit));
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
    fn decimals_are_padded() {
        let mut out = String::new();
        push_decimal(&mut out, 7, 2);
        push_decimal(&mut out, 0, 1);
        push_decimal(&mut out, 12345, 2);
        push_decimal(&mut out, 42, 6);
        assert_eq!(out, "07012345000042");
    }

    #[test]
    fn utc_matches_journal_format() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_micros(951_782_400_000_005);
        let mut out = String::new();
        push_utc(&mut out, time);
        assert_eq!(out, crate::journal::format_utc(time));
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\nd\u{1}");
        assert_eq!(out, r#""a\"b\\c\nd\u0001""#);
    }
}
