//! End-to-end tests of the flavor routes over HTTP: lists and their filters,
//! views per microversion, create, update, delete and flavor access.

mod common;

use common::{PROJECT, admin};
use common::{Request, TestServer};
use serde_json::{Value, json};

const MEMBER_PROJECT: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn member() -> String {
    format!("demo:{MEMBER_PROJECT}")
}

const CONFIG: &str = r#"
auth = "noauth"

[[flavors]]
id = "a"
name = "alpha"
ram = 512
disk = 1
vcpus = 1
extra_specs = { "k" = "v" }

[[flavors]]
id = "b"
name = "beta"
ram = 2048
disk = 20
vcpus = 2
description = "second"

[[flavors]]
id = "c"
name = "gamma"
ram = 1024
disk = 10
vcpus = 1
is_public = false
projects = ["bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"]

[[flavors]]
id = "d"
name = "delta"
ram = 4096
disk = 40
vcpus = 4
disabled = true
"#;

async fn server() -> TestServer {
    TestServer::start(CONFIG).await
}

fn ids(body: &Value) -> Vec<String> {
    body["flavors"]
        .as_array()
        .expect("flavors list")
        .iter()
        .map(|flavor| flavor["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn list(server: &TestServer, query: &str, token: &str) -> Value {
    let response = server.get(&format!("/v2.1/flavors{query}"), token).await;
    assert_eq!(response.status, 200, "{query}: {}", response.text());
    response.json()
}

#[tokio::test]
async fn admin_list_default_hides_private() {
    let server = server().await;
    assert_eq!(ids(&list(&server, "", &admin()).await), ["a", "b", "d"]);
}

#[tokio::test]
async fn admin_list_is_public_none_shows_all() {
    let server = server().await;
    let body = list(&server, "?is_public=None", &admin()).await;
    assert_eq!(ids(&body), ["a", "b", "c", "d"]);
}

#[tokio::test]
async fn admin_list_is_public_false() {
    let server = server().await;
    assert_eq!(
        ids(&list(&server, "?is_public=false", &admin()).await),
        ["c"]
    );
}

#[tokio::test]
async fn admin_list_bad_is_public() {
    let server = server().await;
    let response = server.get("/v2.1/flavors?is_public=maybe", &admin()).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.fault().1, "Invalid is_public filter [maybe]");
}

#[tokio::test]
async fn member_list_shows_shared_hides_disabled() {
    let server = server().await;
    let body = list(&server, "?is_public=false", &member()).await;
    assert_eq!(ids(&body), ["a", "b", "c"]);
}

#[tokio::test]
async fn list_filters_min_ram_and_disk() {
    let server = server().await;
    assert_eq!(
        ids(&list(&server, "?minRam=2048", &admin()).await),
        ["b", "d"]
    );
    assert_eq!(ids(&list(&server, "?minDisk=30", &admin()).await), ["d"]);
    let response = server.get("/v2.1/flavors?minRam=lots", &admin()).await;
    assert_eq!(response.fault().1, "Invalid minRam filter [lots]");
}

#[tokio::test]
async fn list_sorts_by_key_and_direction() {
    let server = server().await;
    let body = list(&server, "?sort_key=memory_mb&sort_dir=desc", &admin()).await;
    assert_eq!(ids(&body), ["d", "b", "a"]);
    let body = list(&server, "?sort_key=name", &admin()).await;
    assert_eq!(ids(&body), ["a", "b", "d"]);
}

#[tokio::test]
async fn list_rejects_bad_sort_dir() {
    let server = server().await;
    let response = server.get("/v2.1/flavors?sort_dir=up", &admin()).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.fault().1,
        "Invalid input for query parameters sort_dir. Value: up. 'up' is not one of ['asc', 'desc']"
    );
}

