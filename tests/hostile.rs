//! Property tests with hostile requests: generated methods, paths, headers,
//! microversions, content types and bodies, malformed and oversized ones
//! included.
//!
//! Whatever a request contains, the server must not panic or respond with 5xx (no
//! fault rules are installed, so no 5xx is expected). A 4xx in Nova's fault
//! content type must have Nova's fault shape, `{"<faultKey>": {"code": N,
//! "message": "..."}}`, with the code of the status. A rejected request must
//! leave the stored state as it was.

mod common;

use std::cell::RefCell;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request};
use common::PROJECT;
use http_body_util::BodyExt;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const OTHER_PROJECT: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// Content type of Nova's fault bodies.
const FAULT_CONTENT_TYPE: &str = "application/json; charset=UTF-8";
/// Namespaces the generated paths use. They are created before the test, so
/// that a rejected request never creates one, which would change the state.
const NAMESPACES: [&str; 2] = ["hostile", "other.ns"];
/// Largest request body the test server accepts, in bytes.
const BODY_LIMIT: usize = 4096;

const CONFIG: &str = r#"
auth = "noauth"
max_request_body_size = 4096

[limits]
header_read_timeout_seconds = 5
body_read_timeout_seconds = 5

[[flavors]]
id = "1"
name = "m1.tiny"
ram = 512
disk = 1
vcpus = 1
extra_specs = { "hw:cpu_policy" = "shared", "k" = "v", "a b" = "spaced" }

[[flavors]]
id = "2"
name = "m1.small"
ram = 2048
disk = 20
vcpus = 1
description = "small"

[[flavors]]
id = "private"
name = "private"
ram = 512
disk = 1
vcpus = 1
is_public = false
projects = ["a1b2c3d4e5f60718293a4b5c6d7e8f90"]
"#;

/// Extra-spec keys that Nova validates from microversion 2.86, one per kind
/// of value check (integers with bounds, enums, masks, sizes, traits,
/// resource amounts), plus a few that only pass the key pattern.
const VALIDATED_KEYS: [&str; 16] = [
    "hw:cpu_policy",
    "hw:cpu_max_cores",
    "hw:numa_nodes",
    "hw:numa_cpus.0",
    "hw:numa_mem.1",
    "hw:mem_page_size",
    "hw:cpu_realtime_mask",
    "hw:boot_menu",
    "hw:pci_numa_affinity_policy",
    "quota:memory_limit",
    "resources1:VCPU",
    "resources:CUSTOM_X",
    "trait:HW_CPU_X86_AVX",
    "os:secure_boot",
    "hw:foo",
    "unknown:thing",
];

/// Values that sit on the edges of the validators' parsing.
const TRICKY_VALUES: [&str; 22] = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "99999999999999999999999999",
    "-0",
    " 3 ",
    "1_000",
    "0x10",
    "1e3",
    "\u{0661}",
    "2MB",
    "large",
    "any",
    "0-3,^2",
    "^0",
    "0-",
    "yes",
    "required",
    "\u{0}",
];

/// Percent-encodes every byte outside the characters a URI path may carry
/// literally.
fn percent_encode(bytes: &[u8]) -> String {
    let mut encoded = String::new();
    for &byte in bytes {
        let literal = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte);
        if literal {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Generates a path segment: known ids and keys, dot segments, odd and invalid
/// percent-encodings, arbitrary bytes and long runs.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["1", "2", "private", "missing", "k", "a%20b"])
            .prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            ".", "..", "%2e", "%2E%2e", "%2F", "%2f..", "%00", "%FF", "%C3%A9", "%", "%z",
            "%G1", "%%", "~", "a;b=c", "%E2%80%8B", "%ED%A0%80",
        ])
        .prop_map(str::to_owned),
        2 => "[a-zA-Z0-9:._ -]{1,16}".prop_map(|text| percent_encode(text.as_bytes())),
        2 => vec(any::<u8>(), 0..16).prop_map(|bytes| percent_encode(&bytes)),
        1 => (250usize..2000).prop_map(|length| "k".repeat(length)),
    ]
}

