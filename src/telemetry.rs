//! Logging setup: `tracing` with `RUST_LOG` filtering and text or JSON output.
//!
//! Lines are formatted on the thread that logs them but written to standard
//! output by a background thread, so a request never waits for the terminal or
//! pipe behind stdout, and worker threads do not contend for its lock.
//!
//! Request lines (target [`REQUEST_TARGET`]) are by far the most frequent, so
//! [`log_request`] formats them from their fields directly. Every other event
//! goes through `tracing_subscriber`'s formatter. Both write the same line
//! shapes, and `RUST_LOG` filters both.

mod writer;

use std::cell::RefCell;
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::SystemTime;

use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub use writer::LogGuard;
use writer::LogWriter;

use crate::config::LogFormat;

/// Filter used when `RUST_LOG` is not set: every request line and lifecycle event.
pub const DEFAULT_FILTER: &str = "info";

/// Target of the one-line-per-request events.
pub const REQUEST_TARGET: &str = "mock_nova::request";

/// Installs the global subscriber, writing to standard output through a
/// background thread. Keep the returned guard alive until the process ends: it
/// writes the waiting lines when dropped.
///
/// Installs nothing if a subscriber is already installed, so tests may call it
/// often.
pub fn init(format: LogFormat) -> LogGuard {
    // An empty RUST_LOG counts as unset, which EnvFilter would read as no
    // directives and so turn every line off.
    let is_set = std::env::var_os(EnvFilter::DEFAULT_ENV)
        .is_some_and(|value| !value.to_string_lossy().trim().is_empty());
    let (filter, filter_error) = match EnvFilter::try_from_default_env() {
        Ok(filter) if is_set => (filter, None),
        Ok(_) => (EnvFilter::new(DEFAULT_FILTER), None),
        Err(error) => (EnvFilter::new(DEFAULT_FILTER), Some(error)),
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let (writer, guard) = writer::spawn(std::io::stdout());
    let registry = tracing_subscriber::registry().with(filter);
    let installed = match format {
        LogFormat::Text => {
            let others = tracing_subscriber::fmt::layer()
                .with_ansi(ansi)
                .with_writer(writer.ordered());
            registry.with(others).try_init()
        }
        LogFormat::Json => {
            let others = tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_writer(writer.ordered());
            registry.with(others).try_init()
        }
    };
    if installed.is_ok() {
        let _ = REQUEST_LOG.set(RequestLog {
            writer,
            json: format == LogFormat::Json,
        });
    }
    // An unset RUST_LOG is the normal case. A set but invalid one is reported,
    // so that a typo does not go unnoticed.
    if let Some(error) = filter_error
        && is_set
    {
        tracing::warn!(
            error = %error,
            "RUST_LOG is invalid; logging at the default level \"{DEFAULT_FILTER}\""
        );
    }
    guard
}

/// The destination of request lines once [`init`] has installed mock-nova's
/// subscriber.
struct RequestLog {
    writer: LogWriter,
    json: bool,
}

static REQUEST_LOG: OnceLock<RequestLog> = OnceLock::new();

thread_local! {
    /// Each thread formats its request lines in one buffer that it keeps. The
    /// line is built as bytes, since it goes to the writer as bytes, and every
    /// piece of it is UTF-8 already.
    static LINE: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(512));
}

/// The fields of one request line.
#[derive(Debug)]
pub struct RequestLine<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path as the client sent it, without the query.
    pub path: &'a str,
    /// The namespace's name; absent outside namespaces.
    pub namespace: Option<&'a str>,
    /// Route template that served the request, or `-`.
    pub route: &'a str,
    /// Response status; 0 for a connection closed by a fault rule.
    pub status: u16,
    /// Negotiated compute microversion, or `-`.
    pub microversion: &'a str,
    /// The request id sent back in the response headers.
    pub request_id: &'a str,
    /// Time from the request's arrival to its response, in microseconds.
    pub latency_us: u64,
    /// The fault message of an error response.
    pub fault: Option<&'a str>,
}

impl RequestLine<'_> {
    /// Tells whether the line is logged at error level: a server error with a
    /// fault. Every other line is logged at info.
    fn failed(&self) -> bool {
        self.fault.is_some() && self.status >= 500
    }
}

/// Logs one request line at info level (error level for a failed request) with
/// target [`REQUEST_TARGET`], subject to `RUST_LOG`.
///
/// With mock-nova's own subscriber, the line is formatted here and handed to
/// the writer directly: request lines are by far the most frequent, and
/// `tracing`'s field visiting costs about as much as the formatting itself.
/// Under any other subscriber, such as an embedder's, it is a `tracing` event
/// with the same fields.
pub fn log_request(line: &RequestLine<'_>) {
    let Some(log) = REQUEST_LOG.get() else {
        emit_request_event(line);
        return;
    };
    let enabled = if line.failed() {
        tracing::enabled!(target: REQUEST_TARGET, Level::ERROR)
    } else {
        tracing::enabled!(target: REQUEST_TARGET, Level::INFO)
    };
    if !enabled {
        return;
    }
    let write = |text: &mut Vec<u8>| {
        text.clear();
        push_request_line(text, line, log.json);
        log.writer.append(text);
    };
    // The buffer is taken only if this thread is not formatting a line
    // already, which a panic mid-format could leave borrowed.
    LINE.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut text) => write(&mut text),
        Err(_) => write(&mut Vec::new()),
    });
}