#[tokio::test]
async fn list_pages_with_limit_and_marker() {
    let server = server().await;
    let first = list(&server, "?limit=2", &admin()).await;
    assert_eq!(ids(&first), ["a", "b"]);
    let next = first["flavors_links"][0]["href"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        next,
        format!("{}/v2.1/flavors?limit=2&marker=b", server.url())
    );
    let second = list(&server, "?limit=2&marker=b", &admin()).await;
    assert_eq!(ids(&second), ["d"]);
    assert!(second.get("flavors_links").is_none());
}

#[tokio::test]
async fn list_limit_zero_is_empty() {
    let server = server().await;
    let body = list(&server, "?limit=0", &admin()).await;
    assert_eq!(body, json!({"flavors": []}));
}

#[tokio::test]
async fn list_rejects_negative_limit() {
    let server = server().await;
    let response = server.get("/v2.1/flavors?limit=-1", &admin()).await;
    assert_eq!(
        response.fault().1,
        "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"
    );
}

#[tokio::test]
async fn list_unknown_marker_is_400() {
    let server = server().await;
    let response = server.get("/v2.1/flavors?marker=zzz", &admin()).await;
    assert_eq!(response.status, 400);
    assert_eq!(response.fault().1, "marker [zzz] not found");
}

#[tokio::test]
async fn list_unknown_param_by_microversion() {
    let server = server().await;
    let request = |version: &str| {
        Request::new("GET", "/v2.1/flavors?foo=1")
            .token(&admin())
            .microversion(version)
    };
    assert_eq!(server.send(request("2.74")).await.status, 200);
    let rejected = server.send(request("2.75")).await;
    assert_eq!(rejected.status, 400);
    assert_eq!(
        rejected.fault().1,
        "Additional properties are not allowed ('foo' was unexpected)"
    );
}

#[tokio::test]
async fn list_name_filter_from_2_102() {
    let server = server().await;
    let request = Request::new("GET", "/v2.1/flavors?name=^(al|be)")
        .token(&admin())
        .microversion("2.102");
    let response = server.send(request).await;
    assert_eq!(ids(&response.json()), ["a", "b"]);
}

#[tokio::test]
async fn links_carry_project_from_url() {
    let server = server().await;
    let path = format!("/v2.1/{PROJECT}/flavors/a");
    let body = server.get(&path, &admin()).await.json();
    let links = &body["flavor"]["links"];
    assert_eq!(
        links[0]["href"],
        format!("{}/v2.1/{PROJECT}/flavors/a", server.url())
    );
    assert_eq!(
        links[1]["href"],
        format!("{}/{PROJECT}/flavors/a", server.url())
    );
}

#[tokio::test]
async fn legacy_api_links_stay_on_v2() {
    let server = server().await;
    // A view kept for /v2.1 must not be sent to /v2, nor the other way round.
    let current = server.get("/v2.1/flavors/a", &admin()).await.json();
    assert_eq!(
        current["flavor"]["links"][0]["href"],
        format!("{}/v2.1/flavors/a", server.url())
    );
    let legacy = server.get("/v2/flavors/a", &admin()).await.json();
    assert_eq!(
        legacy["flavor"]["links"][0]["href"],
        format!("{}/v2/flavors/a", server.url())
    );
    assert_eq!(
        legacy["flavor"]["links"][1]["href"],
        format!("{}/flavors/a", server.url())
    );

    for collection in ["flavors", "flavors/detail"] {
        let path = format!("/v2/{PROJECT}/{collection}?limit=1");
        let page = server.get(&path, &admin()).await.json();
        assert_eq!(
            page["flavors"][0]["links"][0]["href"],
            format!("{}/v2/{PROJECT}/flavors/a", server.url())
        );
        assert_eq!(
            page["flavors_links"][0]["href"],
            format!(
                "{}/v2/{PROJECT}/{collection}?limit=1&marker=a",
                server.url()
            )
        );
    }
}

