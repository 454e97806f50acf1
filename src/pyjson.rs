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

mod printable;

use std::fmt;
use std::io;

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

/// The Python exception that the input makes Nova's JSON decoding raise, or
/// the reason this module rejects an input that Python accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// `json.JSONDecodeError`: the text is not valid JSON.
    Syntax,
    /// `UnicodeDecodeError`: the body is not valid UTF-8.
    InvalidUtf8,
    /// `ValueError`: an integer literal has more than [`MAX_INT_DIGITS`] digits.
    IntegerTooLong,
    /// Nesting deeper than [`MAX_DEPTH`]. Python raises `RecursionError` only
    /// near its recursion limit.
    TooDeep,
    /// A `\uXXXX` escape that yields a lone surrogate. Python accepts it, but a
    /// Rust `String` cannot contain it.
    LoneSurrogate,
}

/// An input that [`parse`] rejects, with the message Python would report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
    message: String,
    position: usize,
    line: usize,
    column: usize,
}

impl ParseError {
    /// Builds an error at byte offset `offset` of `bytes`, computing the
    /// character position, line and column as `json.JSONDecodeError` does.
    fn new(kind: ParseErrorKind, message: String, bytes: &[u8], offset: usize) -> Self {
        let prefix = bytes.get(..offset).unwrap_or(bytes);
        let mut position = 0;
        let mut line = 1;
        let mut line_start = 0;
        for &byte in prefix {
            // UTF-8 continuation bytes do not start a character.
            if byte & 0xC0 == 0x80 {
                continue;
            }
            position += 1;
            if byte == b'\n' {
                line += 1;
                line_start = position;
            }
        }

        ParseError {
            kind,
            message,
            position,
            line,
            column: position - line_start + 1,
        }
    }

    /// Returns the class of the error.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// Returns the error message without the location, e.g. `Expecting value`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Returns the index of the character where the error was found, as
    /// Python's `JSONDecodeError.pos`. For invalid UTF-8 it counts the characters of
    /// the valid prefix, and the message names the byte offset as Python does.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Returns the 1-based line of [`ParseError::position`].
    pub fn line(&self) -> usize {
        self.line
    }

    /// Returns the 1-based column of [`ParseError::position`], counted in characters.
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for ParseError {
    /// Writes Python's `str()` of the exception. `UnicodeDecodeError` and the
    /// integer `ValueError` carry no location there, so neither does this.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ParseErrorKind::InvalidUtf8 | ParseErrorKind::IntegerTooLong => {
                f.write_str(&self.message)
            }
            ParseErrorKind::Syntax | ParseErrorKind::TooDeep | ParseErrorKind::LoneSurrogate => {
                write!(
                    f,
                    "{}: line {} column {} (char {})",
                    self.message, self.line, self.column, self.position
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses a request body as Python's json.loads would after Nova decodes the bytes as strict UTF-8.
///
/// The accepted inputs, the values and the error messages match CPython 3.11
/// with its C scanner, except in two cases where this function returns an
/// error that Python does not raise:
///
/// - nesting deeper than [`MAX_DEPTH`] ([`ParseErrorKind::TooDeep`]), and
/// - a `\uXXXX` escape that leaves a lone surrogate such as `"\ud800"`
///   ([`ParseErrorKind::LoneSurrogate`]). It is reported only when the rest
///   of the input is valid, so every input Python rejects gets Python's error.
///
/// The parser makes one pass without backtracking, so its time grows linearly
/// with the input. It returns an error instead of panicking on any input,
/// which the property tests check with arbitrary bytes.
pub fn parse(input: &[u8]) -> Result<Value, ParseError> {
    let text = decode_utf8(input)?;
    let mut parser = Parser::new(text);

    // json.loads checks for a byte order mark before it skips whitespace.
    if text.starts_with('\u{feff}') {
        return Err(parser.syntax_error(0, "Unexpected UTF-8 BOM (decode using utf-8-sig)"));
    }

    parser.skip_whitespace();
    let value = parser.parse_value_tree()?;

    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.syntax_error(parser.pos, "Extra data"));
    }

    if let Some((offset, code_unit)) = parser.lone_surrogate {
        let mut message = String::from("Lone surrogate \\u");
        push_hex(&mut message, code_unit, 4);
        message.push_str(" is not supported");
        return Err(parser.error(ParseErrorKind::LoneSurrogate, offset, message));
    }

    Ok(value)
}

/// Decodes the body as `bytes.decode('utf-8', 'strict')` does, with its message on failure.
fn decode_utf8(input: &[u8]) -> Result<&str, ParseError> {
    let error = match std::str::from_utf8(input) {
        Ok(text) => return Ok(text),
        Err(error) => error,
    };

    let start = error.valid_up_to();
    let first = input.get(start).copied().unwrap_or(0);
    let (end, reason) = match error.error_len() {
        None => (input.len(), "unexpected end of data"),
        // Bytes that can never start a sequence get their own message.
        Some(1) if matches!(first, 0x80..=0xC1 | 0xF5..=0xFF) => (start + 1, "invalid start byte"),
        Some(length) => (start + length, "invalid continuation byte"),
    };

    let message = if end - start == 1 {
        format!("'utf-8' codec can't decode byte 0x{first:02x} in position {start}: {reason}")
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {start}-{}: {reason}",
            end - 1
        )
    };
    Err(ParseError::new(
        ParseErrorKind::InvalidUtf8,
        message,
        input,
        start,
    ))
}

