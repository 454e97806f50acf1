//! Nova's pipeline around the compute handlers: request id headers, body size
//! limit and authentication before routing, then the route checks,
//! microversion negotiation and Content-Type check of Nova's router.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{COMPUTE_REQUEST_ID, Namespace, OPENSTACK_REQUEST_ID, RouteInfo};
use crate::context::{self, LazyRoot, PathParams, RequestContext, RequestId};
use crate::error;
use crate::faults::RequestFacts;
use crate::identity::Identity;
use crate::microversion::{self, Microversion, Negotiated};
use crate::namespaces::NamespaceError;
use crate::routes::HotMatch;
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
/// request before routing without a layer of its own. It returns the route
/// facts of a compute request beside the response, and leaves those of other
/// requests in the response's extensions. `length` is the request's
/// `Content-Length`.
pub async fn compute_gate(
    state: &AppState,
    request: Request,
    router: axum::Router,
    length: Option<u64>,
    request_id: RequestId,
) -> (Response, Option<RouteInfo>) {
    use tower::ServiceExt;

    // Requests the router serves find their id among the extensions; those
    // matched before it get it as an argument.
    let run = |mut request: Request| {
        request.extensions_mut().insert(request_id.clone());
        async move {
            router
                .oneshot(request)
                .await
                .unwrap_or_else(|never| match never {})
        }
    };
    let path = request.uri().path();
    if !is_compute_path(path) {
        return (run(request).await, None);
    }

    // The router's route step leaves its outcome in the slot of the scope.
    let via_router = |mut request: Request, identity| {
        let slot = RouteSlot::default();
        let scope = ComputeScope {
            identity,
            slot: slot.clone(),
        };
        request.extensions_mut().insert(scope);
        async move {
            let mut response = run(request).await;
            let info = slot.take().map(|outcome| outcome.apply(&mut response));
            (response, info)
        }
    };
    let limit = state.config.max_request_body_size as u64;
    let (mut response, info) = if length.is_some_and(|n| n > limit) {
        (error::request_too_large(request.headers()), None)
    } else if is_public_compute_path(path) {
        via_router(request, None).await
    } else {
        match state.authenticator.authenticate(request.headers()) {
            Some(identity) => match find_hot(&request) {
                Some(hot) => serve_hot(state, request, identity, &hot, request_id.clone()).await,
                None => via_router(request, Some(identity)).await,
            },
            None if state.authenticator.offers_noauth_token(request.headers()) => {
                (noauth_token_page(state, &request), None)
            }
            None => (error::unauthorized(&keystone_url(state, &request)), None),
        }
    };

    let value = request_id.header_value();
    response
        .headers_mut()
        .insert(OPENSTACK_REQUEST_ID, value.clone());
    response
        .headers_mut()
        .insert(COMPUTE_REQUEST_ID, value.clone());
    (response, info)
}

#[cfg(test)]
thread_local! {
    /// Makes the gate leave every request to the router, so that tests can
    /// compare the two ways of serving a route.
    static ROUTER_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Matches the routes the gate serves without the router.
fn find_hot(request: &Request) -> Option<HotMatch> {
    #[cfg(test)]
    if ROUTER_ONLY.get() {
        return None;
    }
    HotMatch::find(request.method(), request.uri().path())
}

/// Serves a request whose route the gate matched before the router: runs the
/// route step and the handler directly, with the facts the router path passes
/// in the request's extensions given as arguments instead.
async fn serve_hot(
    state: &AppState,
    request: Request,
    identity: Arc<Identity>,
    hot: &HotMatch,
    request_id: RequestId,
) -> (Response, Option<RouteInfo>) {
    let (mut parts, body) = request.into_parts();
    let gate = GateFacts {
        identity: Some(identity),
        hot: Some(hot),
        request_id: Some(request_id),
    };
    let mut outcome = RouteOutcome::default();
    let mut response = match route_steps(&mut parts, state, gate, &mut outcome).await {
        Ok(context) => hot.serve(context, parts, body, state).await,
        Err(response) => response,
    };
    crate::routes::set_content_length(&mut response);
    let info = outcome.apply(&mut response);
    (response, Some(info))
}

/// Route templates whose handlers serve the version document; only these answer
/// HEAD, and only the first two need no token.
const VERSION_ROUTES: [&str; 4] = [
    "/v2.1",
    "/v2.1/",
    "/v2.1/{project_id}/",
    "/v2.1/versions/{version_id}",
];

/// The version headers a compute response carries.
#[derive(Debug, Clone, Default)]
enum VersionHeaders {
    /// None: the request failed before negotiation, or used the legacy API.
    #[default]
    None,
    /// The negotiated microversion.
    Negotiated(Microversion),
    /// A requested microversion outside the supported range, echoed as sent.
    Requested(String),
}

/// Facts about a request that the route step found. The step runs as the
/// handlers' [`crate::context::Ctx`] extractor, which cannot touch the
/// response, so it leaves these for the gate, which puts them on the response.
#[derive(Debug, Clone, Default)]
struct RouteOutcome {
    info: RouteInfo,
    headers: VersionHeaders,
}

/// The facts the gate hands to the route step with the request. They travel
/// as one extension, so that a request pays for one insertion.
#[derive(Debug, Clone)]
pub(crate) struct ComputeScope {
    /// The caller; absent on the version documents, which need no token.
    identity: Option<Arc<Identity>>,
    slot: RouteSlot,
}

/// The facts the gate has about a request when its route step starts.
struct GateFacts<'a> {
    /// The caller; absent on the version documents, which need no token.
    identity: Option<Arc<Identity>>,
    /// The route, when the gate matched it before the router.
    hot: Option<&'a HotMatch>,
    /// The request's id; absent only on requests that bypassed the request
    /// log, such as a router driven directly in tests.
    request_id: Option<RequestId>,
}

