//! The built-in Keystone over real HTTP: token issue and its failures, scopes,
//! validation and revocation, the catalog, expiry, the token store bound, and
//! Nova requests made with the tokens it issues.

mod common;

use std::time::Duration;

use common::{Request, Response, TestServer};
use serde_json::{Value, json};

const ADMIN_PROJECT_ID: &str = "6cf3812b427b4a74a872ed207de2845c";
const DEMO_PROJECT_ID: &str = "11dfbd86d5b5416d8ae068cebcb7b4a4";
const ADMIN_USER_ID: &str = "3470469678564e918d372488e336cca6";
const DEMO_USER_ID: &str = "976017e5c5ff4cc8a06703914b6a954b";
const TOKENS: &str = "/identity/v3/auth/tokens";
const STATIC_TOKEN_CONFIG: &str = r#"
[[static_tokens]]
token = "static-admin"
user = "operator"
project = "6cf3812b427b4a74a872ed207de2845c"
roles = ["admin"]
"#;

/// Builds a password request for a user and project given by name in the
/// default domain. A project of `None` requests no scope.
fn password_body(user: &str, password: &str, project: Option<&str>) -> Value {
    let mut auth = json!({"identity": {
        "methods": ["password"],
        "password": {"user": {
            "name": user,
            "password": password,
            "domain": {"name": "Default"},
        }},
    }});
    if let Some(project) = project {
        auth["scope"] = json!({"project": {"name": project, "domain": {"name": "Default"}}});
    }
    json!({ "auth": auth })
}

async fn post_tokens(server: &TestServer, body: &Value) -> Response {
    server
        .send(
            Request::new("POST", TOKENS)
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await
}

/// Logs in and returns the token value, asserting a 201.
async fn login(server: &TestServer, user: &str, project: Option<&str>) -> String {
    let response = post_tokens(server, &password_body(user, "secret", project)).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response
        .header("x-subject-token")
        .expect("X-Subject-Token is set")
        .to_owned()
}

fn role_names(body: &Value) -> Vec<String> {
    body["token"]["roles"]
        .as_array()
        .expect("roles list")
        .iter()
        .map(|role| role["name"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_keystone_error(response: &Response, code: u16, title: &str) {
    assert_eq!(response.status, code, "{}", response.text());
    let body = response.json();
    assert_eq!(body["error"]["code"], code);
    assert_eq!(body["error"]["title"], title);
    assert!(body["error"]["message"].is_string(), "{body}");
}

fn assert_unauthorized(response: &Response) {
    assert_keystone_error(response, 401, "Unauthorized");
    assert_eq!(
        response.json()["error"]["message"],
        "The request you have made requires authentication."
    );
}

fn is_keystone_timestamp(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.6fZ").is_ok()
        && text.len() == "2030-01-01T00:00:00.000000Z".len()
}

#[tokio::test]
async fn token_by_names_has_keystone_shape() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("admin", "secret", Some("admin"))).await;

    assert_eq!(response.status, 201, "{}", response.text());
    let value = response.header("x-subject-token").unwrap();
    assert_eq!(value.len(), 32);
    assert!(value.bytes().all(|b| b.is_ascii_hexdigit()), "{value}");
    assert_eq!(response.header("content-type"), Some("application/json"));
    let token = &response.json()["token"];
    assert_eq!(token["methods"], json!(["password"]));
    assert_eq!(
        token["user"],
        json!({
            "domain": {"id": "default", "name": "Default"},
            "id": ADMIN_USER_ID,
            "name": "admin",
            "password_expires_at": null,
        })
    );
    assert_eq!(
        token["project"],
        json!({"domain": {"id": "default", "name": "Default"}, "id": ADMIN_PROJECT_ID, "name": "admin"})
    );
    assert_eq!(token["is_domain"], false);
    assert_eq!(token["audit_ids"].as_array().unwrap().len(), 1);
    assert_eq!(token["audit_ids"][0].as_str().unwrap().len(), 22);
    let issued_at = token["issued_at"].as_str().unwrap();
    let expires_at = token["expires_at"].as_str().unwrap();
    assert!(is_keystone_timestamp(issued_at), "{issued_at}");
    assert!(is_keystone_timestamp(expires_at), "{expires_at}");
    assert!(expires_at > issued_at);
}

#[tokio::test]
async fn token_by_ids_scopes_project() {
    let server = TestServer::start("").await;
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": DEMO_USER_ID, "password": "secret",
        }}},
        "scope": {"project": {"id": DEMO_PROJECT_ID}},
    }});

    let response = post_tokens(&server, &body).await;

    assert_eq!(response.status, 201, "{}", response.text());
    let token = &response.json()["token"];
    assert_eq!(token["user"]["name"], "demo");
    assert_eq!(token["project"]["name"], "demo");
}