#[tokio::test]
async fn next_link_keeps_repeated_value_sorting_last() {
    let server = server().await;
    let page = list(
        &server,
        "?limit=5&limit=2&sort_key=name&sort_key=id",
        &admin(),
    )
    .await;
    // The page uses the values given last: two flavors in id order.
    assert_eq!(ids(&page), ["a", "b"]);
    assert_eq!(
        page["flavors_links"][0]["href"],
        format!(
            "{}/v2.1/flavors?limit=5&sort_key=name&marker=b",
            server.url()
        )
    );
}

#[tokio::test]
async fn stripped_parameter_does_not_add_project() {
    let server = server().await;
    // Below 2.75 an unknown parameter is dropped before Nova looks for the
    // project id in the request URL.
    let path = format!("/v2.1/flavors?limit=1&other={PROJECT}");
    let page = server.get(&path, &admin()).await.json();
    assert_eq!(
        page["flavors"][0]["links"][0]["href"],
        format!("{}/v2.1/flavors/a", server.url())
    );
    assert_eq!(
        page["flavors_links"][0]["href"],
        format!("{}/v2.1/flavors?limit=1&marker=a", server.url())
    );

    // The show route strips every parameter below 2.102.
    for path in [
        format!("/v2.1/flavors/a?other={PROJECT}"),
        format!("/v2.1/flavors/a?{PROJECT}"),
        format!("/v2/flavors/a?other={PROJECT}"),
    ] {
        let shown = server.get(&path, &admin()).await.json();
        let href = shown["flavor"]["links"][0]["href"]
            .as_str()
            .unwrap_or_default();
        assert!(!href.contains(PROJECT), "{path}: {href}");
        let bookmark = shown["flavor"]["links"][1]["href"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(bookmark, format!("{}/flavors/a", server.url()), "{path}");
    }

    // A parameter the schema keeps still counts: here a marker that is a
    // flavor id containing the project id.
    let body = format!(
        r#"{{"flavor": {{"name": "p", "ram": 512, "vcpus": 1, "disk": 1, "id": "{PROJECT}"}}}}"#
    );
    let created = server
        .send_json("POST", "/v2.1/flavors", &admin(), &body)
        .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let path = format!("/v2.1/flavors?limit=1&marker={PROJECT}&other=x");
    let page = server.get(&path, &admin()).await.json();
    assert_eq!(ids(&page), ["b"]);
    assert_eq!(
        page["flavors"][0]["links"][0]["href"],
        format!("{}/v2.1/{PROJECT}/flavors/b", server.url())
    );
}

#[tokio::test]
async fn show_shapes_by_microversion() {
    let server = server().await;
    let show = |version: &str| {
        Request::new("GET", "/v2.1/flavors/a")
            .token(&admin())
            .microversion(version)
    };
    let old = server.send(show("2.1")).await.json()["flavor"].clone();
    assert_eq!(old["swap"], "");
    assert!(old.get("description").is_none());
    assert!(old.get("extra_specs").is_none());

    let v261 = server.send(show("2.61")).await.json()["flavor"].clone();
    assert_eq!(v261["description"], Value::Null);
    assert_eq!(v261["extra_specs"], json!({"k": "v"}));

    let v275 = server.send(show("2.75")).await.json()["flavor"].clone();
    assert_eq!(v275["swap"], 0);

    let v2102 = server.send(show("2.102")).await.json()["flavor"].clone();
    assert!(v2102.get("rxtx_factor").is_none());
    assert!(v2102.get("OS-FLV-DISABLED:disabled").is_none());
}

#[tokio::test]
async fn member_sees_specs_in_show() {
    let server = server().await;
    let request = Request::new("GET", "/v2.1/flavors/a")
        .token(&member())
        .microversion("2.61");
    let body = server.send(request).await.json();
    assert_eq!(body["flavor"]["extra_specs"], json!({"k": "v"}));
}

#[tokio::test]
async fn show_private_flavor_by_access() {
    let server = server().await;
    assert_eq!(server.get("/v2.1/flavors/c", &member()).await.status, 200);
    let outsider = "demo:cccccccccccccccccccccccccccccccc";
    let response = server.get("/v2.1/flavors/c", outsider).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.fault().1, "Flavor c could not be found.");
}

