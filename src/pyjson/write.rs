//! Writing values: `json.dumps` output and Python `str()` and `repr()` text.

use super::float::float_repr;
use super::{Number, Value, printable};

/// Serializes as Python's json.dumps(value) with default arguments.
///
/// Those defaults are `ensure_ascii=True`, the separators `", "` and `": "`
/// and `allow_nan=True`, so NaN and the infinities are written as `NaN`,
/// `Infinity` and `-Infinity`.
pub fn to_json(value: &Value) -> String {
    let mut out = String::with_capacity(64);
    write_tree(&mut out, value, Notation::Json);
    out
}

/// Python str() of the value.
///
/// A string is its raw text, and a container is formatted as `repr()`.
pub fn py_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => py_repr(other),
    }
}

/// Python repr() of the value, e.g. `{'a': [1, None, True]}`.
pub fn py_repr(value: &Value) -> String {
    let mut out = String::new();
    write_tree(&mut out, value, Notation::Python);
    out
}

/// The syntax that [`write_tree`] writes: both share the brackets and the
/// `", "` and `": "` separators, and differ in scalars and strings.
#[derive(Clone, Copy)]
enum Notation {
    /// `json.dumps()` output.
    Json,
    /// Python `repr()` output.
    Python,
}

impl Notation {
    fn write_scalar(self, out: &mut String, value: &Value) {
        match (self, value) {
            (Notation::Json, Value::Null) => out.push_str("null"),
            (Notation::Python, Value::Null) => out.push_str("None"),
            (Notation::Json, Value::Bool(flag)) => {
                out.push_str(if *flag { "true" } else { "false" })
            }
            (Notation::Python, Value::Bool(flag)) => {
                out.push_str(if *flag { "True" } else { "False" })
            }
            (Notation::Json, Value::Number(number)) => push_json_number(out, number),
            (Notation::Python, Value::Number(number)) => out.push_str(&number.py_str()),
            (notation, Value::String(text)) => notation.write_string(out, text),
            // write_tree handles containers before it calls this.
            (_, Value::Array(_) | Value::Object(_)) => {}
        }
    }

    fn write_string(self, out: &mut String, text: &str) {
        match self {
            Notation::Json => push_json_string(out, text),
            Notation::Python => out.push_str(&repr_str(text)),
        }
    }
}

/// An array or object that [`write_tree`] has opened and not yet closed.
enum Open<'a> {
    Array(std::slice::Iter<'a, Value>),
    Object(indexmap::map::Iter<'a, String, Value>),
}

/// Writes a value with an explicit stack, so that values built in code of any
/// depth cannot overflow the call stack here.
fn write_tree(out: &mut String, root: &Value, notation: Notation) {
    // An object of scalars, such as an extra-spec body, needs no stack.
    let scalar = |value: &Value| !matches!(value, Value::Array(_) | Value::Object(_));
    if let Value::Object(map) = root
        && map.values().all(scalar)
    {
        out.push('{');
        for (index, (key, value)) in map.iter().enumerate() {
            if index > 0 {
                out.push_str(", ");
            }
            notation.write_string(out, key);
            out.push_str(": ");
            notation.write_scalar(out, value);
        }
        out.push('}');
        return;
    }
    let mut stack: Vec<(Open<'_>, bool)> = Vec::new();
    let mut next = Some(root);
    loop {
        match next.take() {
            Some(Value::Array(items)) => {
                out.push('[');
                stack.push((Open::Array(items.iter()), true));
            }
            Some(Value::Object(map)) => {
                out.push('{');
                stack.push((Open::Object(map.iter()), true));
            }
            Some(scalar) => notation.write_scalar(out, scalar),
            None => {}
        }

        // Find the next member of the innermost open container, closing
        // every container that has none left.
        let Some((open, first)) = stack.last_mut() else {
            return;
        };
        let member = match open {
            Open::Array(items) => items.next().map(|item| (None, item)),
            Open::Object(members) => members.next().map(|(key, item)| (Some(key), item)),
        };
        match member {
            Some((key, item)) => {
                if !*first {
                    out.push_str(", ");
                }
                *first = false;
                if let Some(key) = key {
                    notation.write_string(out, key);
                    out.push_str(": ");
                }
                next = Some(item);
            }
            None => {
                out.push(if matches!(open, Open::Array(_)) {
                    ']'
                } else {
                    '}'
                });
                stack.pop();
            }
        }
    }
}

fn push_json_number(out: &mut String, number: &Number) {
    match number {
        Number::Int(text) => out.push_str(text),
        Number::Float(value) => out.push_str(&json_float(*value)),
    }
}

/// Formats a float as `json.dumps` does: `float.__repr__` for finite values
/// and JavaScript's names for the others.
pub(super) fn json_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "Infinity".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Infinity".to_owned()
    } else {
        float_repr(value)
    }
}

/// Appends `text` as a JSON string, escaped as `json.dumps` escapes it.
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    // Printable ASCII without quotes or backslashes, the usual case, is copied
    // whole instead of character by character.
    let plain = |byte: u8| (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\';
    if text.bytes().all(plain) {
        out.push_str(text);
    } else {
        for c in text.chars() {
            push_json_char(out, c);
        }
    }
    out.push('"');
}

/// Writes one character of a JSON string as `json.dumps` does with
/// `ensure_ascii=True`: printable ASCII other than `"` and `\` stays as is.
/// Python also escapes DEL (0x7F), because its printable range is `' '..='~'`.
pub(super) fn push_json_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        ' '..='~' => out.push(c),
        _ => {
            // Every other character becomes `\uXXXX` escapes of its UTF-16
            // code units, so one outside the BMP becomes a surrogate pair.
            let mut units = [0; 2];
            for &unit in c.encode_utf16(&mut units).iter() {
                out.push_str("\\u");
                push_hex(out, u32::from(unit), 4);
            }
        }
    }
}

/// Python repr() of a str.
///
/// The quote is `'` unless the text contains `'` and no `"`. Backslash, the
/// quote, tab, line feed and carriage return get backslash escapes, and other
/// characters that `str.isprintable()` rejects become `\xNN`, `\uNNNN` or
/// `\UNNNNNNNN`. Printable non-ASCII characters are written as they are.
pub fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            _ if is_printable(c) => out.push(c),
            _ => push_repr_escape(&mut out, c),
        }
    }
    out.push(quote);
    out
}

/// Writes the shortest of Python's `\x`, `\u` and `\U` escapes that fits `c`.
fn push_repr_escape(out: &mut String, c: char) {
    let code_point = u32::from(c);
    if code_point <= 0xFF {
        out.push_str("\\x");
        push_hex(out, code_point, 2);
    } else if code_point <= 0xFFFF {
        out.push_str("\\u");
        push_hex(out, code_point, 4);
    } else {
        out.push_str("\\U");
        push_hex(out, code_point, 8);
    }
}

/// Returns whether Python 3.11's `str.isprintable()` accepts the character.
pub(super) fn is_printable(c: char) -> bool {
    let code_point = u32::from(c);
    if (0x20..0x7F).contains(&code_point) {
        return true;
    }
    printable::NON_PRINTABLE
        .binary_search_by(|&(first, last)| {
            if last < code_point {
                std::cmp::Ordering::Less
            } else if first > code_point {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Appends `value` as exactly `digits` lower-case hex digits, as Python's
/// escapes are written.
pub(super) fn push_hex(out: &mut String, value: u32, digits: u32) {
    for index in (0..digits).rev() {
        let nibble = value.checked_shr(index * 4).unwrap_or(0) & 0xF;
        out.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
}