/// An array or object whose closing bracket the parser has not reached yet.
enum Frame {
    Array(Vec<Value>),
    /// An object and the key whose value is being parsed.
    Object(Map, String),
}

impl Frame {
    fn into_value(self) -> Value {
        match self {
            Frame::Array(items) => Value::Array(items),
            Frame::Object(map, _) => Value::Object(map),
        }
    }
}

/// The state of one [`parse`] call. Offsets are byte offsets into `text`.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The backslash offset and code unit of the first lone surrogate escape.
    lone_surrogate: Option<(usize, u32)>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            lone_surrogate: None,
        }
    }

    fn error(&self, kind: ParseErrorKind, offset: usize, message: String) -> ParseError {
        ParseError::new(kind, message, self.bytes, offset)
    }

    fn syntax_error(&self, offset: usize, message: &str) -> ParseError {
        self.error(ParseErrorKind::Syntax, offset, message.to_owned())
    }

    fn byte_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(offset).copied()
    }

    fn peek(&self) -> Option<u8> {
        self.byte_at(self.pos)
    }

    fn is_digit_at(&self, offset: usize) -> bool {
        self.byte_at(offset)
            .is_some_and(|byte| byte.is_ascii_digit())
    }

    /// Returns the text between two offsets that both sit on ASCII bytes or
    /// at the end of the input, so both are character boundaries.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Skips the whitespace that Python's JSON decoder allows: space, tab,
    /// line feed and carriage return.
    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Parses one value, keeping open containers on an explicit stack so that
    /// deep nesting cannot overflow the call stack.
    fn parse_value_tree(&mut self) -> Result<Value, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // Read a scalar or an empty container. A non-empty container is
            // pushed instead, and the loop continues with its first member.
            let mut value = match self.peek() {
                Some(open @ (b'[' | b'{')) => match self.open_container(&mut stack, open)? {
                    Some(empty) => empty,
                    None => continue,
                },
                _ => self.parse_scalar()?,
            };

            // Add the value to its container. Each container that closes here
            // becomes the value for the one around it.
            loop {
                let Some(mut frame) = stack.pop() else {
                    return Ok(value);
                };
                if self.add_member(&mut frame, value)? {
                    value = frame.into_value();
                } else {
                    stack.push(frame);
                    break;
                }
            }
        }
    }

    /// Consumes an opening bracket. Returns the value of an empty container,
    /// or `None` after pushing a frame for a container that has members.
    fn open_container(
        &mut self,
        stack: &mut Vec<Frame>,
        open: u8,
    ) -> Result<Option<Value>, ParseError> {
        if stack.len() >= MAX_DEPTH {
            let message = format!("Maximum nesting depth of {MAX_DEPTH} exceeded");
            return Err(self.error(ParseErrorKind::TooDeep, self.pos, message));
        }
        self.pos += 1;
        self.skip_whitespace();

        if open == b'[' {
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Some(Value::Array(Vec::new())));
            }
            stack.push(Frame::Array(Vec::new()));
        } else {
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Some(Value::Object(Map::new())));
            }
            let key = self.parse_key()?;
            stack.push(Frame::Object(Map::new(), key));
        }
        Ok(None)
    }

    /// Adds a parsed member to its container and consumes the delimiter after
    /// it. Returns whether the container closed. When it stays open, the
    /// parser is left at the start of the next value.
    fn add_member(&mut self, frame: &mut Frame, value: Value) -> Result<bool, ParseError> {
        let close = match frame {
            Frame::Array(items) => {
                items.push(value);
                b']'
            }
            Frame::Object(map, key) => {
                // A repeated key keeps its first position and takes the last
                // value, as in a Python dict.
                map.insert(std::mem::take(key), value);
                b'}'
            }
        };

        self.skip_whitespace();
        match self.peek() {
            Some(byte) if byte == close => {
                self.pos += 1;
                return Ok(true);
            }
            Some(b',') => self.pos += 1,
            _ => return Err(self.syntax_error(self.pos, "Expecting ',' delimiter")),
        }
        self.skip_whitespace();

        if let Frame::Object(_, key) = frame {
            *key = self.parse_key()?;
        }
        Ok(false)
    }

    /// Parses an object key and the `:` after it, leaving the parser at the value.
    fn parse_key(&mut self) -> Result<String, ParseError> {
        if self.peek() != Some(b'"') {
            let message = "Expecting property name enclosed in double quotes";
            return Err(self.syntax_error(self.pos, message));
        }
        let key = self.parse_string()?;

        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.syntax_error(self.pos, "Expecting ':' delimiter"));
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(key)
    }

    /// Parses a string, number or literal name at the current offset.
    fn parse_scalar(&mut self) -> Result<Value, ParseError> {
        let literals: [(&[u8], Value); 6] = [
            (b"null", Value::Null),
            (b"true", Value::Bool(true)),
            (b"false", Value::Bool(false)),
            (b"NaN", Value::from(f64::NAN)),
            (b"Infinity", Value::from(f64::INFINITY)),
            (b"-Infinity", Value::from(f64::NEG_INFINITY)),
        ];
        for (name, value) in literals {
            if self.rest_at(self.pos).starts_with(name) {
                self.pos += name.len();
                return Ok(value);
            }
        }

        match self.peek() {
            Some(b'"') => self.parse_string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.parse_number(),
            _ => Err(self.syntax_error(self.pos, "Expecting value")),
        }
    }

    /// Parses a number as CPython's scanner does: the longest prefix that
    /// matches `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, which is an
    /// int unless it has a fraction or an exponent.
    fn parse_number(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let mut end = start;
        if self.byte_at(end) == Some(b'-') {
            end += 1;
        }

        match self.byte_at(end) {
            Some(b'0') => end += 1,
            Some(b'1'..=b'9') => {
                end += 1;
                while self.is_digit_at(end) {
                    end += 1;
                }
            }
            _ => return Err(self.syntax_error(start, "Expecting value")),
        }

        let mut is_float = false;
        if self.byte_at(end) == Some(b'.') && self.is_digit_at(end + 1) {
            is_float = true;
            end += 2;
            while self.is_digit_at(end) {
                end += 1;
            }
        }

        // An exponent without digits is not part of the number, so `1e`
        // parses as `1` followed by extra data.
        if matches!(self.byte_at(end), Some(b'e' | b'E')) {
            let mut exponent_end = end + 1;
            if matches!(self.byte_at(exponent_end), Some(b'+' | b'-')) {
                exponent_end += 1;
            }
            let digits_start = exponent_end;
            while self.is_digit_at(exponent_end) {
                exponent_end += 1;
            }
            if exponent_end > digits_start {
                is_float = true;
                end = exponent_end;
            }
        }

        self.pos = end;
        let literal = self.slice(start, end);
        if is_float {
            self.float_from_literal(start, literal)
        } else {
            self.int_from_literal(start, literal)
        }
    }

    /// Converts a float literal as Python's `float()` does: correctly rounded,
    /// with overflow to an infinity and underflow to zero.
    fn float_from_literal(&self, start: usize, literal: &str) -> Result<Value, ParseError> {
        // Rust's parser accepts every literal that parse_number matches, so
        // this error is only a guard.
        match literal.parse::<f64>() {
            Ok(value) => Ok(Value::from(value)),
            Err(_) => Err(self.syntax_error(start, "Expecting value")),
        }
    }

    fn int_from_literal(&self, start: usize, literal: &str) -> Result<Value, ParseError> {
        let digits = literal.trim_start_matches('-').len();
        if digits > MAX_INT_DIGITS {
            let message = format!(
                "Exceeds the limit ({MAX_INT_DIGITS} digits) for integer string conversion: \
                 value has {digits} digits; use sys.set_int_max_str_digits() to increase the limit"
            );
            return Err(self.error(ParseErrorKind::IntegerTooLong, start, message));
        }

        // Python's int('-0') is 0, whose text has no sign.
        let text = if literal == "-0" { "0" } else { literal };
        Ok(Value::Number(Number::Int(text.to_owned())))
    }

    /// Parses a string whose opening quote is at the current offset.
    fn parse_string(&mut self) -> Result<String, ParseError> {
        let quote = self.pos;
        let mut text = String::new();
        let mut chunk_start = quote + 1;
        let mut offset = chunk_start;
        loop {
            match self.byte_at(offset) {
                None => return Err(self.syntax_error(quote, "Unterminated string starting at")),
                Some(b'"') => {
                    text.push_str(self.slice(chunk_start, offset));
                    self.pos = offset + 1;
                    return Ok(text);
                }
                Some(b'\\') => {
                    text.push_str(self.slice(chunk_start, offset));
                    offset = self.parse_escape(quote, offset, &mut text)?;
                    chunk_start = offset;
                }
                Some(0x00..=0x1F) => {
                    return Err(self.syntax_error(offset, "Invalid control character at"));
                }
                Some(_) => offset += 1,
            }
        }
    }

    /// Decodes the escape whose backslash is at `backslash` into `text` and
    /// returns the offset after it. The checks, their order and the error
    /// offsets are those of CPython 3.11's C scanner.
    fn parse_escape(
        &mut self,
        quote: usize,
        backslash: usize,
        text: &mut String,
    ) -> Result<usize, ParseError> {
        let decoded = match self.byte_at(backslash + 1) {
            None => return Err(self.syntax_error(quote, "Unterminated string starting at")),
            Some(b'u') => return self.parse_unicode_escape(backslash, text),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(_) => return Err(self.syntax_error(backslash, "Invalid \\escape")),
        };
        text.push(decoded);
        Ok(backslash + 2)
    }

    /// Decodes a `\uXXXX` escape, joining a high surrogate with a directly
    /// following low surrogate escape.
    fn parse_unicode_escape(
        &mut self,
        backslash: usize,
        text: &mut String,
    ) -> Result<usize, ParseError> {
        // CPython requires a character after the four digits, which is fine
        // because a valid string still needs its closing quote there.
        let end = backslash + 6;
        if end >= self.bytes.len() {
            return Err(self.invalid_unicode_escape(backslash));
        }
        let code_unit = self.hex_code_unit(backslash)?;

        if (0xD800..0xDC00).contains(&code_unit)
            && end + 6 < self.bytes.len()
            && self.rest_at(end).starts_with(b"\\u")
        {
            let low = self.hex_code_unit(end)?;
            if (0xDC00..0xE000).contains(&low) {
                let joined = 0x10000 + ((code_unit - 0xD800) << 10) + (low - 0xDC00);
                text.push(char::from_u32(joined).unwrap_or(char::REPLACEMENT_CHARACTER));
                return Ok(end + 6);
            }
            // Otherwise the second escape is decoded on its own next.
        }

        match char::from_u32(code_unit) {
            Some(decoded) => text.push(decoded),
            None => {
                // A lone surrogate: keep parsing so that a later syntax error
                // still wins, as it would in Python.
                self.lone_surrogate.get_or_insert((backslash, code_unit));
                text.push(char::REPLACEMENT_CHARACTER);
            }
        }
        Ok(end)
    }

    fn rest_at(&self, offset: usize) -> &'a [u8] {
        self.bytes.get(offset..).unwrap_or_default()
    }

    /// Reads the four hex digits of the `\uXXXX` escape at `backslash`.
    fn hex_code_unit(&self, backslash: usize) -> Result<u32, ParseError> {
        let Some(digits) = self.bytes.get(backslash + 2..backslash + 6) else {
            return Err(self.invalid_unicode_escape(backslash));
        };

        let mut code_unit = 0;
        for &digit in digits {
            let value = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return Err(self.invalid_unicode_escape(backslash)),
            };
            code_unit = (code_unit << 4) | u32::from(value);
        }
        Ok(code_unit)
    }

    /// Python reports a bad `\uXXXX` escape at its `u`.
    fn invalid_unicode_escape(&self, backslash: usize) -> ParseError {
        self.syntax_error(backslash + 1, "Invalid \\uXXXX escape")
    }
}