#[tokio::test]
async fn detail_lists_full_views() {
    let server = server().await;
    let request = Request::new("GET", "/v2.1/flavors/detail?limit=1")
        .token(&admin())
        .microversion("2.61");
    let body = server.send(request).await.json();
    assert_eq!(body["flavors"][0]["ram"], 512);
    assert_eq!(body["flavors"][0]["extra_specs"], json!({"k": "v"}));
    assert_eq!(
        body["flavors_links"][0]["href"],
        format!("{}/v2.1/flavors/detail?limit=1&marker=a", server.url())
    );
}

#[tokio::test]
async fn create_generates_uuid_id() {
    let server = server().await;
    let body = r#"{"flavor": {"name": "new", "ram": 512, "vcpus": 1, "disk": 1, "id": null}}"#;
    let response = server
        .send_json("POST", "/v2.1/flavors", &admin(), body)
        .await;
    assert_eq!(response.status, 200);
    let id = response.json()["flavor"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(id.len(), 36);
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(
        server
            .get(&format!("/v2.1/flavors/{id}"), &admin())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn create_duplicate_is_409() {
    let server = server().await;
    let body = r#"{"flavor": {"name": "alpha", "ram": 512, "vcpus": 1, "disk": 1}}"#;
    let response = server
        .send_json("POST", "/v2.1/flavors", &admin(), body)
        .await;
    assert_eq!(response.status, 409);
    assert_eq!(
        response.fault(),
        (
            "conflictingRequest".into(),
            "Flavor with name alpha already exists.".into()
        )
    );
    let body = r#"{"flavor": {"name": "other", "ram": 512, "vcpus": 1, "disk": 1, "id": "a"}}"#;
    let response = server
        .send_json("POST", "/v2.1/flavors", &admin(), body)
        .await;
    assert_eq!(response.fault().1, "Flavor with ID a already exists.");
}

#[tokio::test]
async fn create_as_member_is_403() {
    let server = server().await;
    let body = r#"{"flavor": {"name": "x", "ram": 512, "vcpus": 1, "disk": 1}}"#;
    let response = server
        .send_json("POST", "/v2.1/flavors", &member(), body)
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(
        response.fault().1,
        "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed."
    );
}

#[tokio::test]
async fn delete_then_reuse_id() {
    let server = server().await;
    let delete = server
        .send(Request::new("DELETE", "/v2.1/flavors/a").token(&admin()))
        .await;
    assert_eq!(delete.status, 202);
    assert!(delete.body.is_empty());
    assert_eq!(server.get("/v2.1/flavors/a", &admin()).await.status, 404);
    assert_eq!(
        server
            .get("/v2.1/flavors/a/os-extra_specs", &admin())
            .await
            .status,
        404
    );
    let again = server
        .send(Request::new("DELETE", "/v2.1/flavors/a").token(&admin()))
        .await;
    assert_eq!(again.status, 404);

    let body = r#"{"flavor": {"name": "alpha", "ram": 256, "vcpus": 1, "disk": 1, "id": "a"}}"#;
    let created = server
        .send_json("POST", "/v2.1/flavors", &admin(), body)
        .await;
    assert_eq!(created.status, 200);
    let specs = server.get("/v2.1/flavors/a/os-extra_specs", &admin()).await;
    assert_eq!(specs.json(), json!({"extra_specs": {}}));
}

#[tokio::test]
async fn update_description_from_2_55() {
    let server = server().await;
    let body = r#"{"flavor": {"description": "new text"}}"#;
    let old = Request::new("PUT", "/v2.1/flavors/a")
        .token(&admin())
        .microversion("2.54")
        .header("Content-Type", "application/json")
        .body(body);
    let response = server.send(old).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.fault().1, "The resource could not be found.");

    let new = Request::new("PUT", "/v2.1/flavors/a")
        .token(&admin())
        .microversion("2.55")
        .header("Content-Type", "application/json")
        .body(body);
    let response = server.send(new).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["flavor"]["description"], "new text");
}

#[tokio::test]
async fn access_list_and_actions() {
    let server = server().await;
    let list = server
        .get("/v2.1/flavors/c/os-flavor-access", &admin())
        .await;
    assert_eq!(
        list.json(),
        json!({"flavor_access": [{"flavor_id": "c", "tenant_id": MEMBER_PROJECT}]})
    );

    let add = r#"{"addTenantAccess": {"tenant": "dddd"}}"#;
    let response = server
        .send_json("POST", "/v2.1/flavors/c/action", &admin(), add)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["flavor_access"][1]["tenant_id"], "dddd");

    let response = server
        .send_json("POST", "/v2.1/flavors/c/action", &admin(), add)
        .await;
    assert_eq!(response.status, 409);
    assert_eq!(
        response.fault().1,
        "Flavor access already exists for flavor 3 and project dddd combination."
    );

    let remove = r#"{"removeTenantAccess": {"tenant": "dddd"}}"#;
    let response = server
        .send_json("POST", "/v2.1/flavors/c/action", &admin(), remove)
        .await;
    assert_eq!(response.status, 200);
    let response = server
        .send_json("POST", "/v2.1/flavors/c/action", &admin(), remove)
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.fault().1,
        "Flavor access not found for 3 / dddd combination."
    );
}

