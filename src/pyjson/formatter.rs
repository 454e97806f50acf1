//! A serde_json formatter that writes `json.dumps` spacing and escaping, for
//! responses built from Rust types.

use std::io;

use super::write::{json_float, push_json_char};

/// A serde_json `Formatter` that writes Python `json.dumps` spacing and
/// escaping, for responses built with serde.
///
/// It writes the `", "` and `": "` separators, escapes strings with
/// `ensure_ascii=True` rules and formats floats with [`float_repr`].
/// serde_json writes `null` for NaN and the infinities before it reaches the
/// formatter, where `json.dumps` writes `NaN`, `Infinity` and `-Infinity`.
/// Build a [`Value`] and use [`to_json`] when such floats must survive.
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    /// Widens the value to `f64` first, because a Python float is a double:
    /// `0.1f32` is written as `0.10000000149011612`.
    fn write_f32<W>(&mut self, writer: &mut W, value: f32) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        writer.write_all(json_float(f64::from(value)).as_bytes())
    }

    fn write_f64<W>(&mut self, writer: &mut W, value: f64) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        writer.write_all(json_float(value).as_bytes())
    }

    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        // Printable ASCII, by far the most common case, needs no escaping.
        if fragment.bytes().all(|byte| (b' '..=b'~').contains(&byte)) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut out = String::with_capacity(fragment.len() * 2);
        for c in fragment.chars() {
            push_json_char(&mut out, c);
        }
        writer.write_all(out.as_bytes())
    }

    fn write_char_escape<W>(
        &mut self,
        writer: &mut W,
        char_escape: serde_json::ser::CharEscape,
    ) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        use serde_json::ser::CharEscape;

        let c = match char_escape {
            CharEscape::Quote => '"',
            CharEscape::ReverseSolidus => '\\',
            CharEscape::Solidus => '/',
            CharEscape::Backspace => '\u{8}',
            CharEscape::FormFeed => '\u{c}',
            CharEscape::LineFeed => '\n',
            CharEscape::CarriageReturn => '\r',
            CharEscape::Tab => '\t',
            CharEscape::AsciiControl(byte) => char::from(byte),
        };
        let mut out = String::new();
        push_json_char(&mut out, c);
        writer.write_all(out.as_bytes())
    }

    fn begin_array_value<W>(&mut self, writer: &mut W, first: bool) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W>(&mut self, writer: &mut W, first: bool) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W>(&mut self, writer: &mut W) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        writer.write_all(b": ")
    }
}

/// Serializes `value` with [`PythonFormatter`], as `json.dumps` would write
/// the same data.
///
/// Fails where `serde_json::to_string` fails, e.g. on a map whose keys are
/// not strings or numbers.
pub fn try_to_python_json_string<T: serde::Serialize>(
    value: &T,
) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(256);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value.serialize(&mut serializer)?;
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

/// Serializes a response body with [`PythonFormatter`].
///
/// Every body this server builds has string keys, so serialization cannot fail;
/// if a future type breaks that, the failure is logged and `null` is sent rather
/// than a panic.
pub fn to_python_json_string<T: serde::Serialize>(value: &T) -> String {
    try_to_python_json_string(value).unwrap_or_else(|error| {
        tracing::error!(%error, "failed to serialize a response body");
        "null".to_owned()
    })
}
