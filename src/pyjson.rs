//! JSON parsing, JSON serialization and Python `str()`/`repr()` formatting with
//! the exact semantics of CPython 3.11.
//!
//! Real Nova is written in Python. It decodes a request body as strict UTF-8 and parses it with `json.loads`.
//! It builds error messages from `str()` and `repr()` of the parsed values and
//! writes responses with `json.dumps`. This module owns those three behaviors.
//!
//! - [`parse`] accepts and rejects the same inputs as `json.loads` and reports
//!   the same error messages, with the exceptions listed on it.
//! - [`to_json`] and [`PythonFormatter`] write the bytes that `json.dumps` writes.
//! - [`py_str`], [`py_repr`], [`repr_str`] and [`float_repr`] format values as
//!   Python's `str()` and `repr()` do.

mod float;
mod formatter;
mod parse;
mod printable;
mod write;

pub use float::float_repr;
pub use formatter::{PythonFormatter, to_python_json_string, try_to_python_json_string};
pub use parse::{ParseError, ParseErrorKind, parse};
pub use write::{push_json_string, py_repr, py_str, repr_str, to_json};

use indexmap::IndexMap;

/// Maximum nesting depth of arrays and objects that [`parse`] accepts.
///
/// CPython 3.11 raises `RecursionError` at about 1000 nested containers, fewer
/// inside a server's call stack. The parser itself is iterative, but the derived
/// `Drop`, `Clone`, `PartialEq` and `Debug` of [`Value`] recurse, so the limit
/// keeps a hostile body from overflowing the stack when the value is dropped.
pub const MAX_DEPTH: usize = 512;

/// Maximum number of digits in an integer literal, CPython 3.11's default
/// `sys.get_int_max_str_digits()`. Longer literals make `json.loads` raise
/// `ValueError`.
pub const MAX_INT_DIGITS: usize = 4300;

/// A JSON object: Python `dict` semantics, so keys keep insertion order.
pub type Map = IndexMap<String, Value>;

/// A parsed JSON value, mirroring the Python objects `json.loads` returns.
///
/// The derived `Drop`, `Clone`, `PartialEq` and `Debug` recurse, so a value
/// built in code should stay within [`MAX_DEPTH`] levels as parsed ones do.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Python `None`.
    Null,
    /// Python `bool`.
    Bool(bool),
    /// Python `int` or `float`.
    Number(Number),
    /// Python `str`.
    String(String),
    /// Python `list`.
    Array(Vec<Value>),
    /// Python `dict` with string keys.
    Object(Map),
}

/// A JSON number, as Python's `int` or `float`.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// A Python int, kept as its canonical decimal text (str(int)), any size.
    ///
    /// The text must be canonical: an optional `-`, then `0` or digits without
    /// a leading zero, and never `-0`. The writers copy it unchecked.
    Int(String),
    /// A Python float.
    Float(f64),
}

impl Number {
    /// Formats the number as Python's `str()` does, which for numbers equals `repr()`.
    pub fn py_str(&self) -> String {
        match self {
            Number::Int(text) => text.clone(),
            Number::Float(value) => float_repr(*value),
        }
    }

    /// Returns the value of an int that fits in an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(text) => text.parse().ok(),
            Number::Float(_) => None,
        }
    }

    /// Returns the value of an int that fits in a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Number::Int(text) => text.parse().ok(),
            Number::Float(_) => None,
        }
    }

    /// Converts the number as Python's `float()` does: an int is rounded to
    /// the nearest float, and an int too large for a float returns `None`
    /// where Python raises `OverflowError`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(text) => text.parse::<f64>().ok().filter(|value| value.is_finite()),
            Number::Float(value) => Some(*value),
        }
    }
}