#[tokio::test]
async fn access_list_of_public_flavor_is_404() {
    let server = server().await;
    let response = server
        .get("/v2.1/flavors/a/os-flavor-access", &admin())
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.fault().1,
        "Access list not available for public flavors."
    );
}

#[tokio::test]
async fn add_access_to_public_flavor_by_microversion() {
    let server = server().await;
    let add = r#"{"addTenantAccess": {"tenant": "eeee"}}"#;
    let request = |version: &str| {
        Request::new("POST", "/v2.1/flavors/a/action")
            .token(&admin())
            .microversion(version)
            .header("Content-Type", "application/json")
            .body(add)
    };
    let rejected = server.send(request("2.7")).await;
    assert_eq!(rejected.status, 409);
    assert_eq!(rejected.fault().1, "Can not add access to a public flavor.");
    assert_eq!(server.send(request("2.6")).await.status, 200);
}

#[tokio::test]
async fn access_actions_need_admin() {
    let server = server().await;
    let response = server
        .get("/v2.1/flavors/c/os-flavor-access", &member())
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(
        response.fault().1,
        "Policy doesn't allow os_compute_api:os-flavor-access to be performed."
    );
}

#[tokio::test]
async fn version_documents_without_token() {
    let server = server().await;
    let root = server.send(Request::new("GET", "/")).await;
    assert_eq!(root.status, 200);
    assert_eq!(root.json()["versions"][1]["version"], "2.104");
    assert_eq!(root.header("openstack-api-version"), None);

    for path in ["/v2.1", "/v2.1/"] {
        let response = server.send(Request::new("GET", path)).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.json()["version"]["links"][0]["href"],
            format!("{}/v2.1/", server.url())
        );
        assert_eq!(
            response.header("openstack-api-version"),
            Some("compute 2.1")
        );
    }
}

#[tokio::test]
async fn configured_maximum_microversion() {
    let server = TestServer::start("auth = \"noauth\"\nmax_microversion = \"2.96\"").await;
    let root = server.send(Request::new("GET", "/v2.1/")).await;
    assert_eq!(root.json()["version"]["version"], "2.96");
    let request = Request::new("GET", "/v2.1/flavors")
        .token("admin")
        .microversion("2.97");
    let response = server.send(request).await;
    assert_eq!(response.status, 406);
    assert_eq!(
        response.fault().1,
        "Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96."
    );
}

