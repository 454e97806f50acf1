//! The request pipeline in front of the handlers, in Nova's order: request id,
//! logging and journal; then, for the compute API, body size, authentication,
//! routing, microversion and Content-Type.

mod compute;
mod namespace;
mod request_log;

use std::sync::Arc;

use axum::http::HeaderName;

use crate::identity::Identity;

pub use compute::{
    compute_context, compute_fallback, compute_gate, is_compute_path, link_root, namespace_error,
};
pub use namespace::{NAMESPACE_SEGMENT, Namespace, strip_namespace};
pub use request_log::log_requests;

/// Header with the request id, sent by every OpenStack service.
pub const OPENSTACK_REQUEST_ID: HeaderName = HeaderName::from_static("x-openstack-request-id");
/// Nova's own copy of the request id header.
pub const COMPUTE_REQUEST_ID: HeaderName = HeaderName::from_static("x-compute-request-id");

/// What the inner layers learned about a request, left on the response for the
/// request log and the journal.
#[derive(Debug, Clone, Default)]
pub struct RouteInfo {
    /// The matched route template, such as `/v2.1/flavors/{flavor_id}`.
    pub route: Option<Arc<str>>,
    /// The negotiated or requested microversion.
    pub microversion: Option<String>,
    /// The caller, once authenticated.
    pub identity: Option<Arc<Identity>>,
    /// `{flavor_id}` of the route.
    pub flavor_id: Option<String>,
    /// `{key}` of the route.
    pub key: Option<String>,
}
