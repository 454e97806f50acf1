//! Checking a value against its validator: string patterns and enums, Python
//! integers with bounds, and boolean-like strings.

use super::*;

/// The value check of one validator, with Nova's messages.
#[derive(Debug)]
pub(super) enum ValueRule {
    AnyString,
    /// `source` is the Python pattern, which the message quotes unchanged.
    Pattern {
        regex: Regex,
        source: String,
    },
    /// `listing` is the allowed values joined with ", " for the message.
    OneOf {
        allowed: Vec<String>,
        listing: String,
    },
    /// Both bounds are inclusive.
    Integer {
        min: Option<PythonInt<'static>>,
        max: Option<PythonInt<'static>>,
    },
    Boolean,
}

impl ValueRule {
    pub(super) fn check(&self, value: &str) -> Result<(), String> {
        match self {
            ValueRule::AnyString => Ok(()),
            ValueRule::Pattern { regex, source } => {
                if regex.is_match(value) {
                    return Ok(());
                }
                Err(format!(
                    "Validation failed; '{value}' is not of the format '{source}'."
                ))
            }
            ValueRule::OneOf { allowed, listing } => {
                if allowed.iter().any(|candidate| candidate == value) {
                    return Ok(());
                }
                Err(format!(
                    "Validation failed; '{value}' is not one of: {listing}."
                ))
            }
            ValueRule::Integer { min, max } => check_integer(value, min.as_ref(), max.as_ref()),
            ValueRule::Boolean => {
                if is_boolean_string(value) {
                    return Ok(());
                }
                Err(format!(
                    "Validation failed; '{value}' is not a valid boolean-like value."
                ))
            }
        }
    }
}

/// Checks an integer value as Nova does: parse, then the maximum, then the minimum. The bound
/// messages show the parsed number, so " 16 " is reported as '16'.
pub(super) fn check_integer(
    value: &str,
    min: Option<&PythonInt<'_>>,
    max: Option<&PythonInt<'_>>,
) -> Result<(), String> {
    let Some(number) = PythonInt::parse(value) else {
        return Err(format!(
            "Validation failed; '{value}' is not a valid integer value."
        ));
    };
    if let Some(max) = max
        && number > *max
    {
        return Err(format!(
            "Validation failed; '{number}' is greater than the max value of '{max}'."
        ));
    }
    if let Some(min) = min
        && number < *min
    {
        return Err(format!(
            "Validation failed; '{number}' is less than the min value of '{min}'."
        ));
    }
    Ok(())
}

/// Reports whether `bool_from_string(value, strict=True)` accepts `value`.
///
/// Python lowers the stripped value with `str.lower()`. No character outside ASCII lowers to
/// ASCII letters (U+212A KELVIN SIGN lowers to `k`, which no accepted string contains), so an
/// ASCII case-insensitive comparison gives the same result without allocating.
pub(super) fn is_boolean_string(value: &str) -> bool {
    let stripped = value.trim_matches(is_python_whitespace);
    BOOLEAN_STRINGS
        .iter()
        .any(|accepted| accepted.eq_ignore_ascii_case(stripped))
}

/// Reports whether Python's `str.isspace()` is true for `c`, the set that `str.strip()` removes.
pub(super) fn is_python_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1C}'..=' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// Reports whether `int()` skips `c` around the number.
///
/// CPython maps non-ASCII whitespace to a space but keeps ASCII characters as they are, and
/// then skips only ASCII whitespace, so U+001C to U+001F make `int()` fail.
pub(super) fn is_int_whitespace(c: char) -> bool {
    is_python_whitespace(c) && !('\u{1C}'..='\u{1F}').contains(&c)
}
