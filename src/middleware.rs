//! The request pipeline in front of the handlers, in Nova's order: request id,
//! logging and journal; then, for the compute API, body size, authentication,
//! routing, microversion and Content-Type.

mod compute;
mod namespace;
mod request_log;

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::faults::{FaultAction, RequestFacts};
use crate::identity::Identity;
use crate::state::AppState;

pub(crate) use compute::route_context;
pub use compute::{compute_fallback, is_compute_path, link_root, namespace_error};
pub use namespace::{NAMESPACE_SEGMENT, Namespace, strip_namespace};
pub use request_log::log_requests;

use compute::compute_gate;

/// Header with the request id, sent by every OpenStack service.
pub const OPENSTACK_REQUEST_ID: HeaderName = HeaderName::from_static("x-openstack-request-id");
/// Nova's own copy of the request id header.
pub const COMPUTE_REQUEST_ID: HeaderName = HeaderName::from_static("x-compute-request-id");

/// Serves one request: removes the namespace prefix, bounds the time between
/// body reads, and runs the request log and the compute gate around the
/// router. The server calls it for every request; [`crate::app`] wraps it for
/// embedders.
pub async fn handle(state: AppState, router: axum::Router, request: Request) -> Response {
    let mut request = strip_namespace(request);
    // Read once here: several steps below need it.
    let length = crate::context::content_length(request.headers());
    // A body the journal reads whole has a deadline there already.
    if has_body(&request, length) && !request_log::captures_body(&state, &request, length) {
        let timeout = std::time::Duration::from_secs(state.config.limits.body_read_timeout_seconds);
        request = request.map(|body| {
            axum::body::Body::new(tower_http::timeout::TimeoutBody::new(timeout, body))
        });
    }
    log_requests(state, request, router, length).await
}

/// Tells whether a request announces a body, by its `Content-Length` or
/// chunked encoding.
fn has_body(request: &Request, length: Option<u64>) -> bool {
    request.headers().contains_key(header::TRANSFER_ENCODING) || length.is_some_and(|n| n > 0)
}

/// Marks a response produced by a fault rule, with the rule's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InjectedFault(pub u64);

/// Marks a response whose connection must be closed without sending it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseConnection;

/// Applies the first fault rule that fires on a request: returns the fault
/// response (or a connection-closing marker response), or waits out an
/// injected delay and returns `None` so the request is served normally.
pub async fn inject_fault(state: &AppState, facts: &RequestFacts<'_>) -> Option<Response> {
    let firing = state.faults.check(facts, &state.ids)?;
    tracing::info!(rule = firing.rule_id, method = %facts.method, route = facts.route, "fault rule fired");
    let mut response = match firing.action {
        FaultAction::Delay { ms } => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            return None;
        }
        FaultAction::Close => {
            let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
            response.extensions_mut().insert(CloseConnection);
            response
        }
        FaultAction::Error {
            status,
            message,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let message = message
                .unwrap_or_else(|| format!("Fault injected by mock-nova rule {}.", firing.rule_id));
            let mut response = ApiError::Other { status, message }.into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
    };
    response
        .extensions_mut()
        .insert(InjectedFault(firing.rule_id));
    Some(response)
}

/// What the inner layers learned about a request, left on the response for the
/// request log and the journal.
#[derive(Debug, Clone, Default)]
pub struct RouteInfo {
    /// The matched route template, such as `/v2.1/flavors/{flavor_id}`.
    pub route: Option<Cow<'static, str>>,
    /// The negotiated or requested microversion.
    pub microversion: Option<Cow<'static, str>>,
    /// The caller, once authenticated.
    pub identity: Option<Arc<Identity>>,
    /// `{flavor_id}` of the route.
    pub flavor_id: Option<Arc<str>>,
    /// `{key}` of the route.
    pub key: Option<Arc<str>>,
}
