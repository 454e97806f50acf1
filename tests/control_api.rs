//! End-to-end tests of the control API: journal, reset, seed, export, faults
//! and health checks.

mod common;

use common::{PROJECT, admin};
use common::{Request, TestServer};
use serde_json::json;

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

#[tokio::test]
async fn reset_restores_seed() {
    let server = TestServer::start(CONFIG).await;
    put_spec(&server, "a", "1").await;
    let reset = server.send(Request::new("POST", "/_mock/reset")).await;
    assert_eq!(reset.status, 204);
    let specs = server.get("/v2.1/flavors/1/os-extra_specs", &admin()).await;
    assert_eq!(specs.json(), json!({"extra_specs": {}}));
}

#[tokio::test]
async fn seed_json_replaces_state() {
    let server = TestServer::start(CONFIG).await;
    let seed = r#"{"flavors": [{"id": "x", "name": "x", "ram": 1, "disk": 0, "vcpus": 1,
        "extra_specs": {"hw:cpu_policy": "dedicated"}}]}"#;
    let loaded = server
        .send(
            Request::new("POST", "/_mock/seed")
                .header("Content-Type", "application/json")
                .body(seed),
        )
        .await;
    assert_eq!(loaded.status, 204, "{}", loaded.text());
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 404);
    let spec = server
        .get("/v2.1/flavors/x/os-extra_specs/hw:cpu_policy", &admin())
        .await;
    assert_eq!(spec.text(), r#"{"hw:cpu_policy": "dedicated"}"#);

    // A reset now returns to the loaded seed.
    server.send(Request::new("POST", "/_mock/reset")).await;
    assert_eq!(server.get("/v2.1/flavors/x", &admin()).await.status, 200);
}

#[tokio::test]
async fn seed_toml_is_accepted() {
    let server = TestServer::start(CONFIG).await;
    let seed = "[[flavors]]\nid = \"t\"\nname = \"t\"\nram = 1\ndisk = 0\nvcpus = 1\n";
    let loaded = server
        .send(
            Request::new("POST", "/_mock/seed")
                .header("Content-Type", "application/toml")
                .body(seed),
        )
        .await;
    assert_eq!(loaded.status, 204, "{}", loaded.text());
    assert_eq!(server.get("/v2.1/flavors/t", &admin()).await.status, 200);
}

#[tokio::test]
async fn invalid_seed_changes_nothing() {
    let server = TestServer::start(CONFIG).await;
    let seed = r#"{"flavors": [{"id": "x", "name": "x", "ram": 1, "disk": 0, "vcpus": 1},
        {"id": "x", "name": "y", "ram": 1, "disk": 0, "vcpus": 1}]}"#;
    let response = server
        .send(Request::new("POST", "/_mock/seed").body(seed))
        .await;
    assert_eq!(response.status, 400);
    let message = response.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("Flavor with ID x already exists"),
        "{message}"
    );
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 200);

    let malformed = server
        .send(Request::new("POST", "/_mock/seed").body("{"))
        .await;
    assert_eq!(malformed.status, 400);
}

#[tokio::test]
async fn export_feeds_back_as_seed() {
    let server = TestServer::start(CONFIG).await;
    put_spec(&server, "b", "2").await;
    put_spec(&server, "a", "1").await;
    let exported = server
        .send(Request::new("GET", "/_mock/state?namespace=default"))
        .await;
    assert_eq!(exported.status, 200);
    let text = exported.text();
    assert_eq!(
        exported.json()["flavors"][0]["extra_specs"],
        json!({"a": "1", "b": "2"})
    );

    server.send(Request::new("POST", "/_mock/reset")).await;
    let reloaded = server
        .send(Request::new("POST", "/_mock/seed").body(text.clone()))
        .await;
    assert_eq!(reloaded.status, 204);
    let again = server
        .send(Request::new("GET", "/_mock/state?namespace=default"))
        .await;
    assert_eq!(again.text(), text);
}

