//! Version discovery: the version list at `/`, the v2.1 version document, the
//! legacy v2.0 document and the 300 "multiple choices" for unversioned paths.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::context::Ctx;
use crate::error::{ApiError, Result};
use crate::middleware::link_root;
use crate::pyjson;
use crate::state::AppState;
use crate::views;

/// Media type clients send in `Accept` to ask `GET /` for the v2.1 document.
const COMPUTE_MEDIA_TYPE: &str = "application/vnd.openstack.compute+json";

/// Date Nova gives the v2.1 API.
const V21_UPDATED: &str = "2013-07-23T11:33:21Z";
/// Date Nova gives the v2.0 API since it was deprecated in 2025.2.
const V20_UPDATED: &str = "2025-07-04T12:00:00Z";

/// The entry of one API version in Nova's version documents; `full` adds the
/// `describedby` link and media types of the single-version document.
fn version_entry(root: &str, id: &str, max: &str, full: bool) -> serde_json::Value {
    let legacy = id == "v2.0";
    let (status, version, min_version, updated, path, media) = if legacy {
        ("DEPRECATED", "", "", V20_UPDATED, "v2/", "2")
    } else {
        ("CURRENT", max, "2.1", V21_UPDATED, "v2.1/", "2.1")
    };
    let self_link = json!({"rel": "self", "href": format!("{root}/{path}")});
    if !full {
        return json!({
            "id": id,
            "status": status,
            "version": version,
            "min_version": min_version,
            "updated": updated,
            "links": [self_link],
        });
    }
    json!({
        "id": id,
        "status": status,
        "version": version,
        "min_version": min_version,
        "updated": updated,
        "links": [
            self_link,
            {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
        ],
        "media-types": [{
            "base": "application/json",
            "type": format!("{COMPUTE_MEDIA_TYPE};version={media}"),
        }],
    })
}

/// Serves `GET /`: the list of API versions, with no token and no microversion
/// headers. A request whose `Accept` names the compute media type gets the v2.1
/// document instead, as from Nova.
pub async fn list_versions(State(state): State<AppState>, request: Request) -> Response {
    let root = link_root(&state, request.headers(), request.extensions());
    let max = state.config.max_microversion.to_string();
    let wants_v21 = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains(COMPUTE_MEDIA_TYPE));
    if wants_v21 {
        let body = json!({"version": version_entry(&root, "v2.1", &max, true)});
        let mut response = views::json(&body);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(COMPUTE_MEDIA_TYPE),
        );
        crate::microversion::insert_version_headers(response.headers_mut(), "2.1");
        return response;
    }
    let body = json!({"versions": [
        version_entry(&root, "v2.0", &max, false),
        version_entry(&root, "v2.1", &max, false),
    ]});
    views::json(&body)
}

/// Serves the v2.1 version document at `/v2.1`, `/v2.1/`, `/v2.1/{project_id}/`
/// and `/v2.1/versions/v2.1`.
pub async fn show_version(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    if ctx
        .path
        .version_id
        .as_deref()
        .is_some_and(|id| id != "v2.1")
    {
        return Err(ApiError::NotFound(
            "The resource could not be found.".to_owned(),
        ));
    }
    let max = ctx.state.config.max_microversion.to_string();
    Ok(views::json(
        &json!({"version": version_entry(ctx.root(), "v2.1", &max, true)}),
    ))
}

/// Serves `GET /v2` and `/v2/`: the document of the deprecated v2.0 API.
pub async fn show_legacy_version(State(state): State<AppState>, request: Request) -> Response {
    let root = link_root(&state, request.headers(), request.extensions());
    let max = state.config.max_microversion.to_string();
    views::json(&json!({"version": version_entry(&root, "v2.0", &max, true)}))
}

/// Serves any other path outside the APIs: Nova's 300 with the version each API
/// would give the same path.
pub async fn multiple_choices(State(state): State<AppState>, request: Request) -> Response {
    let root = link_root(&state, request.headers(), request.extensions());
    let path = request.uri().path().trim_start_matches('/');
    let choice = |id: &str, status: &str, prefix: &str, media: &str| {
        json!({
            "id": id,
            "status": status,
            "links": [{"rel": "self", "href": format!("{root}/{prefix}/{path}")}],
            "media-types": [{
                "base": "application/json",
                "type": format!("{COMPUTE_MEDIA_TYPE};version={media}"),
            }],
        })
    };
    let body = json!({"choices": [
        choice("v2.0", "DEPRECATED", "v2", "2"),
        choice("v2.1", "CURRENT", "v2.1", "2.1"),
    ]});
    (
        StatusCode::MULTIPLE_CHOICES,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        pyjson::to_python_json_string(&body),
    )
        .into_response()
}