/// Serializes as Python's json.dumps(value) with default arguments.
///
/// Those defaults are `ensure_ascii=True`, the separators `", "` and `": "`
/// and `allow_nan=True`, so NaN and the infinities are written as `NaN`,
/// `Infinity` and `-Infinity`.
pub fn to_json(value: &Value) -> String {
    let mut out = String::new();
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
fn json_float(value: f64) -> String {
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

fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        push_json_char(out, c);
    }
    out.push('"');
}

/// Writes one character of a JSON string as `json.dumps` does with
/// `ensure_ascii=True`: printable ASCII other than `"` and `\` stays as is.
/// Python also escapes DEL (0x7F), because its printable range is `' '..='~'`.
fn push_json_char(out: &mut String, c: char) {
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
fn is_printable(c: char) -> bool {
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
fn push_hex(out: &mut String, value: u32, digits: u32) {
    for index in (0..digits).rev() {
        let nibble = value.checked_shr(index * 4).unwrap_or(0) & 0xF;
        out.push(char::from_digit(nibble, 16).unwrap_or('0'));
    }
}

/// Python repr()/str() of a float (they are the same in Python 3).
///
/// The digits are the shortest that round-trip. A value whose decimal
/// exponent `e` (in `d.ddd × 10^e`) satisfies `-4 <= e < 16` is written in
/// fixed notation with at least one fractional digit (`100000.0`, `0.0001`),
/// others in scientific notation with a signed exponent of at least two
/// digits (`1e+16`, `1.5e-05`). NaN and the infinities are `nan`, `inf` and
/// `-inf`, unlike the `json.dumps` spelling.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }

    let sign = if f.is_sign_negative() { "-" } else { "" };
    let (digits, exponent) = shortest_digits(f.abs());
    let body = if (-4..16).contains(&exponent) {
        fixed_notation(&digits, exponent)
    } else {
        scientific_notation(&digits, exponent)
    };
    format!("{sign}{body}")
}

/// Returns the shortest significant digits that round-trip to the finite,
/// non-negative `value`, and the decimal exponent of the first digit. The
/// digits are the ones CPython's `dtoa` picks for `repr`.
fn shortest_digits(value: f64) -> (String, i32) {
    // Rust's `{:e}` writes the shortest round-trip digits, e.g. `1.5e-5`.
    let shortest = split_scientific(&format!("{value:e}"));

    // When two candidates of that length are equally near the value, Rust
    // takes the upper one but dtoa takes the one whose last digit is even.
    even_tie_candidate(value, &shortest.0).unwrap_or(shortest)
}

/// Splits Rust's `{:e}` output into its significant digits and exponent.
fn split_scientific(text: &str) -> (String, i32) {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent.parse().unwrap_or(0))
}