#[tokio::test]
async fn namespaces_are_isolated() {
    let server = TestServer::start(CONFIG).await;
    let path = |ns: &str| format!("/ns/{ns}/v2.1/flavors/1/os-extra_specs/k");
    let put_a = server
        .send_json("PUT", &path("a"), &admin(), r#"{"k": "from-a"}"#)
        .await;
    assert_eq!(put_a.status, 200);
    let put_b = server
        .send_json("PUT", &path("b"), &admin(), r#"{"k": "from-b"}"#)
        .await;
    assert_eq!(put_b.status, 200);

    assert_eq!(
        server.get(&path("a"), &admin()).await.text(),
        r#"{"k": "from-a"}"#
    );
    assert_eq!(
        server.get(&path("b"), &admin()).await.text(),
        r#"{"k": "from-b"}"#
    );
    let default = server
        .get("/v2.1/flavors/1/os-extra_specs/k", &admin())
        .await;
    assert_eq!(default.status, 404);
}

#[tokio::test]
async fn namespace_links_point_into_namespace() {
    let server = TestServer::start(CONFIG).await;
    let body = server.get("/ns/team/v2.1/flavors/1", &admin()).await.json();
    assert_eq!(
        body["flavor"]["links"][0]["href"],
        format!("{}/ns/team/v2.1/flavors/1", server.url())
    );
}

#[tokio::test]
async fn namespace_reset_leaves_others() {
    let server = TestServer::start(CONFIG).await;
    let path = |ns: &str| format!("/ns/{ns}/v2.1/flavors/1/os-extra_specs/k");
    server
        .send_json("PUT", &path("a"), &admin(), r#"{"k": "1"}"#)
        .await;
    server
        .send_json("PUT", &path("b"), &admin(), r#"{"k": "2"}"#)
        .await;
    let reset = server.send(Request::new("POST", "/ns/a/_mock/reset")).await;
    assert_eq!(reset.status, 204);
    assert_eq!(server.get(&path("a"), &admin()).await.status, 404);
    assert_eq!(server.get(&path("b"), &admin()).await.status, 200);
}

#[tokio::test]
async fn namespace_limit_and_name() {
    let server = TestServer::start("auth = \"noauth\"\nmax_namespaces = 1\n").await;
    assert_eq!(
        server.get("/ns/one/v2.1/flavors", &admin()).await.status,
        200
    );
    let over = server.get("/ns/two/v2.1/flavors", &admin()).await;
    assert_eq!(over.status, 409);
    let message = over.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("namespace limit"), "{message}");
    let invalid = server.get("/ns/bad%20name/v2.1/flavors", &admin()).await;
    assert_eq!(invalid.status, 400);
}

#[tokio::test]
async fn health_endpoints_answer() {
    let server = TestServer::start(CONFIG).await;
    let health = server.send(Request::new("GET", "/healthz")).await;
    assert_eq!(health.status, 200);
    let ready = server.send(Request::new("GET", "/readyz")).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json(), json!({"status": "ready"}));
}

async fn add_fault(server: &TestServer, rule: &str) -> u64 {
    let response = server
        .send(
            Request::new("POST", "/_mock/faults")
                .header("Content-Type", "application/json")
                .body(rule),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_u64().expect("rule id")
}

#[tokio::test]
async fn fault_fails_next_put_once() {
    let server = TestServer::start(CONFIG).await;
    let id = add_fault(
        &server,
        r#"{"method": "PUT", "flavor_id": "1", "count": 1,
            "action": {"type": "error", "status": 503, "message": "try later", "retry_after": 2}}"#,
    )
    .await;

    let failed = put_spec(&server, "a", "1").await;
    assert_eq!(failed.status, 503);
    assert_eq!(
        failed.fault(),
        ("serviceUnavailable".into(), "try later".into())
    );
    assert_eq!(failed.header("retry-after"), Some("2"));
    assert_eq!(failed.header("openstack-api-version"), Some("compute 2.1"));

    assert_eq!(put_spec(&server, "a", "1").await.status, 200);

    let journal = server
        .send(Request::new("GET", "/_mock/journal?status=503"))
        .await
        .json();
    assert_eq!(journal["entries"][0]["injected_by"], id);
    let rules = server
        .send(Request::new("GET", "/_mock/faults"))
        .await
        .json();
    assert_eq!(rules["faults"], json!([]));
}

#[tokio::test]
async fn fault_matches_route_and_key_only() {
    let server = TestServer::start(CONFIG).await;
    add_fault(
        &server,
        r#"{"route": "/v2.1/flavors/{flavor_id}/os-extra_specs/{key}", "key": "bad",
            "action": {"type": "error", "status": 409}}"#,
    )
    .await;
    assert_eq!(put_spec(&server, "good", "1").await.status, 200);
    let hit = put_spec(&server, "bad", "1").await;
    assert_eq!(hit.status, 409);
    assert_eq!(hit.fault().0, "conflictingRequest");
    let listed = server
        .send(Request::new("GET", "/_mock/faults"))
        .await
        .json();
    assert_eq!(listed["faults"][0]["fired"], 1);
    assert_eq!(listed["faults"][0]["matched"], 1);
}

#[tokio::test]
async fn fault_delay_adds_latency() {
    let server = TestServer::start(CONFIG).await;
    add_fault(
        &server,
        r#"{"method": "GET", "action": {"type": "delay", "ms": 300}}"#,
    )
    .await;
    let started = std::time::Instant::now();
    let response = server.get("/v2.1/flavors/1", &admin()).await;
    assert_eq!(response.status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}

#[tokio::test]
async fn fault_close_drops_connection() {
    let server = TestServer::start(CONFIG).await;
    add_fault(
        &server,
        r#"{"flavor_id": "1", "count": 1, "action": {"type": "close"}}"#,
    )
    .await;
    let raw = format!(
        "GET /v2.1/flavors/1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n",
        admin()
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut stream, raw.as_bytes())
        .await
        .expect("send");
    let mut received = Vec::new();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut received).await;
    assert!(
        received.is_empty(),
        "{}",
        String::from_utf8_lossy(&received)
    );
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 200);
}

