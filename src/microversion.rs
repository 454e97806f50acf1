//! Compute API microversions: parsing the request headers the way Nova's
//! `microversion_parse` does, and the version headers on every response.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::ApiError;

/// Standard microversion header, `OpenStack-API-Version: compute 2.61`.
pub const STANDARD_HEADER: HeaderName = HeaderName::from_static("openstack-api-version");
/// Legacy Nova header, `X-OpenStack-Nova-API-Version: 2.61`.
pub const LEGACY_HEADER: HeaderName = HeaderName::from_static("x-openstack-nova-api-version");

/// A compute API microversion such as 2.61.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Microversion {
    major: u32,
    minor: u32,
}

impl Microversion {
    /// The lowest microversion of the v2.1 API, used when a request names none.
    pub const MIN: Self = Self::new(2, 1);
    /// The highest microversion of Nova at the time of writing (2026.2 development).
    pub const NEWEST: Self = Self::new(2, 104);

    /// Builds a microversion from its parts.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self { major, minor }
    }

    /// Returns the `(major, minor)` pair.
    pub fn parts(self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// Tells whether this version is `major.minor` or later.
    pub fn at_least(self, major: u32, minor: u32) -> bool {
        self >= Self::new(major, minor)
    }
}

impl Microversion {
    /// The version as `major.minor` text, without formatting machinery for the
    /// versions this server can negotiate, since every request needs it.
    pub fn text(self) -> Cow<'static, str> {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        let texts = TEXTS.get_or_init(|| {
            (0..=Self::NEWEST.minor)
                .map(|minor| format!("2.{minor}"))
                .collect()
        });
        match texts.get(self.minor as usize) {
            Some(text) if self.major == 2 => Cow::Borrowed(text.as_str()),
            _ => Cow::Owned(self.to_string()),
        }
    }
}

impl fmt::Display for Microversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Error of parsing a microversion that is not `MajorNum.MinorNum`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidMicroversion;

impl FromStr for Microversion {
    type Err = InvalidMicroversion;

    /// Parses `^([1-9]\d*)\.([1-9]\d*|0)$`. Numbers too large for `u32` saturate,
    /// so they stay well-formed and fall outside the supported range, as in Nova.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (major, minor) = text.split_once('.').ok_or(InvalidMicroversion)?;
        let valid_part = |part: &str, zero_allowed: bool| {
            let ascii_digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            ascii_digits && (!part.starts_with('0') || (zero_allowed && part == "0"))
        };
        if !valid_part(major, false) || !valid_part(minor, true) {
            return Err(InvalidMicroversion);
        }
        let number = |part: &str| part.parse::<u32>().unwrap_or(u32::MAX);
        Ok(Self::new(number(major), number(minor)))
    }
}

/// Outcome of negotiating the microversion of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Negotiated {
    /// A supported version; `latest` is already resolved to the server maximum.
    Version(Microversion),
    /// A version that is not `MajorNum.MinorNum`; Nova sends no version headers with it.
    Malformed(ApiError),
    /// A well-formed version outside the supported range. The 406 still echoes the
    /// requested text in the version headers.
    Unsupported {
        /// The requested version as sent.
        requested: String,
        /// The 406 fault.
        error: ApiError,
    },
}

/// Reads the microversion of a request and checks it against `[2.1, max]`.
///
/// A `compute` entry in `OpenStack-API-Version` wins; without one the legacy header
/// is used; without either the version is 2.1, not the maximum.
pub fn negotiate(headers: &HeaderMap, max: Microversion) -> Negotiated {
    let mut standard = headers.get_all(&STANDARD_HEADER).iter();
    match (standard.next(), standard.next()) {
        // Without either header a request gets the minimum, as in
        // negotiate_text, but without looking the standard header up twice.
        (None, _) if !headers.contains_key(&LEGACY_HEADER) => {
            Negotiated::Version(Microversion::MIN)
        }
        (Some(value), None) => match plain_version(value) {
            Some(version) if (Microversion::MIN..=max).contains(&version) => {
                Negotiated::Version(version)
            }
            _ => negotiate_text(headers, max),
        },
        _ => negotiate_text(headers, max),
    }
}