/// Generates a flavor id for a path, mostly one of the seeded flavors.
fn flavor_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["1", "2", "private"]).prop_map(str::to_owned),
        2 => segment(),
    ]
}

/// A generated request path and the extra-spec key in it, if any.
#[derive(Debug, Clone)]
struct GeneratedPath {
    /// Path and query as sent.
    text: String,
    /// The key as the body of a matching PUT names it.
    key: Option<String>,
}

/// Generates a request path below one of the API roots, with or without a namespace
/// prefix and a project id, plus an optional query string.
fn path() -> impl Strategy<Value = GeneratedPath> {
    let namespace = prop_oneof![
        6 => Just(String::new()),
        2 => prop::sample::select(NAMESPACES.to_vec()).prop_map(|name| format!("/ns/{name}")),
        1 => prop::sample::select(vec!["/ns/", "/ns/bad%20name", "/ns/a/b", "/ns/default"])
            .prop_map(str::to_owned),
        1 => "[a-zA-Z0-9_.~-]{65,80}".prop_map(|name| format!("/ns/{name}")),
    ];
    let root = prop_oneof![
        6 => Just("/v2.1"),
        2 => Just("/v2"),
        1 => prop::sample::select(vec!["", "/v3", "/identity", "/identity/v3"]),
    ];
    let project = prop_oneof![
        4 => Just(String::new()),
        3 => Just(format!("/{PROJECT}")),
        1 => Just(format!("/{OTHER_PROJECT}")),
        1 => prop::sample::select(vec!["/ADMIN", "/-", "/%61%62", "/admin", "/0"])
            .prop_map(str::to_owned),
    ];
    let key = prop_oneof![
        3 => key().prop_map(|key| (percent_encode(key.as_bytes()), Some(key))),
        1 => segment().prop_map(|segment| (segment, None)),
    ];
    let tail = prop_oneof![
        1 => Just((Vec::new(), None)),
        1 => Just((vec!["flavors".to_owned()], None)),
        1 => Just((vec!["flavors".to_owned(), "detail".to_owned()], None)),
        2 => flavor_segment().prop_map(|flavor| (vec!["flavors".to_owned(), flavor], None)),
        3 => (flavor_segment(), prop::sample::select(vec!["os-extra_specs", "action", "os-flavor-access"]))
            .prop_map(|(flavor, leaf)| (vec!["flavors".to_owned(), flavor, leaf.to_owned()], None)),
        8 => (flavor_segment(), key).prop_map(|(flavor, (segment, key))| {
            let segments = vec!["flavors".to_owned(), flavor, "os-extra_specs".to_owned(), segment];
            (segments, key)
        }),
        1 => vec(segment(), 0..6).prop_map(|segments| (segments, None)),
    ];
    let query = prop_oneof![
        8 => Just(String::new()),
        1 => prop::sample::select(vec![
            "?", "?limit=-1", "?limit=1&marker=1", "?marker=missing", "?is_public=none",
            "?minRam=abc", "?sort_key=name&sort_dir=up", "?a=%FF", "?%ZZ", "?name=(",
            "?limit=99999999999999999999",
        ])
        .prop_map(str::to_owned),
        1 => vec(any::<u8>(), 0..24).prop_map(|bytes| format!("?{}", percent_encode(&bytes))),
    ];
    let trailing_slash = prop::bool::weighted(0.05);
    (namespace, root, project, tail, trailing_slash, query).prop_map(
        |(namespace, root, project, (segments, key), trailing_slash, query)| {
            let mut text = format!("{namespace}{root}{project}");
            for segment in segments {
                text.push('/');
                text.push_str(&segment);
            }
            if trailing_slash || text.is_empty() {
                text.push('/');
            }
            text.push_str(&query);
            GeneratedPath { text, key }
        },
    )
}