fn emit_request_event(line: &RequestLine<'_>) {
    let RequestLine {
        method,
        path,
        namespace,
        route,
        status,
        microversion,
        request_id,
        latency_us,
        fault,
    } = *line;
    if line.failed() {
        tracing::error!(
            target: REQUEST_TARGET,
            method, path, namespace, route, status, microversion, request_id, latency_us, fault,
            "request failed"
        );
    } else {
        tracing::info!(
            target: REQUEST_TARGET,
            method, path, namespace, route, status, microversion, request_id, latency_us, fault,
            "request"
        );
    }
}

/// Formats one request line: `<time>  INFO <target>: <message> key=value ...`
/// as text, or a flat JSON object like the JSON formatter's, with the fields
/// in the same order as [`emit_request_event`] gives them.
fn push_request_line(out: &mut Vec<u8>, line: &RequestLine<'_>, json: bool) {
    let (level, message) = if line.failed() {
        ("ERROR", "request failed")
    } else {
        ("INFO", "request")
    };
    if json {
        out.extend_from_slice(b"{\"timestamp\":\"");
        push_utc(out, SystemTime::now());
        out.extend_from_slice(b"\",\"level\":\"");
        out.extend_from_slice(level.as_bytes());
        out.extend_from_slice(b"\",\"message\":\"");
        out.extend_from_slice(message.as_bytes());
        out.push(b'"');
    } else {
        push_utc(out, SystemTime::now());
        // Levels are right-aligned to five characters, as tracing's formatter does.
        out.extend_from_slice(&b"      "[..6 - level.len()]);
        out.extend_from_slice(level.as_bytes());
        out.push(b' ');
        out.extend_from_slice(REQUEST_TARGET.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(message.as_bytes());
    }
    let mut fields = Fields { out, json };
    // Methods are HTTP tokens, and routes and request ids are mock-nova's own
    // text, so they need no check. The other values can contain anything the
    // client sent.
    fields.plain(key!("method"), line.method);
    fields.text(key!("path"), line.path);
    if let Some(namespace) = line.namespace {
        fields.text(key!("namespace"), namespace);
    }
    fields.plain(key!("route"), line.route);
    fields.number(key!("status"), u64::from(line.status));
    fields.text(key!("microversion"), line.microversion);
    fields.plain(key!("request_id"), line.request_id);
    fields.number(key!("latency_us"), line.latency_us);
    if let Some(fault) = line.fault {
        fields.text(key!("fault"), fault);
    }
    if json {
        out.extend_from_slice(b",\"target\":\"");
        out.extend_from_slice(REQUEST_TARGET.as_bytes());
        out.extend_from_slice(b"\"}\n");
    } else {
        out.push(b'\n');
    }
}

/// A field name as it starts a field in a text line (` name=`) and in a JSON
/// line (`,"name":`), written out once so that a line copies it in one piece.
#[derive(Clone, Copy)]
struct Key {
    text: &'static [u8],
    json: &'static [u8],
}

/// Builds the [`Key`] of a field name given as a literal.
macro_rules! key {
    ($name:literal) => {
        Key {
            text: concat!(" ", $name, "=").as_bytes(),
            json: concat!(",\"", $name, "\":").as_bytes(),
        }
    };
}
use key;

/// Appends fields to a line as ` key=value` text or `,"key":value` JSON
/// members.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    json: bool,
}

impl Fields<'_> {
    fn key(&mut self, key: Key) {
        self.out
            .extend_from_slice(if self.json { key.json } else { key.text });
    }

    fn number(&mut self, key: Key, value: u64) {
        self.key(key);
        push_decimal(self.out, value, 1);
    }

    /// Appends a value that has no spaces, quotes, backslashes or control
    /// characters, so it needs neither quotes in text nor escapes in JSON.
    fn plain(&mut self, key: Key, value: &str) {
        debug_assert!(is_plain(value) && !value.contains('\\'), "{value}");
        self.key(key);
        if self.json {
            self.out.push(b'"');
            self.out.extend_from_slice(value.as_bytes());
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(value.as_bytes());
        }
    }

    fn text(&mut self, key: Key, value: &str) {
        self.key(key);
        if self.json {
            push_json_string(self.out, value);
        } else if is_plain(value) {
            self.out.extend_from_slice(value.as_bytes());
        } else {
            // Quoted and escaped, so that a value cannot break the line or forge
            // another one.
            let _ = write!(self.out, "{value:?}");
        }
    }
}