#[tokio::test]
async fn fault_probability_is_reproducible() {
    let rule = r#"{"method": "GET", "probability": 0.5, "seed": 7,
        "action": {"type": "error", "status": 500}}"#;
    let mut patterns = Vec::new();
    for _ in 0..2 {
        let server = TestServer::start(CONFIG).await;
        add_fault(&server, rule).await;
        let mut pattern = Vec::new();
        for _ in 0..20 {
            pattern.push(server.get("/v2.1/flavors/1", &admin()).await.status);
        }
        patterns.push(pattern);
    }
    assert_eq!(patterns[0], patterns[1]);
    assert!(
        patterns[0].contains(&500) && patterns[0].contains(&200),
        "{:?}",
        patterns[0]
    );
}

#[tokio::test]
async fn fault_rules_from_config() {
    let config = format!(
        "{CONFIG}\n[[faults]]\nmethod = \"DELETE\"\naction = {{ type = \"error\", status = 500 }}\n"
    );
    let server = TestServer::start(&config).await;
    let response = server
        .send(Request::new("DELETE", "/v2.1/flavors/1").token(&admin()))
        .await;
    assert_eq!(response.status, 500);
    assert_eq!(response.fault().0, "computeFault");
}

#[tokio::test]
async fn fault_rule_validation_and_removal() {
    let server = TestServer::start(CONFIG).await;
    let invalid = server
        .send(
            Request::new("POST", "/_mock/faults")
                .body(r#"{"action": {"type": "error", "status": 200}}"#),
        )
        .await;
    assert_eq!(invalid.status, 400);
    let id = add_fault(&server, r#"{"action": {"type": "close"}}"#).await;
    let removed = server
        .send(Request::new("DELETE", &format!("/_mock/faults/{id}")))
        .await;
    assert_eq!(removed.status, 204);
    let again = server
        .send(Request::new("DELETE", &format!("/_mock/faults/{id}")))
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn fault_in_namespace_stays_there() {
    let server = TestServer::start(CONFIG).await;
    let response = server
        .send(
            Request::new("POST", "/ns/team/_mock/faults")
                .body(r#"{"action": {"type": "error", "status": 503}}"#),
        )
        .await;
    assert_eq!(response.status, 201);
    assert_eq!(
        server.get("/ns/team/v2.1/flavors/1", &admin()).await.status,
        503
    );
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 200);
}

#[tokio::test]
async fn journal_under_namespace_is_scoped() {
    let server = TestServer::start(CONFIG).await;
    server.get("/ns/a/v2.1/flavors/1", &admin()).await;
    server.get("/ns/b/v2.1/flavors/1", &admin()).await;
    server.get("/v2.1/flavors/1", &admin()).await;
    let listed = server
        .send(Request::new("GET", "/ns/a/_mock/journal"))
        .await
        .json();
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["entries"][0]["namespace"], "a");

    let cleared = server
        .send(Request::new("DELETE", "/ns/a/_mock/journal"))
        .await;
    assert_eq!(cleared.status, 204);
    let rest = server
        .send(Request::new("GET", "/_mock/journal"))
        .await
        .json();
    let namespaces: Vec<&str> = rest["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["namespace"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(!namespaces.contains(&"a"), "{namespaces:?}");
    assert!(namespaces.contains(&"b"), "{namespaces:?}");
}

#[tokio::test]
async fn faults_by_query_namespace_are_scoped() {
    let server = TestServer::start(CONFIG).await;
    let response = server
        .send(
            Request::new("POST", "/_mock/faults?namespace=a")
                .body(r#"{"action": {"type": "error", "status": 418}}"#),
        )
        .await;
    assert_eq!(response.status, 201);
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 200);
    assert_eq!(
        server.get("/ns/a/v2.1/flavors/1", &admin()).await.status,
        418
    );
    let listed_b = server
        .send(Request::new("GET", "/ns/b/_mock/faults"))
        .await
        .json();
    assert_eq!(listed_b["faults"], json!([]));
    let cleared = server
        .send(Request::new("DELETE", "/ns/a/_mock/faults"))
        .await;
    assert_eq!(cleared.status, 204);
    assert_eq!(
        server.get("/ns/a/v2.1/flavors/1", &admin()).await.status,
        200
    );
}

#[tokio::test]
async fn reads_do_not_create_namespaces() {
    let server = TestServer::start("auth = \"noauth\"\nmax_namespaces = 1\n").await;
    let missing = server
        .send(Request::new("GET", "/_mock/state?namespace=ghost"))
        .await;
    assert_eq!(missing.status, 404);
    let reset = server
        .send(Request::new("POST", "/ns/ghost/_mock/reset"))
        .await;
    assert_eq!(reset.status, 204);
    assert_eq!(
        server.get("/ns/real/v2.1/flavors", &admin()).await.status,
        200
    );
}

#[tokio::test]
async fn invalid_namespace_rejected_everywhere() {
    let server = TestServer::start(CONFIG).await;
    for path in [
        "/ns/bad!name/identity/v3",
        "/ns/bad!name/_mock/faults",
        "/ns/../v2.1/flavors",
    ] {
        let response = server.send(Request::new("GET", path).token(&admin())).await;
        assert_eq!(response.status, 400, "{path}");
        let message = response.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("invalid namespace name"), "{message}");
    }
}

#[tokio::test]
async fn missed_probability_falls_to_next_rule() {
    let server = TestServer::start(CONFIG).await;
    add_fault(
        &server,
        r#"{"probability": 0.0, "action": {"type": "close"}}"#,
    )
    .await;
    add_fault(
        &server,
        r#"{"flavor_id": "1", "action": {"type": "error", "status": 503}}"#,
    )
    .await;
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 503);
}

#[tokio::test]
async fn huge_fault_window_is_rejected() {
    let server = TestServer::start(CONFIG).await;
    let response = server
        .send(
            Request::new("POST", "/_mock/faults")
                .body(r#"{"for_seconds": 1e300, "action": {"type": "error", "status": 500}}"#),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(server.get("/v2.1/flavors/1", &admin()).await.status, 200);
}

#[tokio::test]
async fn zero_count_fault_is_rejected() {
    let server = TestServer::start(CONFIG).await;
    let response = server
        .send(
            Request::new("POST", "/_mock/faults")
                .body(r#"{"count": 0, "action": {"type": "error", "status": 500}}"#),
        )
        .await;
    assert_eq!(response.status, 400);
    assert!(
        response.text().contains("count 0 must be at least 1"),
        "{}",
        response.text()
    );
    let rules = server.send(Request::new("GET", "/_mock/faults")).await;
    assert_eq!(
        rules.json()["faults"],
        serde_json::json!([]),
        "{}",
        rules.text()
    );
}

#[tokio::test]
async fn nan_rxtx_factor_never_stored() {
    let server = TestServer::start(CONFIG).await;
    let body = r#"{"flavor": {"name": "n", "ram": 1, "vcpus": 1, "disk": 1, "rxtx_factor": NaN}}"#;
    let created = server
        .send_json("POST", "/v2.1/flavors", &admin(), body)
        .await;
    assert_eq!(created.status, 400);
    let seed =
        "[[flavors]]\nid = \"x\"\nname = \"x\"\nram = 1\ndisk = 0\nvcpus = 1\nrxtx_factor = nan\n";
    let loaded = server
        .send(
            Request::new("POST", "/_mock/seed")
                .header("Content-Type", "application/toml")
                .body(seed),
        )
        .await;
    assert_eq!(loaded.status, 400, "{}", loaded.text());
}

#[tokio::test]
async fn unknown_control_path_is_json_404() {
    let server = TestServer::start(CONFIG).await;
    for (method, path) in [
        ("GET", "/_mock/unknown"),
        ("GET", "/_mock/reset"),
        ("PUT", "/_mock/faults"),
    ] {
        let response = server.send(Request::new(method, path)).await;
        assert_eq!(response.status, 404, "{method} {path}");
        let message = response.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("no control endpoint"), "{message}");
    }
}

#[tokio::test]
async fn closed_connection_journaled_as_status_0() {
    let server = TestServer::start(CONFIG).await;
    add_fault(
        &server,
        r#"{"flavor_id": "1", "count": 1, "action": {"type": "close"}}"#,
    )
    .await;
    let raw = format!(
        "GET /v2.1/flavors/1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n",
        admin()
    );
    let mut stream = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut stream, raw.as_bytes())
        .await
        .expect("send");
    let mut received = Vec::new();
    let _ = tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut received).await;
    assert!(received.is_empty());
    let journal = server
        .send(Request::new("GET", "/_mock/journal?flavor_id=1"))
        .await
        .json();
    assert_eq!(journal["entries"][0]["status"], 0);
}
