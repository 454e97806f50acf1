//! Python's `int()` and `float()` conversions and its exact comparison of
//! ints with floats, as Nova's schema validator and flavor code apply them.

use std::cmp::Ordering;

use crate::pyjson::{self, Number, Value};

/// A Python `int` (canonical decimal text, any size) or `float`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum PyNumber {
    Int(String),
    Float(f64),
}

/// A bound in a schema: a Python int or float literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Limit {
    Int(i64),
    Float(f64),
}

impl Limit {
    /// Formats the bound as Python's `repr()` does, e.g. `3.40282e+38`.
    pub(super) fn repr(self) -> String {
        match self {
            Limit::Int(value) => value.to_string(),
            Limit::Float(value) => pyjson::float_repr(value),
        }
    }
}

/// An exception that Python raises while converting a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConversionError {
    /// `ValueError` or `TypeError`: the value has no such conversion.
    Invalid,
    /// `OverflowError`: `int()` of an infinite float, or `float()` of an int
    /// beyond the float range.
    Overflow,
}

impl PyNumber {
    /// Formats the number as Python's `repr()` does.
    pub(super) fn repr(&self) -> String {
        match self {
            PyNumber::Int(text) => text.clone(),
            PyNumber::Float(value) => pyjson::float_repr(*value),
        }
    }

    /// Compares the number with a bound exactly, as Python compares an int
    /// with a float. Returns `None` when either side is NaN.
    pub(super) fn compare(&self, limit: Limit) -> Option<Ordering> {
        match (self, limit) {
            (PyNumber::Int(text), Limit::Int(bound)) => {
                Some(compare_int_texts(text, &bound.to_string()))
            }
            (PyNumber::Int(text), Limit::Float(bound)) => compare_int_with_float(text, bound),
            (PyNumber::Float(value), Limit::Int(bound)) => {
                compare_int_with_float(&bound.to_string(), *value).map(Ordering::reverse)
            }
            (PyNumber::Float(value), Limit::Float(bound)) => value.partial_cmp(&bound),
        }
    }
}

/// Returns whether Python's `str.isspace()` accepts the character, which is
/// the set that `str.strip()`, `int()` and `float()` strip: Unicode
/// White_Space plus the separators U+001C to U+001F.
pub(super) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Strips Python whitespace from both ends, as `str.strip()` does.
pub(super) fn python_strip(text: &str) -> &str {
    text.trim_matches(is_python_space)
}

/// Converts a value as Nova's `_SchemaValidator._number_from_str` does:
/// `int(value)`, else `float(value)`, else no number.
///
/// # Errors
/// [`ConversionError::Overflow`] for an infinite float, where `int()` raises
/// `OverflowError`, which Nova does not catch.
pub(super) fn number_from_value(value: &Value) -> Result<Option<PyNumber>, ConversionError> {
    match value {
        Value::Bool(flag) => Ok(Some(PyNumber::Int(u8::from(*flag).to_string()))),
        Value::Number(Number::Int(text)) => Ok(Some(PyNumber::Int(text.clone()))),
        Value::Number(Number::Float(value)) if value.is_infinite() => {
            Err(ConversionError::Overflow)
        }
        // int(nan) raises ValueError, and float(nan) is nan.
        Value::Number(Number::Float(value)) if value.is_nan() => Ok(Some(PyNumber::Float(*value))),
        Value::Number(Number::Float(value)) => Ok(Some(PyNumber::Int(truncate_float(*value)))),
        Value::String(text) => {
            if let Ok(integer) = int_from_str(text) {
                return Ok(Some(PyNumber::Int(integer)));
            }
            Ok(float_from_str(text).ok().map(PyNumber::Float))
        }
        Value::Null | Value::Array(_) | Value::Object(_) => Ok(None),
    }
}

/// Converts a string as Python's `int()` does, returning canonical text.
///
/// It accepts surrounding whitespace, one sign and ASCII digits, and rejects
/// more than [`pyjson::MAX_INT_DIGITS`] digits as CPython 3.11 does.
/// NOTE: Python also accepts underscores between digits and non-ASCII decimal
/// digits. The schemas here only convert strings that matched `^[0-9]+$` or
/// `^[0-9]+(\.[0-9]+)?$` first, so those forms never reach this function.
pub(super) fn int_from_str(text: &str) -> Result<String, ConversionError> {
    let stripped = python_strip(text);
    let (negative, digits) = match stripped.as_bytes().first() {
        Some(b'-') => (true, &stripped[1..]),
        Some(b'+') => (false, &stripped[1..]),
        _ => (false, stripped),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ConversionError::Invalid);
    }
    if digits.len() > pyjson::MAX_INT_DIGITS {
        return Err(ConversionError::Invalid);
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok("0".to_owned());
    }
    let sign = if negative { "-" } else { "" };
    Ok(format!("{sign}{significant}"))
}

/// Converts a string as Python's `float()` does, with correct rounding and
/// infinity for values beyond the float range.
///
/// NOTE: Python also accepts underscores between digits, which Rust's parser
/// rejects. Strings reach this function only after a digits pattern, so the
/// difference cannot show.
pub(super) fn float_from_str(text: &str) -> Result<f64, ConversionError> {
    python_strip(text)
        .parse::<f64>()
        .map_err(|_| ConversionError::Invalid)
}

/// Converts a number as Python's `float()` does.
///
/// # Errors
/// [`ConversionError::Overflow`] for an int beyond the float range.
pub(super) fn float_from_number(number: &Number) -> Result<f64, ConversionError> {
    match number {
        Number::Int(_) => number.as_f64().ok_or(ConversionError::Overflow),
        Number::Float(value) => Ok(*value),
    }
}

/// Returns the exact integer text of `int(value)` for a finite float, which
/// truncates toward zero.
fn truncate_float(value: f64) -> String {
    // `{:.0}` writes the exact decimal value of the integral float.
    let text = format!("{:.0}", value.trunc());
    if text == "-0" { "0".to_owned() } else { text }
}

/// Compares two canonical decimal int texts.
fn compare_int_texts(left: &str, right: &str) -> Ordering {
    let left_negative = left.starts_with('-');
    let right_negative = right.starts_with('-');
    match (left_negative, right_negative) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => compare_magnitudes(left, right),
        (true, true) => compare_magnitudes(&left[1..], &right[1..]).reverse(),
    }
}

/// Compares two non-negative canonical decimal texts.
fn compare_magnitudes(left: &str, right: &str) -> Ordering {
    left.len().cmp(&right.len()).then_with(|| left.cmp(right))
}

/// Compares an int with a float exactly. Returns `None` for NaN.
fn compare_int_with_float(int_text: &str, float: f64) -> Option<Ordering> {
    if float.is_nan() {
        return None;
    }
    if float.is_infinite() {
        return Some(if float > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let floor = float.floor();
    let floor_text = truncate_float(floor);
    match compare_int_texts(int_text, &floor_text) {
        // The int equals the floor, so it is below a float with a fraction.
        Ordering::Equal if floor != float => Some(Ordering::Less),
        ordering => Some(ordering),
    }
}
