//! End-to-end tests of the extra-spec routes over HTTP: one test per Nova error
//! and the success paths, against a server seeded with two flavors.

mod common;

use common::{PROJECT, admin};
use common::{Request, TestServer};

const OTHER_PROJECT: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// Admin token in the noauth convention.
/// Member (and reader) token of another project.
fn member() -> String {
    format!("demo:{OTHER_PROJECT}")
}

const CONFIG: &str = r#"
auth = "noauth"

[[static_tokens]]
token = "no-roles"
user = "nobody"
project = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
roles = []

[[flavors]]
id = "1"
name = "m1.tiny"
ram = 512
disk = 1
vcpus = 1
extra_specs = { "hw:cpu_policy" = "shared", "a b" = "spaced" }

[[flavors]]
id = "private"
name = "private"
ram = 512
disk = 1
vcpus = 1
is_public = false
projects = ["cccccccccccccccccccccccccccccccc"]
"#;

async fn server() -> TestServer {
    TestServer::start(CONFIG).await
}

fn specs_path(flavor: &str) -> String {
    format!("/v2.1/flavors/{flavor}/os-extra_specs")
}

fn spec_path(flavor: &str, key: &str) -> String {
    format!("/v2.1/flavors/{flavor}/os-extra_specs/{key}")
}