/// Reads the form clients send, one `OpenStack-API-Version: compute X.Y` line,
/// without copying the header. Any other form returns `None` and goes through
/// [`negotiate_text`], which gives the same version for this one.
fn plain_version(value: &HeaderValue) -> Option<Microversion> {
    let version = value.as_bytes().strip_prefix(b"compute ")?;
    // The parser accepts only ASCII digits and one dot, so the text contains no
    // whitespace or comma that the general path would treat differently.
    std::str::from_utf8(version).ok()?.parse().ok()
}

/// Negotiates from the version text as `microversion_parse` extracts it.
fn negotiate_text(headers: &HeaderMap, max: Microversion) -> Negotiated {
    let Some(requested) = requested_version(headers) else {
        return Negotiated::Version(Microversion::MIN);
    };
    if requested == "latest" {
        return Negotiated::Version(max);
    }
    let Ok(version) = requested.parse::<Microversion>() else {
        let message = format!(
            "API Version String {requested} is of invalid format. Must be of format \
             MajorNum.MinorNum."
        );
        return Negotiated::Malformed(ApiError::BadRequest(message));
    };
    if version < Microversion::MIN || version > max {
        let message = format!(
            "Version {requested} is not supported by the API. Minimum is {} and maximum is \
             {max}.",
            Microversion::MIN
        );
        return Negotiated::Unsupported {
            requested,
            error: ApiError::NotAcceptable(message),
        };
    }
    Negotiated::Version(version)
}

/// Returns the version text a request asks for, or `None` when it names none.
///
/// This follows `microversion_parse.get_version`: repeated header lines are joined
/// with commas, the standard header is scanned from its last entry backwards for
/// the service name `compute` (any case), and the legacy header contributes its
/// last comma-separated value.
fn requested_version(headers: &HeaderMap) -> Option<String> {
    if let Some(standard) = folded_header(headers, &STANDARD_HEADER) {
        for entry in standard.rsplit(',') {
            let entry = entry.trim_matches(is_python_whitespace);
            let Some((service, version)) = entry.split_once(is_python_whitespace) else {
                continue;
            };
            if service.eq_ignore_ascii_case("compute") {
                return Some(version.trim_matches(is_python_whitespace).to_owned());
            }
        }
    }
    let legacy = folded_header(headers, &LEGACY_HEADER)?;
    let last = legacy.rsplit(',').next().unwrap_or_default();
    Some(last.trim_matches(is_python_whitespace).to_owned())
}

/// Joins all lines of a header with commas, decoding bytes as Latin-1 the way a
/// WSGI server presents them to Python.
fn folded_header(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    fn latin1(value: &HeaderValue) -> impl Iterator<Item = char> + '_ {
        value.as_bytes().iter().map(|&b| char::from(b))
    }
    let mut values = headers.get_all(name).iter();
    let mut folded: String = latin1(values.next()?).collect();
    for value in values {
        folded.push(',');
        folded.extend(latin1(value));
    }
    Some(folded)
}

/// Tells whether Python's `str.split()` and `str.strip()` treat `c` as whitespace,
/// which adds the separators U+001C to U+001F to Unicode's White_Space set.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Adds the version headers Nova sends on every versioned response, for a
/// version given as text (the 406 case echoes text that may not fit a `u32`).
pub fn insert_version_headers(headers: &mut HeaderMap, version: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("compute {version}")) {
        headers.insert(STANDARD_HEADER, value);
    }
    if let Ok(value) = HeaderValue::from_str(version) {
        headers.insert(LEGACY_HEADER, value);
    }
    append_vary(headers);
}

