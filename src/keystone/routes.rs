//! Keystone's HTTP routes: version discovery and `/v3/auth/tokens`, under
//! `/identity` (devstack's layout) and, when enabled, under a bare `/v3`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get};

use super::error::KeystoneError;
use super::request::{AuthRequest, ScopeRequest, parse_auth_request};
use super::token::{TokenData, format_timestamp};
use super::views::{self, CatalogUrls};
use crate::auth::TOKEN_HEADER;
use crate::context::{BodyReadFailure, RequestId};
use crate::faults::RequestFacts;
use crate::identity::Identity;
use crate::middleware::{Namespace, OPENSTACK_REQUEST_ID, RouteInfo, inject_fault, link_root};
use crate::pyjson;
use crate::state::AppState;

/// Path prefix of the unversioned identity API, as in devstack.
pub const IDENTITY_PREFIX: &str = "/identity";

/// Header naming the token to validate or revoke.
const SUBJECT_TOKEN: HeaderName = HeaderName::from_static("x-subject-token");

/// Builds the Keystone routes.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new()
        .route(IDENTITY_PREFIX, keystone_method(get(list_versions)))
        .route(
            &format!("{IDENTITY_PREFIX}/"),
            keystone_method(get(list_versions)),
        )
        .merge(v3_routes(&format!("{IDENTITY_PREFIX}/v3")))
        .route(
            &format!("{IDENTITY_PREFIX}/{{*rest}}"),
            any(route_not_found),
        );
    if state.keystone.serve_bare_v3 {
        router = router
            .merge(v3_routes("/v3"))
            .route("/v3/{*rest}", any(route_not_found));
    }
    router.route_layer(from_fn_with_state(state.clone(), keystone_layer))
}

fn v3_routes(v3_path: &str) -> Router<AppState> {
    Router::new()
        .route(v3_path, keystone_method(get(show_version)))
        .route(&format!("{v3_path}/"), keystone_method(get(show_version)))
        .route(
            &format!("{v3_path}/auth/tokens"),
            keystone_method(get(validate_token).post(issue_token).delete(revoke_token)),
        )
}

/// Makes the methods that a route does not serve return Keystone's 405.
fn keystone_method(router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    router.fallback(|| async { KeystoneError::MethodNotAllowed })
}

async fn route_not_found() -> KeystoneError {
    KeystoneError::route_not_found()
}

/// Returns the URL of the v3 API the request came through, such as
/// `http://127.0.0.1:8774/identity/v3`, and the server root in front of it.
/// The root includes the namespace prefix of a request made in a namespace.
fn v3_url(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
    path: &str,
) -> (String, String) {
    let root = link_root(state, headers, extensions);
    let prefix = if path.starts_with(IDENTITY_PREFIX) {
        IDENTITY_PREFIX
    } else {
        ""
    };
    (format!("{root}{prefix}/v3"), root)
}

/// Adds what every Keystone response carries: the request id, the route for
/// the request log and, on a 401, the `WWW-Authenticate` challenge naming the
/// v3 URL.
async fn keystone_layer(
    State(state): State<AppState>,
    matched: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    let route = matched.as_str().to_owned();
    let request_id = request.extensions().get::<RequestId>().cloned();
    let (v3_url, _) = v3_url(
        &state,
        request.headers(),
        request.extensions(),
        request.uri().path(),
    );

    let namespace = request.extensions().get::<Namespace>().cloned();
    let facts = RequestFacts {
        method: request.method(),
        route: &route,
        flavor_id: None,
        key: None,
        project: None,
        microversion: None,
        namespace: namespace.as_ref().map(|namespace| &*namespace.name),
    };
    let mut response = match inject_fault(&state, &facts).await {
        Some(response) => response,
        None => next.run(request).await,
    };

    let headers = response.headers_mut();
    if let Some(request_id) = request_id {
        headers.insert(OPENSTACK_REQUEST_ID, request_id.header_value().clone());
    }
    if response.status() == StatusCode::UNAUTHORIZED
        && let Ok(value) = HeaderValue::from_str(&format!("Keystone uri=\"{v3_url}\""))
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response.extensions_mut().insert(RouteInfo {
        route: Some(route.into()),
        ..RouteInfo::default()
    });
    response
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        pyjson::to_python_json_string(body),
    )
        .into_response()
}