#[tokio::test]
async fn put_then_get_round_trip() {
    let server = server().await;
    let path = format!("/v2.1/{PROJECT}/flavors/1/os-extra_specs/key1");

    let put = server
        .send_json("PUT", &path, &admin(), r#"{"key1": "new_value1"}"#)
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(put.text(), r#"{"key1": "new_value1"}"#);

    let get = server.get(&path, &admin()).await;
    assert_eq!(get.status, 200);
    assert_eq!(get.text(), r#"{"key1": "new_value1"}"#);

    let list = server.get(&specs_path("1"), &admin()).await;
    assert_eq!(list.json()["extra_specs"]["key1"], "new_value1");
    assert_eq!(list.json()["extra_specs"]["hw:cpu_policy"], "shared");
}

#[tokio::test]
async fn put_number_echoes_number_stores_text() {
    let server = server().await;
    let put = server
        .send_json("PUT", &spec_path("1", "n"), &admin(), r#"{"n": 1e16}"#)
        .await;
    assert_eq!(put.text(), r#"{"n": 1e+16}"#);
    let get = server.get(&spec_path("1", "n"), &admin()).await;
    assert_eq!(get.text(), r#"{"n": "1e+16"}"#);
}

#[tokio::test]
async fn post_merges_and_echoes_body() {
    let server = server().await;
    let body = r#"{"extra_specs": {"x": "1", "y": 2}}"#;
    let post = server
        .send_json("POST", &specs_path("1"), &admin(), body)
        .await;
    assert_eq!(post.status, 200);
    assert_eq!(post.text(), body);
    let list = server.get(&specs_path("1"), &admin()).await;
    assert_eq!(
        list.text(),
        r#"{"extra_specs": {"a b": "spaced", "hw:cpu_policy": "shared", "x": "1", "y": "2"}}"#
    );
}

#[tokio::test]
async fn delete_returns_empty_200() {
    let server = server().await;
    let response = server
        .send(Request::new("DELETE", &spec_path("1", "hw:cpu_policy")).token(&admin()))
        .await;
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
    assert_eq!(response.header("content-type"), Some("application/json"));
    let again = server
        .send(Request::new("DELETE", &spec_path("1", "hw:cpu_policy")).token(&admin()))
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn percent_encoded_key_is_decoded() {
    let server = server().await;
    let response = server.get(&spec_path("1", "a%20b"), &admin()).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), r#"{"a b": "spaced"}"#);
}

#[tokio::test]
async fn unknown_route_is_plain_404() {
    let server = server().await;
    for (method, path) in [
        ("GET", format!("{}/", specs_path("1"))),
        ("GET", format!("{}.json", specs_path("1"))),
        ("PATCH", spec_path("1", "k")),
        ("POST", spec_path("1", "k")),
        ("PUT", specs_path("1")),
        ("DELETE", specs_path("1")),
        ("HEAD", specs_path("1")),
        ("OPTIONS", specs_path("1")),
        ("GET", "/v2.1/admin/flavors/1/os-extra_specs".to_owned()),
        ("GET", spec_path("1", "a%2Fb")),
    ] {
        let response = server
            .send(Request::new(method, &path).token(&admin()))
            .await;
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(
            response.header("content-type"),
            Some("text/plain; charset=UTF-8"),
            "{method} {path}"
        );
        assert_eq!(
            response.header("openstack-api-version"),
            None,
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn unknown_route_json_page() {
    let server = server().await;
    let response = server
        .send(
            Request::new("GET", "/v2.1/nothing")
                .token(&admin())
                .header("Accept", "application/json"),
        )
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.text(),
        r#"{"message": "The resource could not be found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}"#
    );
}

#[tokio::test]
async fn missing_token_gets_noauth_token() {
    let server = server().await;
    let response = server.send(Request::new("GET", &specs_path("1"))).await;
    assert_eq!(response.status, 204);
    assert_eq!(response.text(), "");
    assert_eq!(response.header("x-auth-token"), Some("admin:admin"));
    let management_url = format!("{}{}/admin", server.url(), specs_path("1"));
    assert_eq!(
        response.header("x-server-management-url"),
        Some(management_url.as_str())
    );
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; charset=UTF-8")
    );
    assert!(response.header("x-openstack-request-id").is_some());
}

#[tokio::test]
async fn missing_token_names_requested_user() {
    let server = server().await;
    let response = server
        .send(
            Request::new("PUT", &format!("{}/k/", specs_path("1")))
                .header("X-Auth-User", "alice")
                .header("X-Auth-Project-Id", PROJECT)
                .header("Content-Type", "application/json")
                .body(r#"{"k": "v"}"#),
        )
        .await;
    assert_eq!(response.status, 204);
    assert_eq!(
        response.header("x-auth-token"),
        Some(format!("alice:{PROJECT}").as_str())
    );
    let management_url = format!("{}{}/k/{PROJECT}", server.url(), specs_path("1"));
    assert_eq!(
        response.header("x-server-management-url"),
        Some(management_url.as_str())
    );
    let specs = server.get(&specs_path("1"), &admin()).await;
    assert!(specs.json()["extra_specs"].get("k").is_none());
}

#[tokio::test]
async fn empty_token_is_keystone_401() {
    let server = server().await;
    let response = server.get(&specs_path("1"), "").await;
    assert_eq!(response.status, 401);
    assert_eq!(response.json()["error"]["code"], 401);
    assert_eq!(response.json()["error"]["title"], "Unauthorized");
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Keystone uri=\"http://"),
        "{challenge}"
    );
}

#[tokio::test]
async fn oversized_body_is_413_before_auth() {
    let server = server().await;
    let body = format!(r#"{{"big": "{}"}}"#, "x".repeat(114_688));
    let response = server
        .send(
            Request::new("PUT", &spec_path("1", "big"))
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
    assert_eq!(response.status, 413);
    assert_eq!(
        response.text(),
        "413 Request Entity Too Large\n\nRequest is too large. Larger than max_request_body_size (%s).\n\n   "
    );
}

#[tokio::test]
async fn malformed_microversion_is_400_without_headers() {
    let server = server().await;
    let response = server
        .send(
            Request::new("GET", &specs_path("1"))
                .token(&admin())
                .microversion("2.01"),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.fault().1,
        "API Version String 2.01 is of invalid format. Must be of format MajorNum.MinorNum."
    );
    assert_eq!(response.header("openstack-api-version"), None);
}

#[tokio::test]
async fn unsupported_microversion_is_406_with_headers() {
    let server = server().await;
    let response = server
        .send(
            Request::new("GET", &specs_path("1"))
                .token(&admin())
                .microversion("2.105"),
        )
        .await;
    assert_eq!(response.status, 406);
    assert_eq!(response.fault().0, "computeFault");
    assert_eq!(
        response.fault().1,
        "Version 2.105 is not supported by the API. Minimum is 2.1 and maximum is 2.104."
    );
    assert_eq!(
        response.header("openstack-api-version"),
        Some("compute 2.105")
    );
    assert_eq!(
        response.header("x-openstack-nova-api-version"),
        Some("2.105")
    );
}

#[tokio::test]
async fn version_headers_on_success() {
    let server = server().await;
    let response = server
        .send(
            Request::new("GET", &specs_path("1"))
                .token(&admin())
                .microversion("latest"),
        )
        .await;
    assert_eq!(
        response.header("openstack-api-version"),
        Some("compute 2.104")
    );
    assert_eq!(
        response.header("x-openstack-nova-api-version"),
        Some("2.104")
    );
    assert_eq!(
        response.header_all("vary"),
        ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"]
    );
    let request_id = response
        .header("x-openstack-request-id")
        .unwrap_or_default();
    assert!(request_id.starts_with("req-"), "{request_id}");
    assert_eq!(response.header("x-compute-request-id"), Some(request_id));
}

#[tokio::test]
async fn form_content_type_is_415() {
    let server = server().await;
    let response = server
        .send(
            Request::new("PUT", &spec_path("1", "k"))
                .token(&admin())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(r#"{"k": "v"}"#),
        )
        .await;
    assert_eq!(response.status, 415);
    assert_eq!(
        response.fault(),
        ("badMediaType".into(), "Unsupported Content-Type".into())
    );
}

#[tokio::test]
async fn invalid_json_is_malformed_body() {
    let server = server().await;
    for body in ["{", "  ", "\u{feff}{}", "{\"k\": \"v\"} x"] {
        let response = server
            .send_json("PUT", &spec_path("1", "k"), &admin(), body)
            .await;
        assert_eq!(response.status, 400, "{body:?}");
        assert_eq!(response.fault().1, "Malformed request body", "{body:?}");
    }
}

#[tokio::test]
async fn url_project_mismatch_is_400() {
    let server = server().await;
    let path = format!("/v2.1/{OTHER_PROJECT}/flavors/1/os-extra_specs");
    let response = server.get(&path, &admin()).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.fault().1,
        format!(
            "Malformed request URL: URL's project_id '{OTHER_PROJECT}' doesn't match \
             Context's project_id '{PROJECT}'"
        )
    );
}

#[tokio::test]
async fn empty_put_body_is_none_error() {
    let server = server().await;
    let response = server
        .send(Request::new("PUT", &spec_path("1", "k")).token(&admin()))
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.fault().1, "None is not of type 'object'");
}

#[tokio::test]
async fn put_key_mismatch_is_400() {
    let server = server().await;
    let response = server
        .send_json(
            "PUT",
            &spec_path("1", "key1"),
            &admin(),
            r#"{"other": "v"}"#,
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.fault().1, "Request body and URI mismatch");
}

#[tokio::test]
async fn schema_error_beats_policy() {
    let server = server().await;
    let response = server
        .send_json("PUT", &spec_path("1", "k"), &member(), r#"{"k": true}"#)
        .await;
    assert_eq!(response.status, 400);
}

#[tokio::test]
async fn member_write_is_forbidden() {
    let server = server().await;
    let response = server
        .send_json("PUT", &spec_path("1", "k"), &member(), r#"{"k": "v"}"#)
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(
        response.fault(),
        (
            "forbidden".into(),
            "Policy doesn't allow os_compute_api:os-flavor-extra-specs:update to be performed."
                .into()
        )
    );
}

#[tokio::test]
async fn member_reads_specs() {
    let server = server().await;
    let response = server
        .get(&spec_path("1", "hw:cpu_policy"), &member())
        .await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn caller_without_roles_cannot_read() {
    let server = server().await;
    let response = server.get(&specs_path("1"), "no-roles").await;
    assert_eq!(response.status, 403);
    assert_eq!(
        response.fault().1,
        "Policy doesn't allow os_compute_api:os-flavor-extra-specs:index to be performed."
    );
}

#[tokio::test]
async fn number_over_255_characters_is_400() {
    let server = server().await;
    let digits = "9".repeat(256);
    let response = server
        .send_json(
            "PUT",
            &spec_path("1", "n"),
            &admin(),
            &format!(r#"{{"n": {digits}}}"#),
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.fault().1,
        "extra_specs value has 256 characters, more than 255."
    );
}

#[tokio::test]
async fn missing_flavor_is_404() {
    let server = server().await;
    let response = server.get(&specs_path("nope"), &admin()).await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.fault(),
        (
            "itemNotFound".into(),
            "Flavor nope could not be found.".into()
        )
    );
}

#[tokio::test]
async fn private_flavor_hidden_from_member() {
    let server = server().await;
    let response = server.get(&specs_path("private"), &member()).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.fault().1, "Flavor private could not be found.");
    let admin_view = server.get(&specs_path("private"), &admin()).await;
    assert_eq!(admin_view.status, 200);
}

#[tokio::test]
async fn missing_key_is_404() {
    let server = server().await;
    let response = server.get(&spec_path("1", "nokey"), &admin()).await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.fault().1,
        "Flavor 1 has no extra specs with key nokey."
    );
}

#[tokio::test]
async fn query_rejected_from_2_102() {
    let server = server().await;
    let request = |version: &str| {
        Request::new("GET", &format!("{}?foo=bar", specs_path("1")))
            .token(&admin())
            .microversion(version)
    };
    let old = server.send(request("2.101")).await;
    assert_eq!(old.status, 200);
    let new = server.send(request("2.102")).await;
    assert_eq!(new.status, 400);
    assert_eq!(
        new.fault().1,
        "Additional properties are not allowed ('foo' was unexpected)"
    );
}

#[tokio::test]
async fn bad_value_rejected_from_2_86() {
    let server = server().await;
    let request = |version: &str| {
        Request::new("PUT", &spec_path("1", "hw:cpu_policy"))
            .token(&admin())
            .microversion(version)
            .header("Content-Type", "application/json")
            .body(r#"{"hw:cpu_policy": "bogus"}"#)
    };
    assert_eq!(server.send(request("2.85")).await.status, 200);
    let rejected = server.send(request("2.86")).await;
    assert_eq!(rejected.status, 400);
    assert_eq!(
        rejected.fault().1,
        "Validation failed; 'bogus' is not one of: dedicated, shared, mixed."
    );
}

#[tokio::test]
async fn chunked_body_over_limit_is_413() {
    let server = server().await;
    let chunk = "x".repeat(120_000);
    let raw = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        spec_path("1", "k"),
        admin(),
        chunk.len()
    );
    let response = common::send_raw(server.addr, raw.as_bytes()).await;
    assert_eq!(response.status, 413);
}

#[tokio::test]
async fn chunked_body_counts_as_empty() {
    let server = server().await;
    let raw = format!(
        "PUT {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n9\r\n{{\"k\": \"v\"\r\n1\r\n}}\r\n0\r\n\r\n",
        spec_path("1", "k"),
        admin()
    );
    let response = common::send_raw(server.addr, raw.as_bytes()).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.fault().1, "None is not of type 'object'");
}

#[tokio::test]
async fn list_follows_every_change_after_a_read() {
    async fn list(server: &TestServer) -> String {
        server.get(&specs_path("1"), &admin()).await.text()
    }
    let server = server().await;
    let base = r#"{"extra_specs": {"a b": "spaced", "hw:cpu_policy": "shared"}}"#;
    assert_eq!(list(&server).await, base);
    server
        .send_json(
            "PUT",
            &spec_path("1", "hw:cpu_policy"),
            &admin(),
            r#"{"hw:cpu_policy": "dedicated"}"#,
        )
        .await;
    let dedicated = r#"{"extra_specs": {"a b": "spaced", "hw:cpu_policy": "dedicated"}}"#;
    assert_eq!(list(&server).await, dedicated);
    let before = list(&server).await;
    server
        .send_json(
            "POST",
            &specs_path("1"),
            &admin(),
            r#"{"extra_specs": {"z": "2"}}"#,
        )
        .await;
    assert_eq!(before, dedicated);
    assert_eq!(
        list(&server).await,
        r#"{"extra_specs": {"a b": "spaced", "hw:cpu_policy": "dedicated", "z": "2"}}"#
    );
    server
        .send(Request::new("DELETE", &spec_path("1", "hw:cpu_policy")).token(&admin()))
        .await;
    assert_eq!(
        list(&server).await,
        r#"{"extra_specs": {"a b": "spaced", "z": "2"}}"#
    );
}
