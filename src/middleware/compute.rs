//! Nova's pipeline around the compute handlers: request id headers, body size
//! limit and authentication before routing, then the route checks,
//! microversion negotiation and Content-Type check of Nova's router.

use std::sync::Arc;

use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{Extensions, HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{COMPUTE_REQUEST_ID, Namespace, OPENSTACK_REQUEST_ID, RouteInfo};
use crate::context::{self, LazyRoot, PathParams, RequestContext, RequestId};
use crate::error;
use crate::faults::RequestFacts;
use crate::identity::Identity;
use crate::microversion::{self, Microversion, Negotiated};
use crate::namespaces::NamespaceError;
use crate::state::AppState;

/// Tells whether a path belongs to Nova's `/v2.1` or legacy `/v2` pipeline.
pub fn is_compute_path(path: &str) -> bool {
    ["/v2.1", "/v2"].iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Tells whether a compute path is served without a token; only the version
/// documents at the API roots are.
fn is_public_compute_path(path: &str) -> bool {
    matches!(path, "/v2.1" | "/v2.1/" | "/v2" | "/v2/")
}

/// Tells whether a route belongs to the legacy v2.0 API, which Nova serves with
/// the v2.1 code in a compatibility mode: microversion headers are ignored and
/// not sent, and unknown body properties are dropped rather than rejected.
fn is_legacy_route(route: &str) -> bool {
    route.starts_with("/v2/")
}

/// Applies the middleware that Nova runs before routing on `/v2.1`: request id
/// headers, the body size limit and authentication.
///
/// It runs around the router, inside the request log, so that it sees every
/// request before routing without a layer of its own.
pub async fn compute_gate(
    state: &AppState,
    mut request: Request,
    router: axum::Router,
) -> Response {
    use tower::ServiceExt;

    let run = |request: Request| async move {
        router
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {})
    };
    let path = request.uri().path();
    if !is_compute_path(path) {
        return run(request).await;
    }
    let request_id = request.extensions().get::<RequestId>().cloned();

    let limit = state.config.max_request_body_size as u64;
    let mut response = if context::content_length(request.headers()).is_some_and(|n| n > limit) {
        error::request_too_large(request.headers())
    } else if is_public_compute_path(path) {
        run(request).await
    } else {
        match state.authenticator.authenticate(request.headers()) {
            Some(identity) => {
                request.extensions_mut().insert(identity);
                run(request).await
            }
            None => error::unauthorized(&keystone_url(state, &request)),
        }
    };

    if let Some(request_id) = request_id {
        let value = request_id.header_value();
        response
            .headers_mut()
            .insert(OPENSTACK_REQUEST_ID, value.clone());
        response
            .headers_mut()
            .insert(COMPUTE_REQUEST_ID, value.clone());
    }
    response
}

/// Route templates whose handlers serve the version document; only these answer
/// HEAD, and only the first two need no token.
const VERSION_ROUTES: [&str; 4] = [
    "/v2.1",
    "/v2.1/",
    "/v2.1/{project_id}/",
    "/v2.1/versions/{version_id}",
];

/// Runs the per-route steps of Nova's pipeline after a route matched: the path
/// parameter rules of Nova's router, microversion negotiation and the
/// Content-Type check. It then stores the [`RequestContext`] for the handler and
/// adds the version headers to the response.
pub async fn compute_context(
    State(state): State<AppState>,
    matched: MatchedPath,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    let route: Arc<str> = matched.as_str().into();
    let mut info = RouteInfo {
        route: Some(route.clone()),
        identity: request.extensions().get::<Arc<Identity>>().cloned(),
        ..RouteInfo::default()
    };

    // Nova's router knows no HEAD routes besides the version document, and only
    // matches a project id of lower-case hex digits and dashes.
    let path = params.ok().and_then(|params| decode_params(&params));
    let head_allowed = VERSION_ROUTES.contains(&&*route);
    let Some(path) = path.filter(|_| request.method() != Method::HEAD || head_allowed) else {
        return with_info(error::route_not_found(request.headers()), info);
    };
    info.flavor_id.clone_from(&path.flavor_id);
    info.key.clone_from(&path.key);

    let headers = request.headers();
    let legacy_v2 = is_legacy_route(&route);
    let negotiated = if legacy_v2 {
        Negotiated::Version(Microversion::MIN)
    } else {
        microversion::negotiate(headers, state.config.max_microversion)
    };
    let version = match negotiated {
        Negotiated::Version(version) => version,
        Negotiated::Malformed(error) => return with_info(error.into_response(), info),
        Negotiated::Unsupported { requested, error } => {
            let mut response = error.into_response();
            microversion::insert_version_headers(response.headers_mut(), &requested);
            info.microversion = Some(requested);
            return with_info(response, info);
        }
    };
    let version_text = version.to_string();
    info.microversion = Some(version_text.clone());

    let namespace = request
        .extensions()
        .get::<Namespace>()
        .map(|ns| ns.name.clone());
    let store = match state.namespaces.store(namespace.as_deref()) {
        Ok(store) => store,
        Err(error) => return with_info(namespace_error(&error), info),
    };

    let facts = RequestFacts {
        method: request.method(),
        route: &route,
        flavor_id: path.flavor_id.as_deref(),
        key: path.key.as_deref(),
        project: info
            .identity
            .as_deref()
            .map(|identity| identity.project_id.as_str()),
        microversion: Some(&version_text),
        namespace: namespace.as_deref(),
    };
    if let Some(mut response) = super::inject_fault(&state, &facts).await {
        if !legacy_v2 {
            microversion::insert_negotiated_headers(response.headers_mut(), version);
        }
        return with_info(response, info);
    }

    let mut response = match context::check_content_type(headers) {
        Err(error) => error.into_response(),
        Ok(()) => {
            let root = LazyRoot::new(
                state.public_url.clone(),
                headers.get(header::HOST).cloned(),
                namespace,
                state.config.bind,
            );
            let context = RequestContext {
                request_id: request
                    .extensions()
                    .get::<RequestId>()
                    .cloned()
                    .unwrap_or_else(|| RequestId::generate(&state.ids)),
                microversion: version,
                identity: request.extensions().get::<Arc<Identity>>().cloned(),
                path,
                uri: request.uri().clone(),
                root,
                store,
                state: state.clone(),
                legacy_v2,
            };
            request.extensions_mut().insert(context);
            next.run(request).await
        }
    };
    if !legacy_v2 {
        microversion::insert_negotiated_headers(response.headers_mut(), version);
    }
    with_info(response, info)
}

/// Builds the answer to a request for a namespace that cannot be used: 400 for
/// an invalid name, 409 when the namespace limit is reached. The body has the
/// control API's error shape, since no Nova would send it.
pub fn namespace_error(error: &NamespaceError) -> Response {
    let status = match error {
        NamespaceError::LimitReached(_) => StatusCode::CONFLICT,
        NamespaceError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    tracing::info!(%error, "namespace rejected");
    crate::routes::control::control_error(status, error.to_string())
}

fn with_info(mut response: Response, info: RouteInfo) -> Response {
    response.extensions_mut().insert(info);
    response
}

/// Decodes and checks path parameters; `None` means Nova's router would not have
/// matched the path.
fn decode_params(params: &RawPathParams) -> Option<PathParams> {
    let mut path = PathParams::default();
    for (name, value) in params {
        if value.contains('/') {
            return None;
        }
        match name {
            "project_id" => {
                let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-';
                if value.is_empty() || !value.bytes().all(hex) {
                    return None;
                }
                path.project_id = Some(value.to_owned());
            }
            "flavor_id" => path.flavor_id = Some(Arc::from(value)),
            "key" => path.key = Some(Arc::from(value)),
            "version_id" => path.version_id = Some(value.to_owned()),
            _ => {}
        }
    }
    Some(path)
}

/// Returns the scheme, host and prefix that links start with: the configured
/// public URL, or `http://` and the request's `Host`, followed by the namespace
/// prefix when the request came through one.
pub fn link_root(state: &AppState, headers: &HeaderMap, extensions: &Extensions) -> String {
    let base = if state.config.public_url.is_empty() {
        let host = headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .map_or_else(|| state.config.bind.to_string(), str::to_owned);
        format!("http://{host}")
    } else {
        state.config.public_url.trim_end_matches('/').to_owned()
    };
    match extensions.get::<Namespace>() {
        Some(namespace) => format!("{base}{}", namespace.prefix()),
        None => base,
    }
}

/// Returns the Keystone URL named in `WWW-Authenticate` on a 401.
fn keystone_url(state: &AppState, request: &Request) -> String {
    format!(
        "{}/identity",
        link_root(state, request.headers(), request.extensions())
    )
}

/// Handles a request to `/v2.1/...` that matched no route: Nova's plain 404,
/// reached only after authentication.
pub async fn compute_fallback(request: Request) -> Response {
    error::route_not_found(request.headers())
}