/// Serves `GET /identity`: the list of identity API versions, with status 300
/// and the preferred version in `Location`, as from Keystone.
async fn list_versions(State(state): State<AppState>, request: Request) -> Response {
    let (v3_url, _) = v3_url(
        &state,
        request.headers(),
        request.extensions(),
        request.uri().path(),
    );
    let mut response = json_response(StatusCode::MULTIPLE_CHOICES, &views::version_list(&v3_url));
    if let Ok(location) = HeaderValue::from_str(&format!("{v3_url}/")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Serves `GET /identity/v3`: the v3 version document.
async fn show_version(State(state): State<AppState>, request: Request) -> Response {
    let (v3_url, _) = v3_url(
        &state,
        request.headers(),
        request.extensions(),
        request.uri().path(),
    );
    json_response(StatusCode::OK, &views::version_document(&v3_url))
}

/// Returns the catalog URLs for a request: the compute API at `{root}/v2.1`
/// and the identity API at `{root}/identity`.
fn catalog_urls(state: &AppState, root: &str) -> CatalogUrls {
    CatalogUrls {
        compute: format!("{root}/v2.1"),
        identity: format!("{root}{IDENTITY_PREFIX}"),
        region: state.keystone.region.clone(),
    }
}

/// Tells whether the query string has the `nocatalog` parameter.
fn wants_no_catalog(query: Option<&str>) -> bool {
    query.is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some("nocatalog"))
    })
}

/// Returns the names of the user and the project a token request names, for
/// log lines. The result contains no password or token.
fn requested_names(request: &AuthRequest) -> (String, String) {
    let user = request
        .password
        .as_ref()
        .and_then(|password| {
            password
                .user
                .name
                .clone()
                .or_else(|| password.user.id.clone())
        })
        .unwrap_or_else(|| "-".to_owned());
    let project = match &request.scope {
        ScopeRequest::Project { project, .. } => project
            .name
            .clone()
            .or_else(|| project.id.clone())
            .unwrap_or_default(),
        ScopeRequest::Default | ScopeRequest::Unscoped => "-".to_owned(),
        ScopeRequest::Domain(_) => "(domain scope)".to_owned(),
        ScopeRequest::System => "(system scope)".to_owned(),
        ScopeRequest::Trust { .. } => "(trust scope)".to_owned(),
    };
    (user, project)
}

/// Serves `POST /v3/auth/tokens`: authenticates and returns 201 with the token
/// in `X-Subject-Token`.
async fn issue_token(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match crate::context::read_body_bytes(body, &state).await {
        Ok(bytes) => bytes,
        // Keystone reads a body cut short as the JSON it could read, which
        // is not valid.
        Err(BodyReadFailure::Broken) => {
            let error = KeystoneError::expecting("valid JSON", "request body");
            tracing::info!(
                status = error.status().as_u16(),
                reason = error.log_message(),
                "token request rejected: request body could not be read"
            );
            return error.into_response();
        }
        Err(failure) => return failure.response(&parts.headers),
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());

    let auth_request = match parse_auth_request(content_type.as_deref(), &bytes) {
        Ok(auth_request) => auth_request,
        Err(error) => {
            tracing::info!(
                status = error.status().as_u16(),
                reason = error.log_message(),
                "token request rejected"
            );
            return error.into_response();
        }
    };
    let (user, project) = requested_names(&auth_request);
    let issued = match state.keystone.authenticate(&auth_request) {
        Ok(issued) => issued,
        Err(error) => {
            tracing::info!(
                user = user.as_str(),
                project = project.as_str(),
                methods = auth_request.methods.join(","),
                status = error.status().as_u16(),
                reason = error.log_message(),
                "token request rejected"
            );
            return error.into_response();
        }
    };

    let token = &issued.data;
    tracing::info!(
        user = token.user.name.as_str(),
        user_domain = token.user.domain.name.as_str(),
        project = token.project.as_ref().map_or("-", |project| project.name.as_str()),
        methods = token.methods.join(","),
        expires_at = %format_timestamp(token.expires_at),
        "issued token"
    );
    let (_, root) = v3_url(&state, &parts.headers, &parts.extensions, parts.uri.path());
    let catalog = (!wants_no_catalog(parts.uri.query()))
        .then(|| views::catalog(&catalog_urls(&state, &root)));
    let mut response = json_response(StatusCode::CREATED, &views::token_body(token, catalog));
    if let Ok(value) = HeaderValue::from_str(issued.value.expose()) {
        response.headers_mut().insert(SUBJECT_TOKEN, value);
    }
    response
}