/// Returns the lower of two equally near shortest candidates when its last
/// digit is even and it round-trips. A tie means that the exact decimal value
/// has exactly one digit more than `digits`, and that digit is a 5.
fn even_tie_candidate(value: f64, digits: &str) -> Option<(String, i32)> {
    // A tie needs at most 18 significant digits, so rounding to 18 digits
    // cheaply rules out most values before the exact expansion is computed.
    let (rounded, _) = split_scientific(&format!("{value:.17e}"));
    if !is_tie(&rounded, digits) {
        return None;
    }

    // 767 significant digits hold the exact decimal value of every f64.
    let (exact, exponent) = split_scientific(&format!("{value:.767e}"));
    if !is_tie(&exact, digits) {
        return None;
    }

    let lower = exact.get(..digits.len())?;
    // ASCII digits have the parity of the digit they stand for.
    let last_is_even = lower.bytes().last().is_some_and(|digit| digit % 2 == 0);
    let round_trips = format!("0.{lower}e{}", exponent + 1).parse::<f64>() == Ok(value);
    (last_is_even && round_trips).then(|| (lower.to_owned(), exponent))
}

/// Returns whether `candidate`, without trailing zeros, has one digit more
/// than `digits` and ends in a 5.
fn is_tie(candidate: &str, digits: &str) -> bool {
    let significant = candidate.trim_end_matches('0');
    significant.len() == digits.len() + 1 && significant.ends_with('5')
}

