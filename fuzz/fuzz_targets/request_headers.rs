//! Feeds arbitrary header lines to the header parsers: microversion
//! negotiation, the Content-Type check and the Accept negotiation of error
//! pages. Each line of the input is one header: its first byte picks the
//! name and the rest is the value.

#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use libfuzzer_sys::fuzz_target;
use mock_nova::context;
use mock_nova::error;
use mock_nova::microversion::{self, Microversion, Negotiated};

const NAMES: [&str; 5] = [
    "openstack-api-version",
    "x-openstack-nova-api-version",
    "content-type",
    "accept",
    "content-length",
];

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    for line in data.split(|&byte| byte == b'\n') {
        let Some((&selector, value)) = line.split_first() else {
            continue;
        };
        let Ok(value) = HeaderValue::from_bytes(value) else {
            continue;
        };
        let name = HeaderName::from_static(NAMES[usize::from(selector) % NAMES.len()]);
        headers.append(name, value);
    }

    for max in [Microversion::new(2, 60), Microversion::NEWEST] {
        match microversion::negotiate(&headers, max) {
            Negotiated::Version(version) => {
                assert!(
                    version >= Microversion::MIN && version <= max,
                    "{version} out of range"
                );
                let text = version.to_string();
                assert_eq!(
                    text.parse::<Microversion>(),
                    Ok(version),
                    "{text} does not parse back"
                );
            }
            Negotiated::Unsupported { requested, .. } => {
                let mut response = HeaderMap::new();
                microversion::insert_version_headers(&mut response, &requested);
            }
            Negotiated::Malformed(_) => {}
        }
    }
    let _ = context::check_content_type(&headers);
    let _ = context::content_length(&headers);
    let _ = error::route_not_found(&headers);
    let _ = error::webob_error(
        StatusCode::REQUEST_TIMEOUT,
        "Request Timeout",
        "x",
        &headers,
    );
});