/// Bytes allowed in a header value: visible ASCII, space, tab and obs-text.
fn header_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![8 => 0x20u8..0x7f, 1 => 0x80u8..=0xff, 1 => Just(b'\t')],
        0..max,
    )
}

fn text_header(values: Vec<&'static str>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(values).prop_map(|value| value.as_bytes().to_vec()),
        1 => header_bytes(40),
    ]
}

fn microversion_headers() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    let name = prop::sample::select(vec![
        "OpenStack-API-Version",
        "openstack-api-version",
        "X-OpenStack-Nova-API-Version",
    ]);
    let value = text_header(vec![
        "compute 2.1",
        "compute 2.55",
        "compute 2.86",
        "compute 2.102",
        "compute latest",
        "compute 2.104",
        "compute 2.105",
        "compute 3.0",
        "compute 2.01",
        "compute 1.9",
        "compute 2.",
        "compute .1",
        "compute 99999999999999999999.1",
        "compute 2.99999999999999999999",
        "COMPUTE 2.61",
        "volume 2.5",
        "compute",
        "compute  2.61 ",
        "compute 2.61, compute 2.2",
        "compute 2.61,volume 3.0",
        "2.61",
        "latest",
        "\u{1c}compute\u{1f}2.61",
        "",
    ]);
    let valid = prop::sample::select(vec![
        "compute 2.1",
        "compute 2.55",
        "compute 2.86",
        "compute 2.102",
        "compute latest",
    ])
    .prop_map(|value| vec![("OpenStack-API-Version", value.as_bytes().to_vec())]);
    prop_oneof![
        2 => Just(Vec::new()),
        3 => valid,
        2 => vec((name, value), 1..3),
    ]
}

/// Generates the headers of a hostile request, in the order they are sent.
fn headers() -> impl Strategy<Value = Vec<(&'static str, Vec<u8>)>> {
    let admin = format!("admin:{PROJECT}").into_bytes();
    let member = format!("member:{PROJECT}").into_bytes();
    let other_admin = format!("admin:{OTHER_PROJECT}").into_bytes();
    let token = prop_oneof![
        4 => Just(Some(admin)),
        1 => Just(Some(member)),
        1 => Just(Some(other_admin)),
        1 => Just(Some(b"notused".to_vec())),
        1 => Just(None),
        1 => header_bytes(40).prop_map(Some),
    ];
    let content_type = prop_oneof![
        2 => Just(None),
        4 => text_header(vec![
            "application/json",
            "application/json; charset=UTF-8",
            "application/vnd.openstack.compute+json",
            "text/plain",
            "application/xml",
            "application/toml",
            "multipart/form-data; boundary=x",
            "application/json;;;",
            "APPLICATION/JSON",
            "",
        ])
        .prop_map(Some),
    ];
    let accept = prop_oneof![
        2 => Just(None),
        1 => text_header(vec![
            "*/*",
            "application/json",
            "text/html;q=0, application/json;q=0",
            "text/html;q=abc",
            "application/xml",
        ])
        .prop_map(Some),
    ];
    (token, microversion_headers(), content_type, accept).prop_map(
        |(token, microversions, content_type, accept)| {
            let mut headers = Vec::new();
            if let Some(token) = token {
                headers.push(("X-Auth-Token", token));
            }
            headers.extend(microversions);
            if let Some(content_type) = content_type {
                headers.push(("Content-Type", content_type));
            }
            if let Some(accept) = accept {
                headers.push(("Accept", accept));
            }
            headers
        },
    )
}

/// Writes a JSON string literal, escaping as JSON requires.
fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