#[tokio::test]
async fn domain_by_id_and_by_name() {
    let server = TestServer::start("").await;
    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "password": "secret", "domain": {"id": "default"},
        }}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}},
    }});
    let response = post_tokens(&server, &body).await;
    assert_eq!(response.status, 201, "{}", response.text());

    let body = json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "password": "secret", "domain": {"name": "Default"},
        }}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
    }});
    let response = post_tokens(&server, &body).await;
    assert_eq!(response.status, 201, "{}", response.text());
}

#[tokio::test]
async fn unscoped_token_has_no_project() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("demo", "secret", None)).await;

    assert_eq!(response.status, 201, "{}", response.text());
    let token = &response.json()["token"];
    assert_eq!(token["user"]["name"], "demo");
    for member in ["project", "roles", "catalog", "is_domain"] {
        assert!(token.get(member).is_none(), "unscoped token has {member}");
    }
}

#[tokio::test]
async fn explicit_unscoped_scope_is_unscoped() {
    let server = TestServer::start("").await;
    let mut body = password_body("demo", "secret", None);
    body["auth"]["scope"] = json!("unscoped");

    let response = post_tokens(&server, &body).await;

    assert_eq!(response.status, 201, "{}", response.text());
    assert!(response.json()["token"].get("project").is_none());
}

#[tokio::test]
async fn token_method_rescopes_keeping_expiry() {
    let server = TestServer::start("").await;
    let first = post_tokens(&server, &password_body("demo", "secret", None)).await;
    let first_value = first.header("x-subject-token").unwrap().to_owned();
    let first_token = first.json()["token"].clone();
    let body = json!({"auth": {
        "identity": {"methods": ["token"], "token": {"id": first_value}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}},
    }});

    let response = post_tokens(&server, &body).await;

    assert_eq!(response.status, 201, "{}", response.text());
    let token = &response.json()["token"];
    assert_eq!(token["project"]["id"], DEMO_PROJECT_ID);
    assert_eq!(token["methods"], json!(["token", "password"]));
    assert_eq!(token["expires_at"], first_token["expires_at"]);
    assert_eq!(token["audit_ids"][1], first_token["audit_ids"][0]);
    assert_ne!(
        response.header("x-subject-token"),
        Some(first_value.as_str())
    );
}

#[tokio::test]
async fn token_method_with_unknown_token_is_404() {
    let server = TestServer::start("").await;
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "nope"}}}});

    let response = post_tokens(&server, &body).await;

    assert_keystone_error(&response, 404, "Not Found");
}

#[tokio::test]
async fn roles_include_implied_roles() {
    let server = TestServer::start("").await;
    let cases = [
        (
            "admin",
            "admin",
            vec!["admin", "manager", "member", "reader"],
        ),
        ("demo", "demo", vec!["member", "reader"]),
        ("reader", "demo", vec!["reader"]),
    ];
    for (user, project, expected) in cases {
        let response = post_tokens(&server, &password_body(user, "secret", Some(project))).await;
        assert_eq!(response.status, 201, "{user}: {}", response.text());
        assert_eq!(role_names(&response.json()), expected, "roles of {user}");
        for role in response.json()["token"]["roles"].as_array().unwrap() {
            assert_eq!(role["id"].as_str().unwrap().len(), 32, "{role}");
        }
    }
}

#[tokio::test]
async fn wrong_password_is_401() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("admin", "wrong", Some("admin"))).await;

    assert_unauthorized(&response);
    assert!(response.header("x-subject-token").is_none());
    let challenge = format!("Keystone uri=\"{}/identity/v3\"", server.url());
    assert_eq!(
        response.header("www-authenticate"),
        Some(challenge.as_str())
    );
}

#[tokio::test]
async fn unknown_user_is_401() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("ghost", "secret", Some("admin"))).await;

    assert_unauthorized(&response);
}

#[tokio::test]
async fn unknown_project_is_401() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("admin", "secret", Some("nowhere"))).await;

    assert_unauthorized(&response);
}