/// Implements `From` for integer types, whose `Display` output is already the
/// canonical text of a Python int.
macro_rules! number_from_integer {
    ($($integer:ty),*) => {
        $(
            impl From<$integer> for Number {
                fn from(value: $integer) -> Self {
                    Number::Int(value.to_string())
                }
            }

            impl From<$integer> for Value {
                fn from(value: $integer) -> Self {
                    Value::Number(Number::from(value))
                }
            }
        )*
    };
}

number_from_integer!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

impl From<f64> for Number {
    fn from(value: f64) -> Self {
        Number::Float(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Number(Number::Float(value))
    }
}

impl From<Number> for Value {
    fn from(value: Number) -> Self {
        Value::Number(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<Vec<Value>> for Value {
    fn from(value: Vec<Value>) -> Self {
        Value::Array(value)
    }
}

impl From<Map> for Value {
    fn from(value: Map) -> Self {
        Value::Object(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// Converts `None` to [`Value::Null`], as Python has no separate "missing".
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

impl Value {
    /// Returns the text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Returns the members of an object value.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Returns the items of an array value.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Returns the number of a number value.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// Returns the flag of a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// Returns whether the value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Returns the member `key` of an object value, or `None` for a missing
    /// key or a value that is not an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|map| map.get(key))
    }
}

#[cfg(test)]
mod tests {
    //! Expected outputs come from CPython 3.11.7: `json.loads`, `json.dumps`,
    //! `repr()` and `str()` run on the same inputs.

    use super::write::is_printable;
    use super::*;
    use proptest::prelude::*;

    fn parse_ok(input: &str) -> Value {
        match parse(input.as_bytes()) {
            Ok(value) => value,
            Err(error) => panic!("parse({input:?}) failed: {error}"),
        }
    }

    fn parse_err(input: &[u8]) -> ParseError {
        match parse(input) {
            Ok(value) => panic!("parse({input:?}) returned {value:?}"),
            Err(error) => error,
        }
    }

    /// JSON input, `json.dumps(json.loads(input))` and `repr(json.loads(input))`.
    const NUMBER_CASES: &[(&str, &str, &str)] = &[
        ("1", "1", "1"),
        ("-1", "-1", "-1"),
        ("0", "0", "0"),
        ("-0", "0", "0"),
        ("1.5", "1.5", "1.5"),
        ("1.0", "1.0", "1.0"),
        ("-0.0", "-0.0", "-0.0"),
        ("1e5", "100000.0", "100000.0"),
        ("1E16", "1e+16", "1e+16"),
        ("1e-5", "1e-05", "1e-05"),
        ("0.0001", "0.0001", "0.0001"),
        ("0.1", "0.1", "0.1"),
        (
            "12345678901234567890",
            "12345678901234567890",
            "12345678901234567890",
        ),
        (
            "-12345678901234567890",
            "-12345678901234567890",
            "-12345678901234567890",
        ),
        ("123e-20", "1.23e-18", "1.23e-18"),
        ("5e-324", "5e-324", "5e-324"),
        (
            "1.7976931348623157e308",
            "1.7976931348623157e+308",
            "1.7976931348623157e+308",
        ),
        ("1e400", "Infinity", "inf"),
        ("-1e400", "-Infinity", "-inf"),
        ("1e-400", "0.0", "0.0"),
        ("2.5E+3", "2500.0", "2500.0"),
        (
            "0.30000000000000004",
            "0.30000000000000004",
            "0.30000000000000004",
        ),
        ("1e15", "1000000000000000.0", "1000000000000000.0"),
        (
            "123456789012345678.5",
            "1.2345678901234568e+17",
            "1.2345678901234568e+17",
        ),
        ("1e99999999999999999999", "Infinity", "inf"),
    ];

    #[test]
    fn number_dumps_and_repr() {
        for &(input, json, repr) in NUMBER_CASES {
            let value = parse_ok(input);
            assert_eq!(to_json(&value), json, "json.dumps of {input}");
            assert_eq!(py_repr(&value), repr, "repr of {input}");
            assert_eq!(py_str(&value), repr, "str of {input}");
        }
    }

    #[test]
    fn number_int_or_float() {
        assert_eq!(parse_ok("1"), Value::Number(Number::Int("1".to_owned())));
        assert_eq!(parse_ok("-0"), Value::Number(Number::Int("0".to_owned())));
        assert_eq!(parse_ok("1.0"), Value::Number(Number::Float(1.0)));
        assert_eq!(parse_ok("1e2"), Value::Number(Number::Float(100.0)));
        assert!(
            matches!(parse_ok("-0.0"), Value::Number(Number::Float(f)) if f.is_sign_negative())
        );
        assert!(
            matches!(parse_ok("-0e0"), Value::Number(Number::Float(f)) if f.is_sign_negative())
        );
    }

    /// A float and Python's `repr()` of it.
    const FLOAT_REPR_CASES: &[(f64, &str)] = &[
        (1.0, "1.0"),
        (1.5, "1.5"),
        (100000.0, "100000.0"),
        (1e16, "1e+16"),
        (0.1, "0.1"),
        (-0.0, "-0.0"),
        (0.0, "0.0"),
        (1e-5, "1e-05"),
        (0.0001, "0.0001"),
        (1.23e-18, "1.23e-18"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9999999999999998.0, "9999999999999998.0"),
        (1e15, "1000000000000000.0"),
        (0.30000000000000004, "0.30000000000000004"),
        (1.5e-7, "1.5e-07"),
        (-12.75, "-12.75"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
    ];

    #[test]
    fn float_repr_table() {
        for &(value, expected) in FLOAT_REPR_CASES {
            assert_eq!(float_repr(value), expected, "repr of {value:e}");
        }
    }

    #[test]
    fn float_repr_tie_rounds_even() {
        // Each value is exact in binary and has two equally near shortest
        // candidates, and Python picks the one ending in an even digit.
        assert_eq!(float_repr(982318492793036.0 + 0.25), "982318492793036.2");
        assert_eq!(
            float_repr(-(100052969090562.0 + 0.125)),
            "-100052969090562.12"
        );
        assert_eq!(float_repr(2f64.powi(-25)), "2.9802322387695312e-08");
    }

    #[test]
    fn number_py_str() {
        assert_eq!(Number::from(42).py_str(), "42");
        assert_eq!(Number::from(-7i64).py_str(), "-7");
        assert_eq!(Number::from(2.0).py_str(), "2.0");
        assert_eq!(Number::from(f64::NAN).py_str(), "nan");
    }

    /// A string, `json.dumps()` of it and `repr()` of it.
    const STRING_CASES: &[(&str, &str, &str)] = &[
        ("", "\"\"", "''"),
        ("plain", "\"plain\"", "'plain'"),
        ("it's", "\"it's\"", "\"it's\""),
        ("say \"hi\"", "\"say \\\"hi\\\"\"", "'say \"hi\"'"),
        ("both ' and \"", "\"both ' and \\\"\"", "'both \\' and \"'"),
        ("back\\slash", "\"back\\\\slash\"", "'back\\\\slash'"),
        ("tab\there", "\"tab\\there\"", "'tab\\there'"),
        ("new\nline", "\"new\\nline\"", "'new\\nline'"),
        ("cr\r", "\"cr\\r\"", "'cr\\r'"),
        ("é", "\"\\u00e9\"", "'é'"),
        ("\u{a0}", "\"\\u00a0\"", "'\\xa0'"),
        ("\u{200b}", "\"\\u200b\"", "'\\u200b'"),
        ("\u{2028}", "\"\\u2028\"", "'\\u2028'"),
        ("\u{1f600}", "\"\\ud83d\\ude00\"", "'\u{1f600}'"),
        (
            "\u{0}\u{1}\u{1f}",
            "\"\\u0000\\u0001\\u001f\"",
            "'\\x00\\x01\\x1f'",
        ),
        ("\u{7f}", "\"\\u007f\"", "'\\x7f'"),
        ("\u{8}\u{c}", "\"\\b\\f\"", "'\\x08\\x0c'"),
        ("/", "\"/\"", "'/'"),
        ("\u{378}", "\"\\u0378\"", "'\\u0378'"),
        ("\u{e000}", "\"\\ue000\"", "'\\ue000'"),
        ("\u{e0001}", "\"\\udb40\\udc01\"", "'\\U000e0001'"),
        ("a\u{300}", "\"a\\u0300\"", "'a\u{300}'"),
        (
            "\u{65e5}\u{672c}",
            "\"\\u65e5\\u672c\"",
            "'\u{65e5}\u{672c}'",
        ),
    ];

    #[test]
    fn string_dumps_and_repr() {
        for &(text, json, repr) in STRING_CASES {
            let value = Value::from(text);
            assert_eq!(to_json(&value), json, "json.dumps of {text:?}");
            assert_eq!(repr_str(text), repr, "repr of {text:?}");
            assert_eq!(py_repr(&value), repr, "py_repr of {text:?}");
            assert_eq!(py_str(&value), text, "str of {text:?}");
        }
    }

    #[test]
    fn string_round_trip() {
        for &(text, json, _) in STRING_CASES {
            assert_eq!(parse_ok(json), Value::from(text), "json.loads of {json}");
        }
    }

    #[test]
    fn string_escapes_decode() {
        let value = parse_ok(r#""\"\\\/\b\f\n\r\t\u00E9\u00e9\ud83d\ude00""#);
        assert_eq!(
            value.as_str(),
            Some("\"\\/\u{8}\u{c}\n\r\té\u{e9}\u{1f600}")
        );
    }

    #[test]
    fn string_high_surrogate_then_escape() {
        // A high surrogate followed by an escape that is not a low surrogate
        // stays lone. Python accepts the input as '\ud800A'.
        let error = parse_err(br#""\ud800\u0041""#);
        assert_eq!(error.kind(), ParseErrorKind::LoneSurrogate);
        assert_eq!(
            error.to_string(),
            "Lone surrogate \\ud800 is not supported: line 1 column 2 (char 1)"
        );
    }

    #[test]
    fn lone_surrogate_rejected() {
        let error = parse_err(br#"{"a": "x\udc00"}"#);
        assert_eq!(error.kind(), ParseErrorKind::LoneSurrogate);
        assert_eq!(error.position(), 8);
    }

    #[test]
    fn lone_surrogate_after_syntax_error() {
        // Python rejects this input for its syntax, so the syntax error wins.
        let error = parse_err(br#"["\ud800", x]"#);
        assert_eq!(error.kind(), ParseErrorKind::Syntax);
        assert_eq!(
            error.to_string(),
            "Expecting value: line 1 column 12 (char 11)"
        );
    }

    /// An input that `json.loads(input.decode('utf-8'))` rejects, the error
    /// class and `str()` of Python's exception.
    const ERROR_CASES: &[(&[u8], ParseErrorKind, &str)] = {
        use ParseErrorKind::{InvalidUtf8, Syntax};
        &[
            (b"", Syntax, "Expecting value: line 1 column 1 (char 0)"),
            (
                b" \t\r\n",
                Syntax,
                "Expecting value: line 2 column 1 (char 4)",
            ),
            (
                b"\x0c1",
                Syntax,
                "Expecting value: line 1 column 1 (char 0)",
            ),
            (
                b"\xc2\xa01",
                Syntax,
                "Expecting value: line 1 column 1 (char 0)",
            ),
            (
                b"\xef\xbb\xbf{}",
                Syntax,
                "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
            ),
            (b"{} x", Syntax, "Extra data: line 1 column 4 (char 3)"),
            (b"[1]]", Syntax, "Extra data: line 1 column 4 (char 3)"),
            (b"[1,]", Syntax, "Expecting value: line 1 column 4 (char 3)"),
            (
                b"{\"a\": 1,}",
                Syntax,
                "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)",
            ),
            (
                b"{1: 2}",
                Syntax,
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                b"{\"a\" 1}",
                Syntax,
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            (
                b"{\"a\": 1 \"b\": 2}",
                Syntax,
                "Expecting ',' delimiter: line 1 column 9 (char 8)",
            ),
            (
                b"[1 2]",
                Syntax,
                "Expecting ',' delimiter: line 1 column 4 (char 3)",
            ),
            (
                b"\"abc",
                Syntax,
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                b"\"a\\",
                Syntax,
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                b"\"\\x\"",
                Syntax,
                "Invalid \\escape: line 1 column 2 (char 1)",
            ),
            (
                b"\"\\u12\"",
                Syntax,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                b"\"\\uZZZZ\"",
                Syntax,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                b"\"\\u1234",
                Syntax,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                b"\"\\ud800\\uZZZZ\"",
                Syntax,
                "Invalid \\uXXXX escape: line 1 column 9 (char 8)",
            ),
            (
                b"\"a\nb\"",
                Syntax,
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            (
                b"\"a\x00\"",
                Syntax,
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            (
                b"\xff",
                InvalidUtf8,
                "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
            ),
            (
                b"\"\xe0\x80\"",
                InvalidUtf8,
                "'utf-8' codec can't decode byte 0xe0 in position 1: invalid continuation byte",
            ),
            (
                b"\"\xf0\x90\x80",
                InvalidUtf8,
                "'utf-8' codec can't decode bytes in position 1-3: unexpected end of data",
            ),
            (
                b"\"\xf0\x90\x80A\"",
                InvalidUtf8,
                "'utf-8' codec can't decode bytes in position 1-3: invalid continuation byte",
            ),
            (b"[", Syntax, "Expecting value: line 1 column 2 (char 1)"),
            (
                b"{",
                Syntax,
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (b"-", Syntax, "Expecting value: line 1 column 1 (char 0)"),
            (b"01", Syntax, "Extra data: line 1 column 2 (char 1)"),
            (b"1.", Syntax, "Extra data: line 1 column 2 (char 1)"),
            (b"1e+", Syntax, "Extra data: line 1 column 2 (char 1)"),
            (b"nul", Syntax, "Expecting value: line 1 column 1 (char 0)"),
            (b"TRUE", Syntax, "Expecting value: line 1 column 1 (char 0)"),
            (b"'a'", Syntax, "Expecting value: line 1 column 1 (char 0)"),
            (
                b"[\n  1,\n  x]",
                Syntax,
                "Expecting value: line 3 column 3 (char 9)",
            ),
            (
                b"\"\xc3\xa9\" x",
                Syntax,
                "Extra data: line 1 column 5 (char 4)",
            ),
        ]
    };

    #[test]
    fn parse_error_table() {
        for &(input, kind, message) in ERROR_CASES {
            let error = parse_err(input);
            assert_eq!(error.kind(), kind, "kind for {input:?}");
            assert_eq!(error.to_string(), message, "message for {input:?}");
        }
    }

    #[test]
    fn parse_error_location() {
        let error = parse_err(b"{\n  \"name\": \"\xc3\xa9\xc3\xa9\",\n  \"x\" 1}");
        assert_eq!(error.message(), "Expecting ':' delimiter");
        assert_eq!(error.position(), 24);
        assert_eq!(error.line(), 3);
        assert_eq!(error.column(), 7);
    }

    #[test]
    fn depth_limit() {
        let deepest = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(deepest.as_bytes()).is_ok());

        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let error = parse_err(too_deep.as_bytes());
        assert_eq!(error.kind(), ParseErrorKind::TooDeep);
        assert_eq!(
            error.to_string(),
            "Maximum nesting depth of 512 exceeded: line 1 column 513 (char 512)"
        );
    }

    #[test]
    fn depth_limit_objects() {
        let too_deep = "{\"a\": ".repeat(MAX_DEPTH + 1);
        let error = parse_err(too_deep.as_bytes());
        assert_eq!(error.kind(), ParseErrorKind::TooDeep);
    }

    #[test]
    fn depth_limit_huge_input() {
        // Far past the limit, the parser stops early instead of recursing.
        let error = parse_err("[".repeat(1_000_000).as_bytes());
        assert_eq!(error.kind(), ParseErrorKind::TooDeep);
    }

    #[test]
    fn int_digit_limit() {
        let longest = "7".repeat(MAX_INT_DIGITS);
        assert_eq!(
            parse_ok(&longest).as_number(),
            Some(&Number::Int(longest.clone()))
        );

        let negative = format!("-{longest}");
        assert_eq!(
            parse_ok(&negative).as_number(),
            Some(&Number::Int(negative.clone()))
        );

        let error = parse_err(format!("[{longest}1]").as_bytes());
        assert_eq!(error.kind(), ParseErrorKind::IntegerTooLong);
        assert_eq!(error.position(), 1);
        assert_eq!(
            error.to_string(),
            "Exceeds the limit (4300 digits) for integer string conversion: \
             value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit"
        );
    }

    #[test]
    fn long_float_literal() {
        // The digit limit applies to ints only, as in Python.
        let literal = format!("0.{}", "1".repeat(10_000));
        assert_eq!(parse_ok(&literal), Value::from(0.1111111111111111));
    }

    #[test]
    fn duplicate_keys_keep_first_position() {
        let value = parse_ok(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert_eq!(to_json(&value), r#"{"a": 3, "b": 2}"#);
        assert_eq!(py_repr(&value), "{'a': 3, 'b': 2}");
    }

    #[test]
    fn nan_infinity_round_trip() {
        let value = parse_ok("[NaN, Infinity, -Infinity]");
        assert_eq!(to_json(&value), "[NaN, Infinity, -Infinity]");
        assert_eq!(py_repr(&value), "[nan, inf, -inf]");
        let first = value.as_array().and_then(|items| items.first());
        assert!(matches!(first, Some(Value::Number(Number::Float(f))) if f.is_nan()));
        assert_eq!(
            to_json(&parse_ok(&to_json(&value))),
            "[NaN, Infinity, -Infinity]"
        );
    }

    #[test]
    fn literals_and_whitespace() {
        assert_eq!(parse_ok(" \t\r\nnull\n"), Value::Null);
        assert_eq!(parse_ok("true"), Value::Bool(true));
        assert_eq!(parse_ok("false"), Value::Bool(false));
        assert_eq!(parse_ok("[ ]"), Value::Array(Vec::new()));
        assert_eq!(parse_ok("{ }"), Value::Object(Map::new()));
    }

    /// Python 3.11 output for `NESTED_INPUT`: `repr()`, equal to `str()`, and `json.dumps()`.
    const NESTED_INPUT: &str = concat!(
        r#"{"name": "vm-1", "meta": {"k": "it's", "e": "\u00e9\u2028"}, "#,
        r#""list": [1, 2.5, null, true, false, [], {}], "#,
        r#""big": 12345678901234567890, "f": 1e16}"#,
    );
    const NESTED_REPR: &str = concat!(
        r#"{'name': 'vm-1', 'meta': {'k': "it's", 'e': 'é\u2028'}, "#,
        r#"'list': [1, 2.5, None, True, False, [], {}], "#,
        r#"'big': 12345678901234567890, 'f': 1e+16}"#,
    );
    const NESTED_JSON: &str = concat!(
        r#"{"name": "vm-1", "meta": {"k": "it's", "e": "\u00e9\u2028"}, "#,
        r#""list": [1, 2.5, null, true, false, [], {}], "#,
        r#""big": 12345678901234567890, "f": 1e+16}"#,
    );

    #[test]
    fn nested_repr_str_dumps() {
        let value = parse_ok(NESTED_INPUT);
        assert_eq!(py_repr(&value), NESTED_REPR);
        assert_eq!(py_str(&value), NESTED_REPR);
        assert_eq!(to_json(&value), NESTED_JSON);
    }

    #[test]
    fn empty_containers() {
        assert_eq!(to_json(&Value::Array(Vec::new())), "[]");
        assert_eq!(to_json(&Value::Object(Map::new())), "{}");
        assert_eq!(py_repr(&Value::Array(Vec::new())), "[]");
        assert_eq!(py_repr(&Value::Object(Map::new())), "{}");
    }

    #[test]
    fn scalar_str_and_repr() {
        assert_eq!(py_str(&Value::Null), "None");
        assert_eq!(py_str(&Value::Bool(true)), "True");
        assert_eq!(py_repr(&Value::Bool(false)), "False");
        assert_eq!(py_str(&Value::from("it's")), "it's");
        assert_eq!(py_repr(&Value::from("it's")), "\"it's\"");
    }

    #[test]
    fn value_accessors() {
        let value = parse_ok(r#"{"server": {"name": "vm", "ram": 512, "ok": true, "x": null}}"#);
        let server = value.get("server");
        assert_eq!(
            server.and_then(|s| s.get("name")).and_then(Value::as_str),
            Some("vm")
        );
        let ram = server.and_then(|s| s.get("ram")).and_then(Value::as_number);
        assert_eq!(ram.and_then(Number::as_i64), Some(512));
        assert_eq!(ram.and_then(Number::as_u64), Some(512));
        assert_eq!(ram.and_then(Number::as_f64), Some(512.0));
        assert_eq!(
            server.and_then(|s| s.get("ok")).and_then(Value::as_bool),
            Some(true)
        );
        assert!(server.and_then(|s| s.get("x")).is_some_and(Value::is_null));
        assert_eq!(server.and_then(Value::as_object).map(Map::len), Some(4));
        assert_eq!(value.get("missing"), None);
        assert_eq!(Value::from(1).get("server"), None);
    }

    #[test]
    fn value_from_conversions() {
        assert_eq!(
            Value::from(Some(3u8)),
            Value::Number(Number::Int("3".to_owned()))
        );
        assert_eq!(Value::from(None::<bool>), Value::Null);
        assert_eq!(
            Value::from(String::from("a")),
            Value::String("a".to_owned())
        );
        assert_eq!(
            Value::from(vec![Value::Null]),
            Value::Array(vec![Value::Null])
        );
        assert_eq!(
            Number::from(u128::MAX).py_str(),
            "340282366920938463463374607431768211455"
        );
        assert_eq!(Number::Int("9".repeat(400)).as_f64(), None);
    }

    #[test]
    fn printable_table_sorted() {
        let table = printable::NON_PRINTABLE;
        for pair in table.windows(2) {
            assert!(
                pair[0].1 < pair[1].0,
                "ranges overlap or are unsorted: {pair:?}"
            );
        }
        for &(first, last) in table {
            assert!(first <= last, "empty range {first:#x}..={last:#x}");
        }
    }

    #[test]
    fn printable_classes() {
        assert!(is_printable(' '));
        assert!(is_printable('é'));
        assert!(is_printable('\u{1f600}'));
        assert!(!is_printable('\u{3000}'), "Zs other than space");
        assert!(!is_printable('\u{ad}'), "Cf");
        assert!(!is_printable('\u{2029}'), "Zp");
        assert!(!is_printable('\u{f0000}'), "Co");
        assert!(!is_printable('\u{10ffff}'), "Cn");
    }

    /// Python 3.11: `json.dumps({"a": [1, 2.5, None, True], "b": {"c":
    /// "\u00e9\x7f/\U0001F600\n\x1f"}, "d": 1e16, "e": -0.0, "f": [], "g": {}, "h": 0.1})`.
    const FORMATTER_JSON: &str = concat!(
        r#"{"a": [1, 2.5, null, true], "b": {"c": "\u00e9\u007f/\ud83d\ude00\n\u001f"}, "#,
        r#""d": 1e+16, "e": -0.0, "f": [], "g": {}, "h": 0.1}"#,
    );

    #[test]
    fn formatter_matches_dumps() {
        let data = serde_json::json!({
            "a": [1, 2.5, null, true],
            "b": {"c": "\u{e9}\u{7f}/\u{1f600}\n\u{1f}"},
            "d": 1e16,
            "e": -0.0,
            "f": [],
            "g": {},
            "h": 0.1,
        });
        assert_eq!(
            try_to_python_json_string(&data).ok().as_deref(),
            Some(FORMATTER_JSON)
        );
    }

    #[test]
    fn formatter_agrees_with_to_json() {
        // serde_json's default map sorts keys, so the input has sorted keys.
        let input = concat!(
            r#"{"big": 12345678901234567890, "f": 1e16, "#,
            r#""list": [1, 2.5, null, true, false, [], {}], "#,
            r#""meta": {"e": "\u00e9\u2028", "k": "it's"}, "name": "vm-1"}"#,
        );
        let data: Result<serde_json::Value, _> = serde_json::from_str(input);
        let written = data
            .ok()
            .and_then(|data| try_to_python_json_string(&data).ok());
        assert_eq!(written, Some(to_json(&parse_ok(input))));
    }

    #[test]
    fn formatter_non_finite_and_f32() {
        assert_eq!(
            try_to_python_json_string(&f64::NAN).ok().as_deref(),
            Some("null")
        );
        assert_eq!(
            try_to_python_json_string(&f64::INFINITY).ok().as_deref(),
            Some("null")
        );
        assert_eq!(
            try_to_python_json_string(&0.1f32).ok().as_deref(),
            Some("0.10000000149011612")
        );
        assert_eq!(
            try_to_python_json_string(&[1.0f64, 1e-7]).ok().as_deref(),
            Some("[1.0, 1e-07]")
        );
    }

    #[test]
    fn formatter_escapes_keys() {
        let mut data = std::collections::BTreeMap::new();
        data.insert("é\"", vec!["\u{8}"]);
        assert_eq!(
            try_to_python_json_string(&data).ok().as_deref(),
            Some(r#"{"\u00e9\"": ["\b"]}"#)
        );
    }

    /// Arbitrary values without NaN, which never equals itself.
    fn value_strategy() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "-?[1-9][0-9]{0,60}".prop_map(|text| Value::Number(Number::Int(text))),
            any::<f64>()
                .prop_filter("NaN", |value| !value.is_nan())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    /// Short strings of JSON tokens, control characters and non-ASCII, which
    /// reach deeper into the parser than arbitrary bytes do.
    const JSON_LIKE_TEXT: &str = r#"[\[\]{}",:0-9eE.+\-\\u/bfnrtlsaNIy \t\n\x00\x1fé]{0,64}"#;

    proptest! {
        #[test]
        fn parse_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse(&input);
        }

        #[test]
        fn parse_json_like_text(input in JSON_LIKE_TEXT) {
            if let Ok(value) = parse(input.as_bytes()) {
                let _ = py_repr(&value);
            }
        }

        #[test]
        fn to_json_round_trip(value in value_strategy()) {
            let json = to_json(&value);
            prop_assert!(json.is_ascii());
            let parsed = parse(json.as_bytes());
            prop_assert_eq!(parsed.as_ref().ok(), Some(&value));
            prop_assert_eq!(parsed.map(|parsed| to_json(&parsed)).ok(), Some(json));
        }
    }
}