#[tokio::test]
async fn unversioned_path_is_300() {
    let server = server().await;
    let response = server.send(Request::new("GET", "/foo")).await;
    assert_eq!(response.status, 300);
    assert_eq!(
        response.json()["choices"][1]["links"][0]["href"],
        format!("{}/v2.1/foo", server.url())
    );
}

#[tokio::test]
async fn seed_makes_ids_reproducible() {
    let config = "auth = \"noauth\"\nseed = 5\nflavors = []\n";
    let body = r#"{"flavor": {"name": "x", "ram": 512, "vcpus": 1, "disk": 1}}"#;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let server = TestServer::start(config).await;
        let created = server
            .send_json("POST", "/v2.1/flavors", &admin(), body)
            .await;
        let flavor_id = created.json()["flavor"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let request_id = created
            .header("x-openstack-request-id")
            .unwrap_or_default()
            .to_owned();
        runs.push((flavor_id, request_id));
    }
    assert_eq!(runs[0].0, runs[1].0);
    assert_eq!(runs[0].1, runs[1].1);
    assert_eq!(runs[0].0.len(), 36);
}

#[tokio::test]
async fn app_router_serves_without_socket() {
    use tower::ServiceExt;

    let config = mock_nova::Config::from_layers(
        Some((std::path::Path::new("test.toml"), CONFIG)),
        std::iter::empty(),
        &toml::Table::new(),
    )
    .expect("valid config");
    let state = mock_nova::AppState::new(config).expect("state");
    let request = axum::http::Request::get("/ns/team/v2.1/flavors/a")
        .header("X-Auth-Token", admin())
        .header("Host", "example.test")
        .body(axum::body::Body::empty())
        .expect("request");
    let response = mock_nova::app(state)
        .oneshot(request)
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-openstack-request-id"));
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(
        body["flavor"]["links"][0]["href"],
        "http://example.test/ns/team/v2.1/flavors/a"
    );
}

