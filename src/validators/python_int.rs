//! Python's `int()` of a string: whitespace, sign, underscores and any
//! Unicode decimal digit, compared as exact big integers.

use super::*;

/// Returns the value of a Unicode decimal digit as `int()` reads it, or None for any other
/// character.
pub(super) fn decimal_digit_value(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let code_point = u32::from(c);
    let zeros_at_or_below = DECIMAL_DIGIT_ZEROS.partition_point(|&zero| zero <= code_point);
    let zero = DECIMAL_DIGIT_ZEROS.get(zeros_at_or_below.checked_sub(1)?)?;
    u8::try_from(code_point - zero)
        .ok()
        .filter(|&value| value < 10)
}

/// An integer of any size, as Python's `int()` parses it.
///
/// `magnitude` is canonical decimal text: ASCII digits without leading zeros, and zero is never
/// negative. Comparing the sign, then the length, then the text orders the values without a
/// size limit, so a value of 10^30 is still reported in full against a maximum of 15.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PythonInt<'a> {
    pub(super) negative: bool,
    pub(super) magnitude: Cow<'a, str>,
}

impl PythonInt<'_> {
    pub(super) fn parse(text: &str) -> Option<PythonInt<'_>> {
        let body = text.trim_matches(is_int_whitespace);
        let (negative, digits) = match body.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, body.strip_prefix('+').unwrap_or(body)),
        };

        // One underscore may stand between two digits, and nowhere else.
        let mut digit_count = 0_usize;
        // Text of ASCII digits alone can be borrowed; anything else is copied as ASCII.
        let mut only_ascii_digits = true;
        let mut after_digit = false;
        for c in digits.chars() {
            if c == '_' {
                if !after_digit {
                    return None;
                }
                only_ascii_digits = false;
                after_digit = false;
            } else {
                decimal_digit_value(c)?;
                only_ascii_digits &= c.is_ascii_digit();
                digit_count += 1;
                after_digit = true;
            }
        }
        if !after_digit || digit_count > PYTHON_INT_MAX_STR_DIGITS {
            return None;
        }

        let magnitude = if only_ascii_digits {
            Cow::Borrowed(strip_leading_zeros(digits))
        } else {
            let ascii: String = digits
                .chars()
                .filter_map(decimal_digit_value)
                .map(|value| char::from(b'0' + value))
                .collect();
            Cow::Owned(strip_leading_zeros(&ascii).to_owned())
        };
        let negative = negative && magnitude != "0";
        Some(PythonInt {
            negative,
            magnitude,
        })
    }
}

pub(super) fn strip_leading_zeros(digits: &str) -> &str {
    let stripped = digits.trim_start_matches('0');
    if stripped.is_empty() { "0" } else { stripped }
}

impl From<i64> for PythonInt<'static> {
    fn from(value: i64) -> Self {
        PythonInt {
            negative: value < 0,
            magnitude: Cow::Owned(value.unsigned_abs().to_string()),
        }
    }
}

impl Ord for PythonInt<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitudes = self
            .magnitude
            .len()
            .cmp(&other.magnitude.len())
            .then_with(|| self.magnitude.cmp(&other.magnitude));
        match (self.negative, other.negative) {
            (false, false) => magnitudes,
            (true, true) => magnitudes.reverse(),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl PartialOrd for PythonInt<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for PythonInt<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            formatter.write_str("-")?;
        }
        formatter.write_str(&self.magnitude)
    }
}