/// Tells whether a value can stand unquoted in a text line: printable ASCII
/// without spaces or double quotes. Checks eight bytes at a time, since every
/// request line checks its path and ids.
fn is_plain(value: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    /// Tells whether some byte of `word` is below `limit`, which must be at
    /// most 0x80. The answer to whether one is below is exact, but the method
    /// does not tell which byte it is.
    fn has_below(word: u64, limit: u8) -> bool {
        word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGHS != 0
    }
    let bytes = value.as_bytes();
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        // A byte of 0x7f or more has its high bit set in itself or after adding one.
        let high = (word | word.wrapping_add(ONES)) & HIGHS != 0;
        if high || has_below(word, b'!') || has_below(word ^ QUOTES, 1) {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&byte| byte.is_ascii_graphic() && byte != b'"')
}

/// Appends a time as RFC 3339 in UTC with microseconds, such as
/// `2026-12-04T16:26:06.123456Z`, without going through `format!`.
fn push_utc(out: &mut Vec<u8>, time: SystemTime) {
    thread_local! {
        /// The last second this thread formatted and its text up to the
        /// fraction, which most lines in a busy second share.
        static SECOND: RefCell<(u64, Vec<u8>)> = const { RefCell::new((u64::MAX, Vec::new())) };
    }
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since_epoch.as_secs();
    SECOND.with_borrow_mut(|(second, text)| {
        if *second != seconds {
            *second = seconds;
            text.clear();
            push_date_time(text, seconds);
        }
        out.extend_from_slice(text);
    });
    push_decimal(out, u64::from(since_epoch.subsec_micros()), 6);
    out.push(b'Z');
}

/// Appends the date and time of day of a second since the epoch, up to and
/// including the point before the fraction: `2026-12-04T16:26:06.`.
fn push_date_time(out: &mut Vec<u8>, seconds: u64) {
    let (year, month, day) = crate::journal::civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    push_decimal(out, u64::try_from(year).unwrap_or(0), 4);
    out.push(b'-');
    push_decimal(out, u64::from(month), 2);
    out.push(b'-');
    push_decimal(out, u64::from(day), 2);
    out.push(b'T');
    push_decimal(out, second_of_day / 3600, 2);
    out.push(b':');
    push_decimal(out, second_of_day % 3600 / 60, 2);
    out.push(b':');
    push_decimal(out, second_of_day % 60, 2);
    out.push(b'.');
}

/// Appends `value` in decimal, padded with zeros to at least `width` digits.
fn push_decimal(out: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while value > 0 {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    start = start.min(digits.len() - width.clamp(1, digits.len()));
    out.extend_from_slice(&digits[start..]);
}

/// Appends `text` as a JSON string. Runs of bytes that need no escape are
/// copied whole. Bytes of multi-byte characters are 0x80 or more, so they are
/// copied unchanged.
fn push_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => br#"\""#,
            b'\\' => br"\\",
            b'\n' => br"\n",
            b'\r' => br"\r",
            b'\t' => br"\t",
            0..0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..at]);
        copied = at + 1;
        if escape.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.extend_from_slice(escape);
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_padded() {
        let mut out = Vec::new();
        push_decimal(&mut out, 7, 2);
        push_decimal(&mut out, 0, 1);
        push_decimal(&mut out, 12345, 2);
        push_decimal(&mut out, 42, 6);
        assert_eq!(out, b"07012345000042");
    }

    #[test]
    fn utc_matches_journal_format() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_micros(951_782_400_000_005);
        let mut out = Vec::new();
        push_utc(&mut out, time);
        assert_eq!(out, crate::journal::format_utc(time).as_bytes());
    }

    #[test]
    fn utc_of_the_same_and_the_next_second() {
        let base = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_400_000);
        for micros in [0, 999_999, 1_000_000, 1_500_001, 86_400_000_000] {
            let time = base + std::time::Duration::from_micros(micros);
            let mut out = Vec::new();
            push_utc(&mut out, time);
            assert_eq!(out, crate::journal::format_utc(time).as_bytes());
        }
    }

    #[test]
    fn plain_values_are_printable_ascii_without_quotes() {
        for at in 0..17 {
            for byte in 0..=127_u8 {
                let mut bytes = vec![b'a'; 17];
                bytes[at] = byte;
                let value = String::from_utf8(bytes).expect("ASCII");
                let expected = byte.is_ascii_graphic() && byte != b'"';
                assert_eq!(is_plain(&value), expected, "{byte:#x} at {at}");
            }
            let mut value = "a".repeat(16);
            value.insert(at.min(16), 'é');
            assert!(!is_plain(&value), "{value}");
        }
        assert!(is_plain(
            "/v2.1/a1b2/flavors/1/os-extra_specs/hw:cpu_policy"
        ));
        assert!(!is_plain("Flavor \"a b could not be found."));
    }

    #[test]
    fn json_strings_are_escaped() {
        let mut out = Vec::new();
        push_json_string(&mut out, "a\"b\\c\nd\u{1}é\u{1f}\u{7f}\t");
        // DEL is not a control character to JSON, so it stays as it is.
        let expected = r#""a\"b\\c\nd\u0001é\u001f"#.to_owned() + "\u{7f}" + r#"\t""#;
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