/// Views are kept rendered per flavor. These reads check that a kept view
/// never outlives a change, and that the view rendered for one request variant
/// (microversion, link host, project in the URL) is never sent for another.
#[tokio::test]
async fn kept_views_follow_changes_and_request_variants() {
    let server = server().await;
    let detail = |version: &str, host: &str, path: &str| {
        Request::new("GET", path)
            .token(&admin())
            .microversion(version)
            .header("Host", host)
    };
    let flavor_a = |body: &Value| {
        body["flavors"]
            .as_array()
            .and_then(|flavors| flavors.iter().find(|flavor| flavor["id"] == "a"))
            .cloned()
            .expect("flavor a listed")
    };
    let first = server
        .send(detail("2.61", "one.example", "/v2.1/flavors/detail"))
        .await
        .json();
    assert_eq!(flavor_a(&first)["extra_specs"], json!({"k": "v"}));
    assert_eq!(
        flavor_a(&first)["links"][0]["href"],
        "http://one.example/v2.1/flavors/a"
    );

    // Another host, another project path and another microversion each get
    // their own view.
    let older = server
        .send(detail("2.60", "one.example", "/v2.1/flavors/detail"))
        .await
        .json();
    assert!(flavor_a(&older).get("extra_specs").is_none());
    assert_eq!(flavor_a(&older)["description"], Value::Null);
    let other_host = server
        .send(detail("2.61", "two.example", "/v2.1/flavors/detail"))
        .await
        .json();
    assert_eq!(
        flavor_a(&other_host)["links"][0]["href"],
        "http://two.example/v2.1/flavors/a"
    );
    let with_project = server
        .send(detail(
            "2.61",
            "one.example",
            &format!("/v2.1/{PROJECT}/flavors/detail"),
        ))
        .await
        .json();
    assert_eq!(
        flavor_a(&with_project)["links"][0]["href"],
        format!("http://one.example/v2.1/{PROJECT}/flavors/a")
    );

    // A change to the flavor shows in the next read of each view.
    server
        .send_json(
            "PUT",
            "/v2.1/flavors/a/os-extra_specs/k",
            &admin(),
            r#"{"k": "w"}"#,
        )
        .await;
    let after = server
        .send(detail("2.61", "one.example", "/v2.1/flavors/detail"))
        .await
        .json();
    assert_eq!(flavor_a(&after)["extra_specs"], json!({"k": "w"}));
    let described = server
        .send(
            Request::new("PUT", "/v2.1/flavors/a")
                .token(&admin())
                .microversion("2.55")
                .header("Content-Type", "application/json")
                .body(r#"{"flavor": {"description": "now described"}}"#),
        )
        .await;
    assert_eq!(described.status, 200, "{}", described.text());
    let shown = server
        .send(detail("2.61", "one.example", "/v2.1/flavors/a"))
        .await
        .json();
    assert_eq!(shown["flavor"]["description"], "now described");
    assert_eq!(shown["flavor"]["extra_specs"], json!({"k": "w"}));
    let listed = server
        .send(detail("2.61", "one.example", "/v2.1/flavors/detail"))
        .await
        .json();
    assert_eq!(flavor_a(&listed)["description"], "now described");
}

/// A detail page copied from views the flavors keep is the same, byte for
/// byte, as the page that rendered them, whether none, some or all of its views
/// were kept, and with more request variants than a flavor keeps.
#[tokio::test]
async fn detail_page_from_kept_views() {
    let server = server().await;
    let detail = |host: &str, path: &str| {
        Request::new("GET", path)
            .token(&admin())
            .microversion("2.61")
            .header("Host", host)
    };

    // Showing one flavor keeps only its view, so the first page has one view
    // kept and one to render.
    let shown = server.send(detail("one.example", "/v2.1/flavors/a")).await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let rendered = server
        .send(detail("one.example", "/v2.1/flavors/detail?limit=2"))
        .await;
    let copied = server
        .send(detail("one.example", "/v2.1/flavors/detail?limit=2"))
        .await;
    assert_eq!(rendered.status, 200, "{}", rendered.text());
    assert_eq!(copied.status, 200, "{}", copied.text());
    assert_eq!(copied.text(), rendered.text());
    let page = copied.json();
    assert_eq!(ids(&page), ["a", "b"]);
    assert_eq!(
        page["flavors_links"][0]["href"],
        "http://one.example/v2.1/flavors/detail?limit=2&marker=b"
    );
    assert_eq!(page["flavors"][0]["extra_specs"], json!({"k": "v"}));

    // The next page starts after the marker from kept views too.
    let second = server
        .send(detail(
            "one.example",
            "/v2.1/flavors/detail?limit=2&marker=b",
        ))
        .await;
    let again = server
        .send(detail(
            "one.example",
            "/v2.1/flavors/detail?limit=2&marker=b",
        ))
        .await;
    assert_eq!(again.text(), second.text());
    assert_eq!(ids(&again.json()), ["d"]);

    // Six hosts are more variants than a flavor keeps. Each still gets its
    // own links, on the first request and on the ones after it.
    for round in 0..2 {
        for host in 0..6 {
            let host = format!("host{host}.example");
            let page = server
                .send(detail(&host, "/v2.1/flavors/detail"))
                .await
                .json();
            assert_eq!(ids(&page), ["a", "b", "d"], "round {round}");
            for flavor in page["flavors"].as_array().into_iter().flatten() {
                let href = flavor["links"][0]["href"].as_str().unwrap_or_default();
                assert!(href.starts_with(&format!("http://{host}/")), "{href}");
            }
        }
    }
}
