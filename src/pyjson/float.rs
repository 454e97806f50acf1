//! Python's `repr()` of a float: the shortest text that reads back as the same
//! value, with Python's choice between fixed and scientific notation.

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
    // Whole numbers below 1e16, such as the usual rxtx_factor of 1.0, are
    // written in fixed notation with `.0`; they need no digit search.
    if f.fract() == 0.0 && f.abs() < 1e16 {
        return format!("{sign}{}.0", f.abs() as u64);
    }
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