/// Generates a JSON value as text: strings, numbers in forms Python reads specially,
/// literals and small nested containers.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => prop::sample::select(TRICKY_VALUES.to_vec()).prop_map(json_string),
        2 => any::<String>().prop_map(|text| json_string(&text)),
        1 => (250usize..300).prop_map(|length| json_string(&"v".repeat(length))),
        1 => any::<i64>().prop_map(|number| number.to_string()),
        1 => any::<f64>().prop_map(|number| format!("{number:?}")),
        1 => prop::sample::select(vec![
            "1e400", "-1e400", "1e16", "NaN", "Infinity", "-Infinity", "true", "false", "null",
            "123456789012345678901234567890", "-0", "0.0", "1.5e-300", r#""\ud800""#,
            r#""\u0000""#, r#""a\/b""#,
        ])
        .prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            vec((key(), inner), 0..4).prop_map(|pairs| object(&pairs)),
        ]
    })
}

/// Generates an extra-spec key: validated, plain, pattern-breaking or
/// arbitrary.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(VALIDATED_KEYS.to_vec()).prop_map(str::to_owned),
        2 => "[a-zA-Z0-9:._ -]{0,20}",
        1 => any::<String>(),
        1 => (250usize..300).prop_map(|length| "k".repeat(length)),
    ]
}

fn object(pairs: &[(String, String)]) -> String {
    let members: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{}: {value}", json_string(key)))
        .collect();
    format!("{{{}}}", members.join(", "))
}