/// A one-time slot the gate hands to the route step with the request.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteSlot(Arc<OnceLock<RouteOutcome>>);

impl RouteSlot {
    fn fill(&self, outcome: RouteOutcome) {
        // The extractor runs once per request, so the slot is always empty here.
        let _ = self.0.set(outcome);
    }

    /// Returns what the route step left, if one ran.
    fn take(self) -> Option<RouteOutcome> {
        match Arc::try_unwrap(self.0) {
            Ok(cell) => cell.into_inner(),
            Err(shared) => shared.get().cloned(),
        }
    }
}

impl RouteOutcome {
    /// Puts the version headers on the response and returns the route facts.
    fn apply(self, response: &mut Response) -> RouteInfo {
        match &self.headers {
            VersionHeaders::None => {}
            VersionHeaders::Negotiated(version) => {
                microversion::insert_negotiated_headers(response.headers_mut(), *version);
            }
            VersionHeaders::Requested(requested) => {
                microversion::insert_version_headers(response.headers_mut(), requested);
            }
        }
        self.info
    }
}

/// Runs the per-route steps of Nova's pipeline after a route matched: the path
/// parameter rules of Nova's router, microversion negotiation, fault rules and
/// the Content-Type check. It returns the [`RequestContext`] for the handler,
/// or the error response, and leaves the version headers and route facts for
/// the gate in either case.
pub(crate) async fn route_context(
    parts: &mut Parts,
    state: &AppState,
) -> Result<RequestContext, Response> {
    let scope = parts.extensions.get::<ComputeScope>();
    let slot = scope.map(|scope| scope.slot.clone()).unwrap_or_default();
    let gate = GateFacts {
        identity: scope.and_then(|scope| scope.identity.clone()),
        hot: None,
        request_id: parts.extensions.get::<RequestId>().cloned(),
    };
    let mut outcome = RouteOutcome::default();
    let result = route_steps(parts, state, gate, &mut outcome).await;
    slot.fill(outcome);
    result
}

