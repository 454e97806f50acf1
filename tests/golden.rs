//! Replays request/response pairs recorded from a real Nova (master, maximum
//! microversion 2.104) against one fresh mock-nova, in record order, and checks
//! status, fault, version headers, content type and body of every record.
//!
//! The recording injected identity with `X-Project-Id` and `X-Roles` headers;
//! here each distinct identity becomes a static token with the same project and
//! roles. Nova's state accumulated across the recording, so the replay starts
//! from an empty store and runs every record in order.

mod common;

use std::collections::BTreeMap;

use common::{Request, TestServer};
use serde::Deserialize;

const RECORDS: &str = include_str!("data/nova-observed.json");

#[derive(Deserialize)]
struct Recording {
    records: Vec<Record>,
}

#[derive(Deserialize, Clone)]
struct Record {
    label: String,
    method: String,
    path: String,
    request_headers: BTreeMap<String, String>,
    request_body: Option<String>,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: String,
}

impl Record {
    fn expected_header(&self, name: &str) -> Vec<&str> {
        self.response_headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// Records whose 401 came from Nova's own context middleware, because the
/// recording ran without keystonemiddleware. mock-nova answers a missing token
/// the way keystonemiddleware does (a JSON body), so only the status is compared.
fn unauthenticated(record: &Record) -> bool {
    record.status == 401
}

/// Identity key of a record: its project and roles headers.
fn identity_key(record: &Record) -> Option<(String, Option<String>)> {
    let project = record.request_headers.get("X-Project-Id")?;
    Some((
        project.clone(),
        record.request_headers.get("X-Roles").cloned(),
    ))
}

/// Builds a static token for every identity in the recording.
fn token_config(records: &[Record]) -> (String, BTreeMap<(String, Option<String>), String>) {
    let mut tokens = BTreeMap::new();
    let mut config = String::from("flavors = []\n");
    for key in records.iter().filter_map(identity_key) {
        if tokens.contains_key(&key) {
            continue;
        }
        let token = format!("golden-token-{}", tokens.len());
        let roles: Vec<String> = key
            .1
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .filter(|role| !role.is_empty())
            .map(|role| format!("{role:?}"))
            .collect();
        config.push_str(&format!(
            "[[static_tokens]]\ntoken = \"{token}\"\nuser = \"user-{}\"\nproject = \"{}\"\nroles = [{}]\n",
            tokens.len(),
            key.0,
            roles.join(", ")
        ));
        tokens.insert(key, token);
    }
    (config, tokens)
}

/// Nova gives a flavor created without an id (absent, null or 0) a random UUID.
/// The replay sends the UUID Nova chose, so that later list orders, which sort by
/// flavor id, compare; the generation itself is covered by its own test.
fn pin_generated_id(record: &Record) -> Option<String> {
    let body = record.request_body.as_deref()?;
    if record.method != "POST" || !record.path.ends_with("/flavors") || record.status != 200 {
        return None;
    }
    let mut request: serde_json::Value = serde_json::from_str(body).ok()?;
    let flavor = request.get_mut("flavor")?.as_object_mut()?;
    let generated = match flavor.get("id") {
        None | Some(serde_json::Value::Null) => true,
        Some(id) => id.as_i64() == Some(0),
    };
    if !generated {
        return None;
    }
    let response: serde_json::Value = serde_json::from_str(&record.response_body).ok()?;
    flavor.insert("id".into(), response["flavor"]["id"].clone());
    Some(request.to_string())
}

fn build_request(record: &Record, token: Option<&String>) -> Request {
    let mut request = Request::new(&record.method, &record.path);
    for (name, value) in &record.request_headers {
        if name == "X-Project-Id" || name == "X-Roles" {
            continue;
        }
        request = request.header(name, value);
    }
    if let Some(token) = token {
        request = request.token(token);
    }
    let body = pin_generated_id(record).or_else(|| record.request_body.clone());
    if let Some(body) = body {
        request = request.body(body);
    }
    request
}

/// Compares one response with its record and returns the differences.
fn compare(record: &Record, response: &common::Response, host: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if response.status != record.status {
        problems.push(format!(
            "status {} != {} (body {})",
            response.status,
            record.status,
            response.text()
        ));
        return problems;
    }
    if unauthenticated(record) {
        return problems;
    }
    for name in [
        "Content-Type",
        "OpenStack-API-Version",
        "X-OpenStack-Nova-API-Version",
        "Vary",
    ] {
        let expected = record.expected_header(name);
        let actual = response.header_all(name);
        if expected != actual {
            problems.push(format!("header {name}: {actual:?} != {expected:?}"));
        }
    }
    let expected_body = record
        .response_body
        .replace("http://HOST", &format!("http://{host}"));
    let actual_body = response.text();
    if actual_body != expected_body {
        problems.push(format!(
            "body differs\n      got:  {actual_body}\n      want: {expected_body}"
        ));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golden_records_replay() {
    let recording: Recording = serde_json::from_str(RECORDS).expect("recording parses");
    let (config, tokens) = token_config(&recording.records);
    let server = TestServer::start(&config).await;
    let host = server.addr.to_string();

    let mut failures = Vec::new();
    for (index, record) in recording.records.iter().enumerate() {
        let token = identity_key(record).and_then(|key| tokens.get(&key));
        let response = server.send(build_request(record, token)).await;
        let problems = compare(record, &response, &host);
        if !problems.is_empty() {
            failures.push(format!(
                "#{index} {} {} [{}]\n    {}",
                record.method,
                record.path,
                record.label,
                problems.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} records differ:\n{}",
        failures.len(),
        recording.records.len(),
        failures.join("\n")
    );
}
