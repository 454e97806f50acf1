//! The parser: `json.loads` semantics on a UTF-8 request body.

use std::fmt;

use super::write::push_hex;
use super::{MAX_DEPTH, MAX_INT_DIGITS, Map, Number, Value};

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
        match self.peek() {
            Some(b'"') => return self.parse_string().map(Value::String),
            Some(b'0'..=b'9') => return self.parse_number(),
            _ => {}
        }
        // `-Infinity` is tried before a negative number.
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
            Some(b'-') => self.parse_number(),
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