async fn route_steps(
    parts: &mut Parts,
    state: &AppState,
    gate: GateFacts<'_>,
    outcome: &mut RouteOutcome,
) -> Result<RequestContext, Response> {
    let GateFacts {
        identity,
        hot,
        request_id,
    } = gate;
    let route: Cow<'static, str> = match hot {
        Some(hot) => Cow::Borrowed(hot.template),
        None => parts
            .extensions
            .get::<MatchedPath>()
            .map_or(String::new(), |matched| matched.as_str().to_owned())
            .into(),
    };
    outcome.info = RouteInfo {
        route: Some(route.clone()),
        identity: identity.clone(),
        ..RouteInfo::default()
    };
    let info = &mut outcome.info;

    // Nova's router knows no HEAD routes besides the version document, and only
    // matches a project id of lower-case hex digits and dashes.
    let path = match hot {
        Some(hot) => hot.params(parts.uri.path()).and_then(|params| {
            decode_params(
                params
                    .iter()
                    .flatten()
                    .map(|(name, value)| (*name, &**value)),
            )
        }),
        None => RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|params| decode_params(&params)),
    };
    let head_allowed = VERSION_ROUTES.contains(&&*route);
    let Some(path) = path.filter(|_| parts.method != Method::HEAD || head_allowed) else {
        return Err(error::route_not_found(&parts.headers));
    };
    info.flavor_id.clone_from(&path.flavor_id);
    info.key.clone_from(&path.key);

    let headers = &parts.headers;
    let legacy_v2 = is_legacy_route(&route);
    let negotiated = if legacy_v2 {
        Negotiated::Version(Microversion::MIN)
    } else {
        microversion::negotiate(headers, state.config.max_microversion)
    };
    let version = match negotiated {
        Negotiated::Version(version) => version,
        Negotiated::Malformed(error) => return Err(error.into_response()),
        Negotiated::Unsupported { requested, error } => {
            info.microversion = Some(requested.clone().into());
            outcome.headers = VersionHeaders::Requested(requested);
            return Err(error.into_response());
        }
    };
    let version_text = version.text();
    info.microversion = Some(version_text.clone());
    if !legacy_v2 {
        outcome.headers = VersionHeaders::Negotiated(version);
    }

    let namespace = parts
        .extensions
        .get::<Namespace>()
        .map(|ns| ns.name.clone());
    let store = match state.namespaces.store(namespace.as_deref()) {
        Ok(store) => store,
        Err(error) => return Err(namespace_error(&error)),
    };

    let facts = RequestFacts {
        method: &parts.method,
        route: &route,
        flavor_id: path.flavor_id.as_deref(),
        key: path.key.as_deref(),
        project: identity
            .as_deref()
            .map(|identity| identity.project_id.as_str()),
        microversion: Some(&version_text),
        namespace: namespace.as_deref(),
    };
    if let Some(response) = super::inject_fault(state, &facts).await {
        return Err(response);
    }

    context::check_content_type(headers).map_err(IntoResponse::into_response)?;
    let root = LazyRoot::new(
        state.public_url.clone(),
        headers.get(header::HOST).cloned(),
        namespace,
        state.config.bind,
    );
    Ok(RequestContext {
        request_id: request_id.unwrap_or_else(|| RequestId::generate(&state.ids)),
        microversion: version,
        identity,
        path,
        uri: parts.uri.clone(),
        root,
        store,
        state: state.clone(),
        legacy_v2,
    })
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
    tracing::info!(error = error.to_string().as_str(), "namespace rejected");
    crate::routes::control::control_error(status, error.to_string())
}

/// Decodes and checks path parameters; `None` means Nova's router would not have
/// matched the path.
fn decode_params<'n, 'v>(
    params: impl IntoIterator<Item = (&'n str, &'v str)>,
) -> Option<PathParams> {
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

/// Builds noauth2's response to a request without a token: a 204 whose
/// `X-Auth-Token` is `user:project`, from `X-Auth-User` and
/// `X-Auth-Project-Id` (each `admin` when absent). `X-Server-Management-Url`
/// is the request's URL followed by that project.
fn noauth_token_page(state: &AppState, request: &Request) -> Response {
    let headers = request.headers();
    let header_or_admin = |name: &str| {
        headers
            .get(name)
            .map_or(&b"admin"[..], HeaderValue::as_bytes)
    };
    let (user, project) = (
        header_or_admin("x-auth-user"),
        header_or_admin("x-auth-project-id"),
    );
    let token = [user, b":", project].concat();
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str());
    let url = format!("{}{path}", link_root(state, headers, request.extensions()));
    let mut management_url = url.trim_end_matches('/').as_bytes().to_vec();
    management_url.push(b'/');
    management_url.extend_from_slice(project);

    let mut response = StatusCode::NO_CONTENT.into_response();
    let page_headers = response.headers_mut();
    page_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    // The parts come from header values, the URI and `public_url`. A value
    // that is still not a valid header value is left out.
    if let Ok(value) = HeaderValue::from_bytes(&token) {
        page_headers.insert(crate::auth::TOKEN_HEADER, value);
    }
    if let Ok(value) = HeaderValue::from_bytes(&management_url) {
        page_headers.insert("x-server-management-url", value);
    }
    response
}