#[tokio::test]
async fn project_without_role_is_401() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("reader", "secret", Some("admin"))).await;

    assert_unauthorized(&response);
}

#[tokio::test]
async fn unknown_domain_is_401() {
    let server = TestServer::start("").await;
    let mut body = password_body("admin", "secret", Some("admin"));
    body["auth"]["identity"]["password"]["user"]["domain"] = json!({"name": "Elsewhere"});

    let response = post_tokens(&server, &body).await;

    assert_unauthorized(&response);
}

#[tokio::test]
async fn domain_scope_is_401() {
    let server = TestServer::start("").await;
    let mut body = password_body("admin", "secret", None);
    body["auth"]["scope"] = json!({"domain": {"id": "default"}});

    let response = post_tokens(&server, &body).await;

    assert_unauthorized(&response);
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let server = TestServer::start("").await;
    let cases: [(&str, &str); 5] = [
        ("", "Expecting to find auth in request body."),
        ("{", "Expecting to find valid JSON in request body."),
        (r#"{"auth": {}}"#, "'identity' is a required property"),
        (
            r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "secret"}}}}}"#,
            "Expecting to find domain in user.",
        ),
        (
            r#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "secret", "domain": {"name": "Default"}}}}, "scope": {"project": {"name": "admin"}}}}"#,
            "Expecting to find domain in project.",
        ),
    ];
    for (body, expected) in cases {
        let response = server
            .send(
                Request::new("POST", TOKENS)
                    .header("Content-Type", "application/json")
                    .body(body),
            )
            .await;
        assert_keystone_error(&response, 400, "Bad Request");
        let message = response.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.starts_with(expected), "{body:?}: {message}");
    }
}

#[tokio::test]
async fn unsupported_method_lists_methods() {
    let server = TestServer::start("").await;
    let body = json!({"auth": {"identity": {"methods": ["totp"], "totp": {}}}});

    let response = post_tokens(&server, &body).await;

    assert_keystone_error(&response, 401, "Unauthorized");
    assert_eq!(
        response.json()["error"]["identity"]["methods"],
        json!(["password", "token"])
    );
}

#[tokio::test]
async fn catalog_points_at_request_host() {
    let server = TestServer::start("").await;

    let response = post_tokens(&server, &password_body("demo", "secret", Some("demo"))).await;

    let catalog = response.json()["token"]["catalog"].clone();
    let services = catalog.as_array().expect("catalog list");
    assert_eq!(services.len(), 2);
    let expected = [
        ("compute", "nova", format!("{}/v2.1", server.url())),
        ("identity", "keystone", format!("{}/identity", server.url())),
    ];
    for (service, (kind, name, url)) in services.iter().zip(expected) {
        assert_eq!(service["type"], kind);
        assert_eq!(service["name"], name);
        assert_eq!(service["id"].as_str().unwrap().len(), 32);
        let endpoints = service["endpoints"].as_array().unwrap();
        let interfaces: Vec<&str> = endpoints
            .iter()
            .map(|endpoint| endpoint["interface"].as_str().unwrap())
            .collect();
        assert_eq!(interfaces, ["public", "internal", "admin"]);
        for endpoint in endpoints {
            assert_eq!(endpoint["url"], url.as_str());
            assert_eq!(endpoint["region"], "RegionOne");
            assert_eq!(endpoint["region_id"], "RegionOne");
            assert_eq!(endpoint["id"].as_str().unwrap().len(), 32);
        }
    }
}

#[tokio::test]
async fn catalog_uses_public_url() {
    let config =
        "public_url = \"https://cloud.example.test:8443\"\n[keystone]\nregion = \"RegionTwo\"\n";
    let server = TestServer::start(config).await;

    let response = post_tokens(&server, &password_body("demo", "secret", Some("demo"))).await;

    let catalog = &response.json()["token"]["catalog"];
    assert_eq!(
        catalog[0]["endpoints"][0]["url"],
        "https://cloud.example.test:8443/v2.1"
    );
    assert_eq!(
        catalog[1]["endpoints"][0]["url"],
        "https://cloud.example.test:8443/identity"
    );
    assert_eq!(catalog[0]["endpoints"][0]["region"], "RegionTwo");
}