/// Returns the subject token of a validation or revocation request and its
/// data, after Keystone's checks.
///
/// # Errors
/// 401 for a missing or invalid `X-Auth-Token`, 404 for a missing, unknown or
/// expired `X-Subject-Token`, and 403 when the caller is neither an admin nor
/// the owner of the subject token.
fn authorize_subject(
    state: &AppState,
    headers: &HeaderMap,
    action: &'static str,
) -> Result<(String, Arc<TokenData>), KeystoneError> {
    let caller_token = headers
        .get(TOKEN_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .ok_or_else(|| KeystoneError::unauthorized("missing X-Auth-Token"))?;
    let caller: Arc<Identity> = state
        .authenticator
        .identify_token(caller_token)
        .ok_or_else(|| KeystoneError::unauthorized("invalid or expired X-Auth-Token"))?;

    let subject = headers
        .get(SUBJECT_TOKEN)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| KeystoneError::NotFound("No token in the request".to_owned()))?;
    let data = state
        .keystone
        .tokens
        .validate(subject)
        .ok_or_else(KeystoneError::token_not_found)?;

    // Keystone's default rule for these actions: an admin or service, or the
    // owner of the token.
    let allowed = caller.is_admin() || caller.has_role("service") || caller.user_id == data.user.id;
    if !allowed {
        return Err(KeystoneError::Forbidden(action));
    }
    Ok((subject.to_owned(), data))
}

/// Serves `GET` and `HEAD /v3/auth/tokens`: validates the token in
/// `X-Subject-Token` and returns its body.
async fn validate_token(
    State(state): State<AppState>,
    method: Method,
    request: Request,
) -> Result<Response, KeystoneError> {
    let action = if method == Method::HEAD {
        "identity:check_token"
    } else {
        "identity:validate_token"
    };
    let headers = request.headers();
    let (subject, data) = authorize_subject(&state, headers, action).inspect_err(|error| {
        tracing::debug!(
            status = error.status().as_u16(),
            reason = error.log_message(),
            "token validation rejected"
        );
    })?;
    let (_, root) = v3_url(&state, headers, request.extensions(), request.uri().path());
    let catalog = (!wants_no_catalog(request.uri().query()))
        .then(|| views::catalog(&catalog_urls(&state, &root)));
    let mut response = json_response(StatusCode::OK, &views::token_body(&data, catalog));
    if let Ok(value) = HeaderValue::from_str(&subject) {
        response.headers_mut().insert(SUBJECT_TOKEN, value);
    }
    Ok(response)
}

/// Serves `DELETE /v3/auth/tokens`: revokes the token in `X-Subject-Token`.
async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, KeystoneError> {
    let (subject, data) = authorize_subject(&state, &headers, "identity:revoke_token")
        .inspect_err(|error| {
            tracing::debug!(
                status = error.status().as_u16(),
                reason = error.log_message(),
                "token revocation rejected"
            );
        })?;
    state.keystone.tokens.revoke(&subject);
    tracing::info!(user = data.user.name.as_str(), "revoked token");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nocatalog_is_detected() {
        assert!(wants_no_catalog(Some("nocatalog")));
        assert!(wants_no_catalog(Some("a=1&nocatalog=1")));
        assert!(!wants_no_catalog(Some("catalog")));
        assert!(!wants_no_catalog(None));
    }
}