/// Generates a request body: empty, shaped like an extra-spec request, arbitrary JSON,
/// broken JSON, invalid UTF-8, deeply nested or over the size limit.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        4 => vec((key(), json_value()), 0..4)
            .prop_map(|pairs| format!(r#"{{"extra_specs": {}}}"#, object(&pairs)).into_bytes()),
        4 => vec((key(), json_value()), 0..3).prop_map(|pairs| object(&pairs).into_bytes()),
        2 => json_value().prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 0..64),
        1 => prop::sample::select(vec![
            &b"{\"k\": \"\xff\xfe\"}"[..],
            b"{\"\xc3\x28\": \"v\"}",
            b"\xef\xbb\xbf{\"k\": \"v\"}",
            b"{\"k\": \"v\"} trailing",
            b"{\"k\": \"v\", \"k\": \"w\"}",
            b"{\"extra_specs\": {\"k\": \"v\"}, \"extra_specs\": []}",
            b"{\"k\": ",
            b"{'k': 'v'}",
            b"\x00",
            b"[]",
            b"null",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => (1usize..2000).prop_map(|depth| {
            let mut text = "[".repeat(depth);
            text.push_str(&"]".repeat(depth));
            text.into_bytes()
        }),
        1 => Just(format!(r#"{{"k": "{}"}}"#, "v".repeat(BODY_LIMIT)).into_bytes()),
    ]
}

/// How the body is framed in the generated request.
#[derive(Debug, Clone, Copy)]
enum Framing {
    /// `Content-Length` with the body's length.
    Length,
    /// No `Content-Length`, as with a chunked body.
    Chunked,
    /// A `Content-Length` that is not a number.
    Garbage,
    /// A `Content-Length` that claims a body over the size limit.
    Oversized,
}

/// One generated request.
#[derive(Clone)]
struct HostileRequest {
    method: Method,
    path: String,
    headers: Vec<(&'static str, Vec<u8>)>,
    framing: Framing,
    body: Vec<u8>,
}

/// Shows header values and the body as text, with invalid UTF-8 replaced, so
/// that a failing case can be read.
impl std::fmt::Debug for HostileRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (*name, String::from_utf8_lossy(value).into_owned()))
            .collect();
        f.debug_struct("HostileRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("headers", &headers)
            .field("framing", &self.framing)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

fn hostile_request() -> impl Strategy<Value = HostileRequest> {
    let method = prop_oneof![
        4 => Just(Method::GET),
        5 => Just(Method::PUT),
        4 => Just(Method::POST),
        2 => Just(Method::DELETE),
        1 => Just(Method::HEAD),
        1 => Just(Method::PATCH),
        1 => Just(Method::OPTIONS),
        1 => prop::sample::select(vec!["get", "FOO", "M-SEARCH", "PROPFIND"])
            .prop_map(|name| Method::from_bytes(name.as_bytes()).expect("valid method token")),
    ];
    let framing = prop_oneof![
        16 => Just(Framing::Length),
        2 => Just(Framing::Chunked),
        1 => Just(Framing::Garbage),
        1 => Just(Framing::Oversized),
    ];
    // Half of the requests to a key carry a body naming the same key, as a
    // valid PUT must.
    let value = prop_oneof![
        3 => prop::sample::select(TRICKY_VALUES.to_vec()).prop_map(json_string),
        1 => json_value(),
    ];
    let same_key_value = prop::option::weighted(0.5, value);
    (method, path(), headers(), framing, body(), same_key_value).prop_map(
        |(method, path, headers, framing, body, same_key_value)| {
            let body = match (&path.key, same_key_value) {
                (Some(key), Some(value)) => object(&[(key.clone(), value)]).into_bytes(),
                _ => body,
            };
            HostileRequest {
                method,
                path: path.text,
                headers,
                framing,
                body,
            }
        },
    )
}

fn build_request(hostile: &HostileRequest) -> Option<Request<Body>> {
    let mut builder = Request::builder()
        .method(hostile.method.clone())
        .uri(&hostile.path)
        .header("Host", "127.0.0.1:8774");
    for (name, value) in &hostile.headers {
        // Values with bytes that HTTP forbids cannot reach the server.
        let value = HeaderValue::from_bytes(value).ok()?;
        builder = builder.header(*name, value);
    }
    let length = match hostile.framing {
        Framing::Length => Some(hostile.body.len().to_string()),
        Framing::Chunked => None,
        Framing::Garbage => Some("12abc".to_owned()),
        Framing::Oversized => Some((BODY_LIMIT * 10).to_string()),
    };
    if let Some(length) = length {
        builder = builder.header("Content-Length", length);
    }
    builder.body(Body::from(hostile.body.clone())).ok()
}

/// Checks one response against the properties every response must have.
fn check_response(
    request: &HostileRequest,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(body);
    prop_assert!(status < 500, "{status} for {request:?}: {text}");

    let compute = ["/v2.1", "/v2"].iter().any(|root| {
        let path = request.path.split('?').next().unwrap_or_default();
        path.starts_with(&format!("{root}/")) || path == *root
    });
    if compute {
        prop_assert_ne!(status, 405, "Nova sends 404, not 405: {:?}", request);
    }

    // Responses to HEAD have no body to check.
    let has_body = request.method != Method::HEAD;
    if !has_body || !(400..500).contains(&status) || content_type != Some(FAULT_CONTENT_TYPE) {
        return Ok(());
    }
    let fault: serde_json::Value = serde_json::from_slice(body).map_err(|error| {
        TestCaseError::fail(format!("fault body is not JSON ({error}): {text}"))
    })?;
    let object = fault.as_object();
    prop_assert_eq!(object.map(serde_json::Map::len), Some(1), "{}", text);
    let (fault_key, detail) = object
        .and_then(|object| object.iter().next())
        .expect("one member");
    let expected_key = mock_nova::error::fault_key(
        axum::http::StatusCode::from_u16(status).expect("valid status"),
    );
    prop_assert_eq!(fault_key.as_str(), expected_key, "{}", text);
    prop_assert_eq!(detail["code"].as_u64(), Some(u64::from(status)), "{}", text);
    prop_assert!(detail["message"].is_string(), "{}", text);
    let members = detail.as_object().map(serde_json::Map::len);
    prop_assert_eq!(members, Some(2), "{}", text);
    Ok(())
}

fn test_state() -> mock_nova::AppState {
    let mut flags = toml::Table::new();
    flags.insert("bind".into(), "127.0.0.1:0".into());
    let config = mock_nova::Config::from_layers(
        Some((std::path::Path::new("hostile.toml"), CONFIG)),
        std::iter::empty(),
        &flags,
    )
    .expect("test configuration is valid");
    let state = mock_nova::AppState::new(config).expect("state builds");
    for name in NAMESPACES {
        state
            .namespaces
            .store(Some(name))
            .expect("namespace is created");
    }
    state
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default)
}

#[test]
fn router_survives_hostile_requests() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let state = test_state();
    let app = mock_nova::app(state.clone());
    let seeded = state.namespaces.snapshot();

    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&hostile_request(), |hostile| {
        let Some(request) = build_request(&hostile) else {
            return Ok(());
        };
        let (status, content_type, body) = runtime.block_on(call(&app, request));
        check_response(&hostile, status, content_type.as_deref(), &body)?;

        let after = state.namespaces.snapshot();
        if status >= 400 {
            prop_assert!(seeded == after, "{status} changed the state: {hostile:?}");
        } else if seeded != after {
            // Back to the seed, so that a deleted flavor does not turn every
            // later request into a 404.
            state
                .namespaces
                .restore(seeded.clone())
                .expect("seeded state restores");
        }
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// A well-formed extra-spec write by an admin: PUT of one key or POST of a
/// few, at a microversion with or without Nova's value validators, with
/// generated keys and values.
#[derive(Debug, Clone)]
struct SpecWrite {
    microversion: Option<&'static str>,
    flavor: &'static str,
    /// The pairs in the body, each value as JSON text.
    pairs: Vec<(String, String)>,
    /// Whether this is a PUT of the first pair (with its key in the path)
    /// rather than a POST of all of them.
    put: bool,
    /// The key in the path of a PUT, when it differs from the body's.
    path_key: Option<String>,
}

fn spec_write() -> impl Strategy<Value = SpecWrite> {
    let microversion = prop::sample::select(vec![
        None,
        Some("2.1"),
        Some("2.86"),
        Some("2.102"),
        Some("latest"),
    ]);
    let value = prop_oneof![
        4 => prop::sample::select(TRICKY_VALUES.to_vec()).prop_map(json_string),
        2 => any::<String>().prop_map(|text| json_string(&text)),
        1 => json_value(),
    ];
    let flavor = prop::sample::select(vec!["1", "2", "private", "missing"]);
    let path_key = prop::option::weighted(0.1, key());
    (
        microversion,
        flavor,
        vec((key(), value), 1..4),
        any::<bool>(),
        path_key,
    )
        .prop_map(|(microversion, flavor, pairs, put, path_key)| SpecWrite {
            microversion,
            flavor,
            pairs,
            put,
            path_key,
        })
}

impl SpecWrite {
    fn request(&self) -> Request<Body> {
        let specs = format!("/v2.1/{PROJECT}/flavors/{}/os-extra_specs", self.flavor);
        let (method, uri, body) = if self.put {
            let (key, value) = &self.pairs[0];
            let path_key = self.path_key.as_ref().unwrap_or(key);
            let uri = format!("{specs}/{}", percent_encode(path_key.as_bytes()));
            let body = object(&[(key.clone(), value.clone())]);
            (Method::PUT, uri, body)
        } else {
            let body = format!(r#"{{"extra_specs": {}}}"#, object(&self.pairs));
            (Method::POST, specs, body)
        };
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header("Host", "127.0.0.1:8774")
            .header("X-Auth-Token", format!("admin:{PROJECT}"))
            .header("Content-Type", "application/json")
            .header("Content-Length", body.len());
        if let Some(version) = self.microversion {
            builder = builder.header("OpenStack-API-Version", format!("compute {version}"));
        }
        builder.body(Body::from(body)).expect("valid request")
    }

    /// Returns the first key of the body, the path to read it back and the
    /// JSON text of the value it must have. A PUT sends only the first pair.
    /// A POST may repeat the key, and JSON keeps the last value.
    fn written(&self) -> (&str, String, &str) {
        let (key, first) = &self.pairs[0];
        let value = if self.put {
            first.as_str()
        } else {
            self.pairs
                .iter()
                .rev()
                .find(|(other, _)| other == key)
                .map_or("", |(_, value)| value.as_str())
        };
        let path = format!(
            "/v2.1/flavors/{}/os-extra_specs/{}",
            self.flavor,
            percent_encode(key.as_bytes())
        );
        (key, path, value)
    }
}

/// Sends a request to the router and returns status, content type and body.
async fn call(app: &axum::Router, request: Request<Body>) -> (u16, Option<String>, Vec<u8>) {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body = tokio::time::timeout(Duration::from_secs(10), response.into_body().collect())
        .await
        .expect("response body within 10 s")
        .expect("response body readable")
        .to_bytes();
    (status, content_type, body.to_vec())
}

#[test]
fn extra_spec_writes_keep_their_values() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let state = test_state();
    let app = mock_nova::app(state.clone());
    let seeded = state.namespaces.snapshot();

    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&spec_write(), |write| {
        let (status, content_type, body) = runtime.block_on(call(&app, write.request()));
        let text = String::from_utf8_lossy(&body).into_owned();
        prop_assert!(status < 500, "{status} for {write:?}: {text}");
        let fault = content_type.as_deref() == Some(FAULT_CONTENT_TYPE);
        if status == 404 && !fault {
            // Nova's router matches no route for an empty key or one with a
            // slash, even percent-encoded, and sends its plain 404 page.
            let path_key = write.path_key.as_ref().unwrap_or(&write.pairs[0].0);
            let unroutable = path_key.is_empty() || path_key.contains('/');
            prop_assert!(write.put && unroutable, "plain 404 for {:?}", write);
        } else if (400..500).contains(&status) {
            prop_assert!(fault, "{status} without a Nova fault for {write:?}: {text}");
        }
        let after = state.namespaces.snapshot();
        if status >= 400 {
            prop_assert!(seeded == after, "{status} changed the state: {write:?}");
            return Ok(());
        }
        prop_assert_eq!(status, 200, "{:?}: {}", write, text);

        // A string value that was written reads back unchanged.
        let (key, path, value) = write.written();
        let stored: Option<serde_json::Value> = serde_json::from_str(value).ok();
        if let Some(serde_json::Value::String(stored)) = stored {
            let read = Request::builder()
                .uri(path)
                .header("X-Auth-Token", format!("admin:{PROJECT}"))
                .body(Body::empty())
                .expect("valid request");
            let (status, _, body) = runtime.block_on(call(&app, read));
            let text = String::from_utf8_lossy(&body).into_owned();
            prop_assert_eq!(status, 200, "{}", text);
            let read: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
            prop_assert_eq!(read[key].as_str(), Some(stored.as_str()), "{}", text);
        }
        state
            .namespaces
            .restore(seeded.clone())
            .expect("seeded state restores");
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// Generates raw requests with what an `http::Request` cannot hold:
/// request lines and headers with invalid UTF-8, control characters,
/// bare line feeds and broken framing.
fn raw_request() -> impl Strategy<Value = Vec<u8>> {
    let target = prop_oneof![
        2 => path().prop_map(|path| path.text.into_bytes()),
        1 => vec(any::<u8>(), 0..40).prop_map(|bytes| {
            let mut target = b"/v2.1/flavors/1/os-extra_specs/".to_vec();
            target.extend(bytes.into_iter().filter(|byte| !b" \r\n".contains(byte)));
            target
        }),
    ];
    let method = prop::sample::select(vec![
        &b"GET"[..],
        b"PUT",
        b"POST",
        b"DELETE",
        b"G\xffT",
        b"",
        b"GET GET",
    ]);
    let version = prop::sample::select(vec![
        &b"HTTP/1.1"[..],
        b"HTTP/1.0",
        b"HTTP/2.0",
        b"HTTP/9.9",
        b"http/1.1",
        b"",
    ]);
    let line_end = prop::sample::select(vec![&b"\r\n"[..], b"\n", b"\r"]);
    let header = prop_oneof![
        4 => Just(format!("X-Auth-Token: admin:{PROJECT}").into_bytes()),
        2 => Just(b"Content-Type: application/json".to_vec()),
        2 => Just(b"OpenStack-API-Version: compute 2.\xff".to_vec()),
        1 => Just(b"Transfer-Encoding: chunked".to_vec()),
        1 => Just(b"Transfer-Encoding: gzip, chunked".to_vec()),
        1 => Just(b"Content-Length: 5".to_vec()),
        1 => Just(b"Content-Length: -1".to_vec()),
        1 => Just(b"Content-Length: 3, 4".to_vec()),
        1 => Just(b" folded: continuation".to_vec()),
        1 => Just(b"No-Colon".to_vec()),
        1 => Just(b"X-Bad\x00Name: v".to_vec()),
        2 => vec(any::<u8>(), 0..40).prop_map(|value| {
            let mut header = b"X-Random: ".to_vec();
            header.extend(value.into_iter().filter(|byte| !b"\r\n".contains(byte)));
            header
        }),
    ];
    let body = prop_oneof![
        Just(Vec::new()),
        Just(b"{\"k\": \"v\"}".to_vec()),
        Just(b"5\r\n{\"k\":\r\n0\r\n\r\n".to_vec()),
        Just(b"zz\r\n".to_vec()),
        vec(any::<u8>(), 0..40),
    ];
    (method, target, version, line_end, vec(header, 0..6), body).prop_map(
        |(method, target, version, line_end, headers, body)| {
            let mut raw = Vec::new();
            raw.extend_from_slice(method);
            raw.push(b' ');
            raw.extend_from_slice(&target);
            raw.push(b' ');
            raw.extend_from_slice(version);
            raw.extend_from_slice(line_end);
            raw.extend_from_slice(b"Host: 127.0.0.1");
            raw.extend_from_slice(line_end);
            for header in headers {
                raw.extend_from_slice(&header);
                raw.extend_from_slice(line_end);
            }
            raw.extend_from_slice(b"Connection: close");
            raw.extend_from_slice(line_end);
            raw.extend_from_slice(line_end);
            raw.extend_from_slice(&body);
            raw
        },
    )
}

/// Sends raw bytes, half-closes the connection and returns the status of
/// the response, or `None` when the server closed the connection without
/// one.
async fn send_raw_bytes(addr: std::net::SocketAddr, raw: &[u8]) -> Option<u16> {
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to server");
    // The server may close the connection before reading everything.
    let _ = stream.write_all(raw).await;
    let _ = stream.shutdown().await;
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut response));
    // A reset after a partial response still counts as a response.
    let _ = read.await.expect("server responds or closes within 15 s");
    let line = response.split(|&byte| byte == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    line.split(' ').nth(1)?.parse().ok()
}

#[test]
fn server_survives_hostile_bytes() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime.block_on(common::TestServer::start(CONFIG));
    // A Nova request creates its namespace, control calls do not.
    for name in NAMESPACES {
        let path = format!("/ns/{name}/v2.1/flavors");
        let token = format!("admin:{PROJECT}");
        let created = runtime.block_on(server.get(&path, &token));
        assert_eq!(created.status, 200, "namespace {name} is created");
    }
    let state_of = |server: &common::TestServer| {
        runtime.block_on(async {
            let response = server
                .send(common::Request::new("GET", "/_mock/state"))
                .await;
            assert_eq!(response.status, 200);
            response.body
        })
    };
    let before = RefCell::new(state_of(&server));

    let mut runner = TestRunner::new(ProptestConfig {
        cases: cases(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let result = runner.run(&raw_request(), |raw| {
        let status = runtime.block_on(send_raw_bytes(server.addr, &raw));
        let shown = String::from_utf8_lossy(&raw).into_owned();
        if let Some(status) = status {
            prop_assert!(status < 500, "{status} for {shown:?}");
        }
        let after = state_of(&server);
        if status.is_none_or(|status| status >= 400) {
            prop_assert!(
                *before.borrow() == after,
                "{status:?} changed the state: {shown:?}"
            );
        }
        *before.borrow_mut() = after;
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
    drop(server);
}