/// Adds the version headers for a negotiated version. The values of every
/// version this server can negotiate are built once and shared, since they go
/// on every response.
pub fn insert_negotiated_headers(headers: &mut HeaderMap, version: Microversion) {
    // The texts live for the whole process, so that the values are static:
    // copying a static value touches no reference count, which the runtime
    // workers would otherwise pass between CPUs on every request.
    static VALUES: std::sync::OnceLock<Vec<(HeaderValue, HeaderValue)>> =
        std::sync::OnceLock::new();
    let values = VALUES.get_or_init(|| {
        (0..=Microversion::NEWEST.minor)
            .map(|minor| {
                let standard: &'static str = format!("compute 2.{minor}").leak();
                (
                    HeaderValue::from_static(standard),
                    HeaderValue::from_static(&standard["compute ".len()..]),
                )
            })
            .collect()
    });
    match values.get(version.minor as usize) {
        Some((standard, legacy)) if version.major == 2 => {
            headers.insert(STANDARD_HEADER, standard.clone());
            headers.insert(LEGACY_HEADER, legacy.clone());
            append_vary(headers);
        }
        _ => insert_version_headers(headers, &version.to_string()),
    }
}

fn append_vary(headers: &mut HeaderMap) {
    headers.append(
        axum::http::header::VARY,
        HeaderValue::from_static("OpenStack-API-Version"),
    );
    headers.append(
        axum::http::header::VARY,
        HeaderValue::from_static("X-OpenStack-Nova-API-Version"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Microversion = Microversion::NEWEST;

    #[test]
    fn text_matches_display() {
        for version in [
            Microversion::MIN,
            MAX,
            Microversion::new(2, 20),
            Microversion::new(2, 999),
            Microversion::new(3, 0),
        ] {
            assert_eq!(version.text(), version.to_string());
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn version_of(pairs: &[(&str, &str)]) -> Negotiated {
        negotiate(&headers(pairs), MAX)
    }

    fn ok(major: u32, minor: u32) -> Negotiated {
        Negotiated::Version(Microversion::new(major, minor))
    }

    #[test]
    fn absent_headers_give_minimum() {
        assert_eq!(version_of(&[]), ok(2, 1));
    }

    #[test]
    fn standard_header_is_read() {
        assert_eq!(
            version_of(&[("OpenStack-API-Version", "compute 2.61")]),
            ok(2, 61)
        );
    }

    #[test]
    fn service_name_ignores_case() {
        assert_eq!(
            version_of(&[("OpenStack-API-Version", "COMPUTE 2.60")]),
            ok(2, 60)
        );
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(
            version_of(&[("OpenStack-API-Version", "compute  2.86 ")]),
            ok(2, 86)
        );
    }

    #[test]
    fn several_services_are_scanned() {
        let pairs = [("OpenStack-API-Version", "compute 2.60, volume 3.0")];
        assert_eq!(version_of(&pairs), ok(2, 60));
    }

    #[test]
    fn last_compute_entry_wins() {
        let pairs = [("OpenStack-API-Version", "compute 2.10, compute 2.20")];
        assert_eq!(version_of(&pairs), ok(2, 20));
    }

    #[test]
    fn repeated_lines_are_folded() {
        let pairs = [
            ("OpenStack-API-Version", "compute 2.10"),
            ("OpenStack-API-Version", "volume 3.0"),
        ];
        assert_eq!(version_of(&pairs), ok(2, 10));
    }

    #[test]
    fn other_service_falls_back_to_legacy() {
        let pairs = [
            ("OpenStack-API-Version", "volume 3.0"),
            ("X-OpenStack-Nova-API-Version", "2.5"),
        ];
        assert_eq!(version_of(&pairs), ok(2, 5));
    }

    #[test]
    fn other_service_alone_gives_minimum() {
        assert_eq!(
            version_of(&[("OpenStack-API-Version", "volume 3.0")]),
            ok(2, 1)
        );
    }

    #[test]
    fn empty_standard_value_gives_minimum() {
        assert_eq!(
            version_of(&[("OpenStack-API-Version", "compute ")]),
            ok(2, 1)
        );
    }

    #[test]
    fn standard_header_beats_legacy() {
        let pairs = [
            ("OpenStack-API-Version", "compute 2.61"),
            ("X-OpenStack-Nova-API-Version", "2.5"),
        ];
        assert_eq!(version_of(&pairs), ok(2, 61));
    }

    #[test]
    fn legacy_takes_last_value() {
        let pairs = [("X-OpenStack-Nova-API-Version", "2.3, 2.7")];
        assert_eq!(version_of(&pairs), ok(2, 7));
    }

    #[test]
    fn latest_resolves_to_maximum() {
        assert_eq!(
            version_of(&[("OpenStack-API-Version", "compute latest")]),
            ok(2, 104)
        );
    }

    #[test]
    fn legacy_latest_resolves_to_maximum() {
        assert_eq!(
            version_of(&[("X-OpenStack-Nova-API-Version", "latest")]),
            ok(2, 104)
        );
    }

    #[test]
    fn malformed_values_are_rejected() {
        for text in [
            "2", "abc", "2.01", "02.1", "LATEST", "v2.1", "2.", ".1", "2.1.1", "",
        ] {
            let pairs = [("X-OpenStack-Nova-API-Version", text)];
            let Negotiated::Malformed(error) = version_of(&pairs) else {
                panic!("{text:?} should be malformed");
            };
            assert_eq!(
                error.to_string(),
                format!(
                    "API Version String {text} is of invalid format. Must be of format \
                     MajorNum.MinorNum."
                )
            );
        }
    }

    #[test]
    fn out_of_range_values_are_unsupported() {
        for text in ["2.0", "1.1", "3.0", "2.105", "2.99999999999999999999"] {
            let pairs = [("OpenStack-API-Version", &*format!("compute {text}"))];
            let Negotiated::Unsupported { requested, error } = version_of(&pairs) else {
                panic!("{text:?} should be unsupported");
            };
            assert_eq!(requested, text);
            assert_eq!(
                error.to_string(),
                format!(
                    "Version {text} is not supported by the API. Minimum is 2.1 and maximum \
                     is 2.104."
                )
            );
        }
    }

    #[test]
    fn configured_maximum_bounds_range() {
        let pairs = headers(&[("OpenStack-API-Version", "compute 2.97")]);
        let negotiated = negotiate(&pairs, Microversion::new(2, 96));
        assert!(matches!(negotiated, Negotiated::Unsupported { .. }));
    }

    #[test]
    fn plain_form_agrees_with_general_path() {
        let values = [
            "compute 2.61",
            "compute 2.1",
            "compute 2.0",
            "compute 2.104",
            "compute 2.105",
            "compute 3.0",
            "compute 02.61",
            "compute 2.061",
            "compute 2.99999999999999999999",
            "compute 2.61 ",
            "compute  2.61",
            "compute\t2.61",
            "compute 2.61,volume 3.0",
            "compute 2.60, compute 2.61",
            "compute latest",
            "compute 2.",
            "compute .61",
            "COMPUTE 2.61",
            "volume 2.61",
            "compute",
        ];
        let plain = HeaderValue::from_static("compute 2.61");
        assert_eq!(plain_version(&plain), Some(Microversion::new(2, 61)));
        // Requests without the standard header take the shortcut too.
        for legacy in [None, Some("2.30"), Some("latest"), Some("2.200"), Some("x")] {
            let pairs = headers(
                &legacy
                    .map(|value| ("X-OpenStack-Nova-API-Version", value))
                    .into_iter()
                    .collect::<Vec<_>>(),
            );
            assert_eq!(
                negotiate(&pairs, MAX),
                negotiate_text(&pairs, MAX),
                "{legacy:?}"
            );
        }
        for value in values {
            let single = headers(&[("OpenStack-API-Version", value)]);
            let doubled = headers(&[
                ("OpenStack-API-Version", value),
                ("OpenStack-API-Version", "compute 2.20"),
            ]);
            let legacy = headers(&[
                ("OpenStack-API-Version", value),
                ("X-OpenStack-Nova-API-Version", "2.30"),
            ]);
            for (pairs, max) in [
                (single, MAX),
                (doubled, MAX),
                (legacy, Microversion::new(2, 60)),
            ] {
                assert_eq!(
                    negotiate(&pairs, max),
                    negotiate_text(&pairs, max),
                    "{value:?} with {pairs:?}"
                );
            }
        }
    }

    #[test]
    fn display_joins_parts() {
        assert_eq!(Microversion::new(2, 61).to_string(), "2.61");
    }
}