/// Handles a request to `/v2.1/...` that matched no route: Nova's plain 404,
/// reached only after authentication.
pub async fn compute_fallback(request: Request) -> Response {
    error::route_not_found(request.headers())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;

    use super::*;
    use crate::config::{AuthMode, Config};

    /// A request to send: method, URI, headers and JSON body.
    type TestRequest<'a> = (Method, &'a str, &'a [(&'a str, &'a str)], &'a str);

    /// Serves one request through the gate, before or only through the router,
    /// and returns everything a client or the request log would see.
    async fn serve(
        state: &AppState,
        router_only: bool,
        request: &TestRequest<'_>,
        request_id: &RequestId,
    ) -> String {
        let (method, uri, headers, body) = request;
        let mut builder = axum::http::Request::builder().method(method).uri(*uri);
        for (name, value) in *headers {
            builder = builder.header(*name, *value);
        }
        if !body.is_empty() {
            builder = builder
                .header(header::CONTENT_LENGTH, body.len())
                .header(header::CONTENT_TYPE, "application/json");
        }
        let request = builder.body(Body::from(body.to_string())).expect("request");
        let length = context::content_length(request.headers());
        let router = crate::routes::router(state.clone());
        ROUTER_ONLY.set(router_only);
        let (response, info) =
            compute_gate(state, request, router, length, request_id.clone()).await;
        ROUTER_ONLY.set(false);
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 1 << 20).await.expect("body");
        let headers: Vec<(&str, &HeaderValue)> = parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value))
            .collect();
        format!(
            "{} {headers:?} {} {info:?}",
            parts.status,
            String::from_utf8_lossy(&body)
        )
    }

    /// The routes served before the router respond to every request, valid
    /// or not, exactly as the router does: status, headers in order, body and
    /// the facts for the request log.
    #[tokio::test]
    async fn hot_routes_match_router() {
        let admin = [("x-auth-token", "admin:abc")];
        let member = [("x-auth-token", "member:abc")];
        let other_project = [("x-auth-token", "admin:def")];
        let version = |text| {
            [
                ("x-auth-token", "admin:abc"),
                ("openstack-api-version", text),
            ]
        };
        let (v2_61, v2_86, v9_9, bad) = (
            version("compute 2.61"),
            version("compute 2.86"),
            version("compute 9.9"),
            version("compute two"),
        );
        let text_body = [
            ("x-auth-token", "admin:abc"),
            ("content-type", "text/plain"),
        ];

        let specs = "/v2.1/abc/flavors/1/os-extra_specs";
        let spec = "/v2.1/abc/flavors/1/os-extra_specs/k1";
        let requests: [TestRequest<'_>; 24] = [
            (Method::GET, specs, &admin, ""),
            (Method::GET, spec, &admin, ""),
            (Method::PUT, spec, &admin, r#"{"k1": "v1"}"#),
            (Method::GET, spec, &admin, ""),
            (Method::PUT, spec, &admin, r#"{"k2": "v"}"#),
            (Method::PUT, spec, &admin, "{"),
            (Method::PUT, spec, &member, r#"{"k1": "v"}"#),
            (Method::PUT, spec, &text_body, ""),
            (
                Method::PUT,
                "/v2.1/abc/flavors/1/os-extra_specs/hw:cpu_policy",
                &v2_86,
                r#"{"hw:cpu_policy": "x"}"#,
            ),
            (
                Method::PUT,
                "/v2.1/abc/flavors/99/os-extra_specs/k1",
                &admin,
                r#"{"k1": "v"}"#,
            ),
            (
                Method::POST,
                specs,
                &admin,
                r#"{"extra_specs": {"a": "b", "c": 1}}"#,
            ),
            (Method::POST, specs, &admin, r#"{"specs": {}}"#),
            (Method::DELETE, spec, &admin, ""),
            (Method::DELETE, spec, &admin, ""),
            (Method::GET, "/v2.1/abc/flavors/detail", &v2_61, ""),
            (Method::GET, "/v2.1/abc/flavors", &v9_9, ""),
            (Method::GET, "/v2.1/abc/flavors/1", &bad, ""),
            (Method::GET, "/v2.1/flavors/1", &admin, ""),
            (Method::GET, "/v2.1/def/flavors/1", &admin, ""),
            (Method::GET, "/v2.1/abc/flavors/1", &other_project, ""),
            (Method::GET, "/v2.1/ABC/flavors/1", &admin, ""),
            (
                Method::GET,
                "/v2.1/abc/flavors/a%20b/os-extra_specs/%FF",
                &admin,
                "",
            ),
            (
                Method::GET,
                "/v2.1/abc/flavors/1/os-extra_specs?x=1",
                &version("compute 2.102"),
                "",
            ),
            (Method::GET, "/v2.1/abc/flavors/99", &member, ""),
        ];

        let config = || Config {
            auth: AuthMode::Noauth,
            ..Config::default()
        };
        let hot = AppState::new(config()).expect("state");
        let router = AppState::new(config()).expect("state");

        for request in &requests {
            let request_id = RequestId::generate(&hot.ids);
            let expected = serve(&router, true, request, &request_id).await;
            let served = serve(&hot, false, request, &request_id).await;
            assert_eq!(served, expected, "{} {}", request.0, request.1);
        }
    }
}