#[tokio::test]
async fn nocatalog_omits_catalog() {
    let server = TestServer::start("").await;
    let body = password_body("demo", "secret", Some("demo"));

    let response = server
        .send(
            Request::new("POST", &format!("{TOKENS}?nocatalog"))
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await;

    assert_eq!(response.status, 201);
    assert!(response.json()["token"].get("catalog").is_none());
    assert!(response.json()["token"].get("roles").is_some());
}

#[tokio::test]
async fn validation_returns_token() {
    let server = TestServer::start("").await;
    let admin = login(&server, "admin", Some("admin")).await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .send(
            Request::new("GET", TOKENS)
                .token(&admin)
                .header("X-Subject-Token", &demo),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.header("x-subject-token"), Some(demo.as_str()));
    let token = &response.json()["token"];
    assert_eq!(token["user"]["name"], "demo");
    assert_eq!(token["project"]["id"], DEMO_PROJECT_ID);
    assert!(token["catalog"].is_array());
}

#[tokio::test]
async fn validation_head_has_no_body() {
    let server = TestServer::start("").await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .send(
            Request::new("HEAD", TOKENS)
                .token(&demo)
                .header("X-Subject-Token", &demo),
        )
        .await;

    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-subject-token"), Some(demo.as_str()));
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn validation_of_others_token_is_403() {
    let server = TestServer::start("").await;
    let admin = login(&server, "admin", Some("admin")).await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .send(
            Request::new("GET", TOKENS)
                .token(&demo)
                .header("X-Subject-Token", &admin),
        )
        .await;

    assert_keystone_error(&response, 403, "Forbidden");
    assert_eq!(
        response.json()["error"]["message"],
        "You are not authorized to perform the requested action: identity:validate_token."
    );
}

#[tokio::test]
async fn validation_of_unknown_token_is_404() {
    let server = TestServer::start("").await;
    let admin = login(&server, "admin", Some("admin")).await;

    let response = server
        .send(
            Request::new("GET", TOKENS)
                .token(&admin)
                .header("X-Subject-Token", "0123456789abcdef0123456789abcdef"),
        )
        .await;

    assert_keystone_error(&response, 404, "Not Found");
}

#[tokio::test]
async fn validation_without_caller_is_401() {
    let server = TestServer::start("").await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .send(Request::new("GET", TOKENS).header("X-Subject-Token", &demo))
        .await;

    assert_unauthorized(&response);
    assert!(response.header("www-authenticate").is_some());
}

#[tokio::test]
async fn static_token_may_validate() {
    let server = TestServer::start(STATIC_TOKEN_CONFIG).await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .send(
            Request::new("GET", TOKENS)
                .token("static-admin")
                .header("X-Subject-Token", &demo),
        )
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
}

#[tokio::test]
async fn revoked_token_is_rejected_by_nova() {
    let server = TestServer::start("").await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .send(
            Request::new("DELETE", TOKENS)
                .token(&demo)
                .header("X-Subject-Token", &demo),
        )
        .await;
    assert_eq!(response.status, 204, "{}", response.text());

    let response = server.get("/v2.1/flavors", &demo).await;
    assert_eq!(response.status, 401);
}

#[tokio::test]
async fn missing_token_is_401() {
    let server = TestServer::start("").await;
    let response = server.send(Request::new("GET", "/v2.1/flavors")).await;
    assert_unauthorized(&response);
    let challenge = response.header("www-authenticate").unwrap_or_default();
    assert_eq!(
        challenge,
        format!("Keystone uri=\"{}/identity\"", server.url())
    );
}

#[tokio::test]
async fn expired_token_is_rejected() {
    let server = TestServer::start("[keystone]\ntoken_lifetime = 1\n").await;
    let admin = login(&server, "admin", Some("admin")).await;
    let demo = login(&server, "demo", Some("demo")).await;
    assert_eq!(server.get("/v2.1/flavors", &demo).await.status, 200);

    tokio::time::sleep(Duration::from_millis(1500)).await;

    let response = server.get("/v2.1/flavors", &demo).await;
    assert_unauthorized(&response);
    let challenge = format!("Keystone uri=\"{}/identity\"", server.url());
    assert_eq!(
        response.header("www-authenticate"),
        Some(challenge.as_str())
    );
    let validation = server
        .send(
            Request::new("GET", TOKENS)
                .token("missing")
                .header("X-Subject-Token", &demo),
        )
        .await;
    assert_unauthorized(&validation);
    let validation = server
        .send(
            Request::new("GET", TOKENS)
                .token(&admin)
                .header("X-Subject-Token", &demo),
        )
        .await;
    assert_unauthorized(&validation);
}

#[tokio::test]
async fn expired_subject_token_is_404() {
    let server = TestServer::start(
        "[keystone]\ntoken_lifetime = 1\n[[static_tokens]]\ntoken = \"op\"\nuser = \"op\"\n\
         project = \"6cf3812b427b4a74a872ed207de2845c\"\nroles = [\"admin\"]\n",
    )
    .await;
    let demo = login(&server, "demo", Some("demo")).await;

    tokio::time::sleep(Duration::from_millis(1500)).await;

    let response = server
        .send(
            Request::new("GET", TOKENS)
                .token("op")
                .header("X-Subject-Token", &demo),
        )
        .await;
    assert_keystone_error(&response, 404, "Not Found");
    assert_eq!(
        response.json()["error"]["message"],
        "Failed to validate token"
    );
}

#[tokio::test]
async fn token_store_evicts_past_maximum() {
    let server = TestServer::start("[keystone]\nmax_tokens = 3\n").await;
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(login(&server, "demo", Some("demo")).await);
    }

    let mut statuses = Vec::new();
    for token in &tokens {
        statuses.push(server.get("/v2.1/flavors", token).await.status);
    }

    assert_eq!(statuses, [401, 401, 200, 200, 200]);
}

#[tokio::test]
async fn other_project_in_url_is_400() {
    let server = TestServer::start("").await;
    let admin = login(&server, "admin", Some("admin")).await;

    let response = server
        .get(&format!("/v2.1/{DEMO_PROJECT_ID}/flavors/1"), &admin)
        .await;

    assert_eq!(response.status, 400, "{}", response.text());
    let (fault, message) = response.fault();
    assert_eq!(fault, "badRequest");
    assert_eq!(
        message,
        format!(
            "Malformed request URL: URL's project_id '{DEMO_PROJECT_ID}' doesn't match \
             Context's project_id '{ADMIN_PROJECT_ID}'"
        )
    );
}

#[tokio::test]
async fn own_project_in_url_is_accepted() {
    let server = TestServer::start("").await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .get(&format!("/v2.1/{DEMO_PROJECT_ID}/flavors/1"), &demo)
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
}

async fn create_extra_spec(server: &TestServer, token: &str) -> Response {
    server
        .send_json(
            "POST",
            "/v2.1/flavors/1/os-extra_specs",
            token,
            r#"{"extra_specs": {"hw:cpu_policy": "dedicated"}}"#,
        )
        .await
}

#[tokio::test]
async fn nova_policy_follows_token_roles() {
    let server = TestServer::start("").await;
    let cases = [
        ("admin", "admin", 200, 200),
        ("demo", "demo", 200, 403),
        ("reader", "demo", 200, 403),
    ];
    for (user, project, read_status, write_status) in cases {
        let token = login(&server, user, Some(project)).await;
        let read = server.get("/v2.1/flavors/1/os-extra_specs", &token).await;
        assert_eq!(read.status, read_status, "{user} read: {}", read.text());
        let write = create_extra_spec(&server, &token).await;
        assert_eq!(write.status, write_status, "{user} write: {}", write.text());
    }
    let admin = login(&server, "admin", Some("admin")).await;
    let stored = server.get("/v2.1/flavors/1/os-extra_specs", &admin).await;
    assert_eq!(
        stored.json(),
        json!({"extra_specs": {"hw:cpu_policy": "dedicated"}})
    );
}

#[tokio::test]
async fn unscoped_token_cannot_read_extra_specs() {
    let server = TestServer::start("").await;
    let token = login(&server, "admin", None).await;

    let list = server.get("/v2.1/flavors", &token).await;
    let specs = server.get("/v2.1/flavors/1/os-extra_specs", &token).await;

    assert_eq!(list.status, 200);
    assert_eq!(specs.status, 403, "{}", specs.text());
}

#[tokio::test]
async fn keystone_mode_rejects_noauth_tokens() {
    let server = TestServer::start("").await;
    for token in ["notused", "admin", "admin:admin"] {
        let response = server.get("/v2.1/flavors", token).await;
        assert_unauthorized(&response);
    }
}

#[tokio::test]
async fn noauth_notused_is_admin() {
    let server = TestServer::start("auth = \"noauth\"\n").await;

    let response = create_extra_spec(&server, "notused").await;

    assert_eq!(response.status, 200, "{}", response.text());
    let other = create_extra_spec(&server, "someone").await;
    assert_eq!(other.status, 403, "{}", other.text());
}

#[tokio::test]
async fn noauth_accepts_keystone_tokens() {
    let server = TestServer::start("auth = \"noauth\"\n").await;
    let demo = login(&server, "demo", Some("demo")).await;

    let response = server
        .get(&format!("/v2.1/{DEMO_PROJECT_ID}/flavors/1"), &demo)
        .await;

    assert_eq!(response.status, 200, "{}", response.text());
}

#[tokio::test]
async fn static_token_works_in_keystone_mode() {
    let server = TestServer::start(STATIC_TOKEN_CONFIG).await;

    let response = create_extra_spec(&server, "static-admin").await;

    assert_eq!(response.status, 200, "{}", response.text());
}

#[tokio::test]
async fn version_documents_are_served() {
    let server = TestServer::start("").await;

    for path in ["/identity", "/identity/"] {
        let response = server.send(Request::new("GET", path)).await;
        assert_eq!(response.status, 300, "{path}");
        let href = format!("{}/identity/v3/", server.url());
        assert_eq!(response.header("location"), Some(href.as_str()));
        assert_eq!(
            response.json()["versions"]["values"][0]["links"][0]["href"],
            href.as_str()
        );
        assert_eq!(response.json()["versions"]["values"][0]["id"], "v3.14");
    }
    for (path, href) in [
        ("/identity/v3", "/identity/v3/"),
        ("/identity/v3/", "/identity/v3/"),
        ("/v3", "/v3/"),
        ("/v3/", "/v3/"),
    ] {
        let response = server.send(Request::new("GET", path)).await;
        assert_eq!(response.status, 200, "{path}");
        let body = response.json();
        assert_eq!(body["version"]["status"], "stable", "{path}");
        assert_eq!(
            body["version"]["links"][0]["href"],
            format!("{}{href}", server.url()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn bare_v3_issues_tokens() {
    let server = TestServer::start("").await;
    let body = password_body("demo", "secret", Some("demo"));

    let response = server
        .send(
            Request::new("POST", "/v3/auth/tokens")
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await;

    assert_eq!(response.status, 201, "{}", response.text());
}

#[tokio::test]
async fn bare_v3_can_be_disabled() {
    let server = TestServer::start("[keystone]\nserve_bare_v3 = false\n").await;

    let response = server.send(Request::new("GET", "/v3")).await;

    assert_eq!(response.status, 300);
    assert!(response.json().get("choices").is_some());
}

#[tokio::test]
async fn unknown_identity_path_is_404() {
    let server = TestServer::start("").await;

    let response = server.send(Request::new("GET", "/identity/v3/users")).await;

    assert_keystone_error(&response, 404, "Not Found");
}

#[tokio::test]
async fn unsupported_method_on_tokens_is_405() {
    let server = TestServer::start("").await;

    let response = server.send(Request::new("PUT", TOKENS)).await;

    assert_keystone_error(&response, 405, "Method Not Allowed");
}

#[tokio::test]
async fn namespace_login_stays_in_namespace() {
    let server = TestServer::start("").await;
    let body = password_body("admin", "secret", Some("admin"));

    let response = server
        .send(
            Request::new("POST", "/ns/team/identity/v3/auth/tokens")
                .header("Content-Type", "application/json")
                .body(body.to_string()),
        )
        .await;

    assert_eq!(response.status, 201, "{}", response.text());
    let catalog = &response.json()["token"]["catalog"];
    let namespace_root = format!("{}/ns/team", server.url());
    assert_eq!(
        catalog[0]["endpoints"][0]["url"],
        format!("{namespace_root}/v2.1")
    );
    assert_eq!(
        catalog[1]["endpoints"][0]["url"],
        format!("{namespace_root}/identity")
    );
    let token = response.header("x-subject-token").unwrap().to_owned();
    let write = server
        .send_json(
            "POST",
            "/ns/team/v2.1/flavors/1/os-extra_specs",
            &token,
            r#"{"extra_specs": {"k": "v"}}"#,
        )
        .await;
    assert_eq!(write.status, 200, "{}", write.text());
    let outside = server.get("/v2.1/flavors/1/os-extra_specs", &token).await;
    assert_eq!(outside.json(), json!({"extra_specs": {}}));
}
