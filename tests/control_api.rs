//! End-to-end tests of the control API: journal, reset, seed, export, faults
//! and health checks.

mod common;

use common::{Request, TestServer};
use serde_json::json;

const PROJECT: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn admin() -> String {
    format!("admin:{PROJECT}")
}

const CONFIG: &str = r#"
auth = "noauth"
journal_capacity = 5

[[flavors]]
id = "1"
name = "m1.tiny"
ram = 512
disk = 1
vcpus = 1
"#;

async fn put_spec(server: &TestServer, key: &str, value: &str) -> common::Response {
    let path = format!("/v2.1/flavors/1/os-extra_specs/{key}");
    let body = format!(r#"{{"{key}": "{value}"}}"#);
    server.send_json("PUT", &path, &admin(), &body).await
}

#[tokio::test]
async fn journal_filters_writes() {
    let server = TestServer::start(CONFIG).await;
    assert_eq!(put_spec(&server, "a", "1").await.status, 200);
    assert_eq!(put_spec(&server, "b", "2").await.status, 200);
    let bad = server
        .send_json("PUT", "/v2.1/flavors/1/os-extra_specs/c", &admin(), "{}")
        .await;
    assert_eq!(bad.status, 400);

    let page = server
        .send(Request::new(
            "GET",
            "/_mock/journal?method=PUT&flavor_id=1&status=200",
        ))
        .await;
    assert_eq!(page.status, 200);
    let body = page.json();
    assert_eq!(body["count"], 2);
    let first = &body["entries"][0];
    assert_eq!(first["key"], "a");
    assert_eq!(first["body"], json!({"a": "1"}));
    assert_eq!(first["project"], PROJECT);
    assert_eq!(first["user"], "admin");
    assert_eq!(first["microversion"], "2.1");
    assert_eq!(
        first["route"],
        "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}"
    );
    assert!(
        first["request_id"]
            .as_str()
            .unwrap_or_default()
            .starts_with("req-")
    );
}

#[tokio::test]
async fn journal_records_fault_message() {
    let server = TestServer::start(CONFIG).await;
    server
        .send_json("PUT", "/v2.1/flavors/1/os-extra_specs/c", &admin(), "{}")
        .await;
    let page = server
        .send(Request::new("GET", "/_mock/journal?status=400"))
        .await
        .json();
    assert_eq!(page["entries"][0]["fault"], "{} should be non-empty");
}

#[tokio::test]
async fn journal_request_id_matches_header() {
    let server = TestServer::start(CONFIG).await;
    let response = put_spec(&server, "a", "1").await;
    let request_id = response
        .header("x-openstack-request-id")
        .unwrap_or_default();
    let count = server
        .send(Request::new(
            "GET",
            &format!("/_mock/journal/count?request_id={request_id}"),
        ))
        .await
        .json();
    assert_eq!(count, json!({"count": 1}));
}

#[tokio::test]
async fn journal_is_bounded() {
    let server = TestServer::start(CONFIG).await;
    for index in 0..8 {
        put_spec(&server, &format!("k{index}"), "v").await;
    }
    let page = server
        .send(Request::new("GET", "/_mock/journal"))
        .await
        .json();
    assert_eq!(page["count"], 5);
    assert_eq!(page["dropped"], 3);
    assert_eq!(page["capacity"], 5);
    assert_eq!(page["entries"][0]["key"], "k3");
}

#[tokio::test]
async fn journal_clear_empties() {
    let server = TestServer::start(CONFIG).await;
    put_spec(&server, "a", "1").await;
    let cleared = server.send(Request::new("DELETE", "/_mock/journal")).await;
    assert_eq!(cleared.status, 204);
    let count = server
        .send(Request::new("GET", "/_mock/journal/count"))
        .await
        .json();
    assert_eq!(count["count"], 0);
}

#[tokio::test]
async fn journal_never_stores_tokens() {
    let server = TestServer::start(CONFIG).await;
    put_spec(&server, "a", "1").await;
    let text = server
        .send(Request::new("GET", "/_mock/journal"))
        .await
        .text();
    assert!(!text.contains("admin:"), "{text}");
}

#[tokio::test]
async fn journal_rejects_unknown_filter() {
    let server = TestServer::start(CONFIG).await;
    let response = server
        .send(Request::new("GET", "/_mock/journal?colour=red"))
        .await;
    assert_eq!(response.status, 400);
    let message = response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("colour"), "{message}");
}