/// Writes the digits `d1d2…`, where `d1` has the decimal exponent
/// `exponent`, in fixed notation as Python's `repr` does for exponents from
/// -4 to 15.
fn fixed_notation(digits: &str, exponent: i32) -> String {
    if exponent < 0 {
        // A value below 1, e.g. `0.0015` for the digits `15` and the exponent -3.
        let zeros = "0".repeat(exponent.unsigned_abs() as usize - 1);
        return format!("0.{zeros}{digits}");
    }

    let integer_length = exponent.unsigned_abs() as usize + 1;
    if digits.len() <= integer_length {
        let zeros = "0".repeat(integer_length - digits.len());
        format!("{digits}{zeros}.0")
    } else {
        let (integer, fraction) = digits.split_at(integer_length);
        format!("{integer}.{fraction}")
    }
}

/// Writes `d.ddd` and an exponent such as `e+16` or `e-05`.
fn scientific_notation(digits: &str, exponent: i32) -> String {
    let (first, rest) = digits.split_at(digits.len().min(1));
    let exponent_sign = if exponent < 0 { '-' } else { '+' };
    let magnitude = exponent.unsigned_abs();
    if rest.is_empty() {
        format!("{first}e{exponent_sign}{magnitude:02}")
    } else {
        format!("{first}.{rest}e{exponent_sign}{magnitude:02}")
    }
}

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
        let mut out = String::with_capacity(fragment.len());
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
    let mut out = Vec::new();
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

#[cfg(test)]
mod tests {
    //! Expected outputs come from CPython 3.11.7: `json.loads`, `json.dumps`,
    //! `repr()` and `str()` run on the same inputs.

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
