//! The outermost layer: assigns the request id, logs one line per request and
//! records the request in the journal.

use std::time::{Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{CloseConnection, InjectedFault, Namespace, RouteInfo};
use crate::context::{self, CapturedBody, RequestId};
use crate::error::ApiError;
use crate::journal::{JournalEntry, RecordedBody, truncate_recorded};
use crate::namespaces::NamespaceError;
use crate::state::AppState;
use crate::telemetry::RequestLine;

/// Logs one line per request and assigns its request id. `length` is the
/// request's `Content-Length`.
pub async fn log_requests(
    state: AppState,
    request: Request,
    router: axum::Router,
    length: Option<u64>,
) -> Response {
    if let Some(namespace) = request.extensions().get::<Namespace>()
        && !crate::namespaces::is_valid_name(&namespace.name)
    {
        let error = NamespaceError::InvalidName(namespace.name.to_string());
        return super::namespace_error(&error);
    }
    let started = Instant::now();
    let time = SystemTime::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let namespace = request.extensions().get::<Namespace>().cloned();
    let request_id = RequestId::generate(&state.ids);

    let journaled = state.journal.is_enabled() && is_journaled(&path);
    let (request, body) = if journaled && context::method_has_body(&method) {
        capture_body(request, &state, length).await
    } else {
        (request, None)
    };

    let changes_before = state.namespaces.changes().current();
    let (mut response, compute_info) =
        super::compute_gate(&state, request, router, length, request_id.clone()).await;

    // A change is acknowledged only once the state file holds it.
    if let Some(persistence) = state.persistence.get()
        && state.namespaces.changes().current() != changes_before
        && let Err(error) = persistence.sync().await
    {
        tracing::error!(request_id = %request_id, error, "change not saved to the state file");
        let info = response.extensions_mut().remove::<RouteInfo>();
        response = ApiError::Other {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!(
                "The change was applied but could not be saved to the state file: {error}"
            ),
        }
        .into_response();
        if let Some(info) = info {
            response.extensions_mut().insert(info);
        }
    }

    // Taken rather than borrowed: this layer is the last to need it, and the
    // journal keeps its fields.
    let info = compute_info
        .or_else(|| response.extensions_mut().remove::<RouteInfo>())
        .unwrap_or_default();
    let route = info.route.as_deref().unwrap_or("-");
    let version = info.microversion.as_deref().unwrap_or("-");
    // A connection closed by a fault rule gets no answer at all; status 0 in
    // the log and the journal says so.
    let closed = response.extensions().get::<CloseConnection>().is_some();
    let status = if closed {
        0
    } else {
        response.status().as_u16()
    };
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let fault = response
        .extensions()
        .get::<ApiError>()
        .map(ToString::to_string);
    crate::telemetry::log_request(&RequestLine {
        method: method.as_str(),
        path: &path,
        namespace: namespace.as_ref().map(|namespace| &*namespace.name),
        route,
        status,
        microversion: version,
        request_id: request_id.as_str(),
        latency_us,
        fault: fault.as_deref(),
    });

    if journaled {
        state.journal.record(JournalEntry {
            seq: 0,
            time,
            namespace: namespace.map(|namespace| namespace.name),
            method,
            body: body.and_then(|bytes| RecordedBody::new(&bytes, is_identity_path(&path))),
            path,
            query,
            route: info.route,
            flavor_id: info.flavor_id,
            key: info.key,
            identity: info.identity,
            microversion: info.microversion,
            request_id,
            status,
            fault: fault.map(truncate_recorded),
            injected_by: response
                .extensions()
                .get::<InjectedFault>()
                .map(|fault| fault.0),
            latency_us,
        });
    }
    response
}

/// Tells whether requests to a path go into the journal: those of the Nova and
/// Keystone APIs, not those of the control API.
fn is_journaled(path: &str) -> bool {
    !path.starts_with(crate::routes::CONTROL_PREFIX)
}

/// Tells whether a path belongs to Keystone, whose bodies carry secrets.
fn is_identity_path(path: &str) -> bool {
    path.starts_with("/identity") || path.starts_with("/v3")
}

/// Tells whether the request log reads this request's body for the journal,
/// given its `Content-Length`.
pub(super) fn captures_body(state: &AppState, request: &Request, length: Option<u64>) -> bool {
    let limit = state.config.max_request_body_size as u64;
    state.journal.is_enabled()
        && is_journaled(request.uri().path())
        && context::method_has_body(request.method())
        && length.is_some_and(|length| length <= limit)
}

/// Reads a request body into memory for the journal and puts it back.
///
/// Only bodies with a `Content-Length` within the size limit are read; the
/// others pass untouched, so the 413 and the chunked-body rules further in
/// still apply to them. A body that fails to arrive is replaced by one that
/// fails the same way when the handler reads it, so the token and route checks
/// still come first, as without the journal.
async fn capture_body(
    request: Request,
    state: &AppState,
    length: Option<u64>,
) -> (Request, Option<Bytes>) {
    let limit = state.config.max_request_body_size;
    let within_limit = length.is_some_and(|length| length <= limit as u64);
    if !within_limit {
        return (request, None);
    }
    let (mut parts, body) = request.into_parts();
    match context::read_body_bytes(body, state).await {
        Ok(bytes) => {
            // Nova handlers take the body from here instead of reading it
            // again; the others, Keystone's among them, read the copy put back
            // as the body.
            parts.extensions.insert(CapturedBody(bytes.clone()));
            (
                Request::from_parts(parts, Body::from(bytes.clone())),
                Some(bytes),
            )
        }
        Err(failure) => {
            let replay = Body::new(context::FailedBody::new(failure));
            (Request::from_parts(parts, replay), None)
        }
    }
}
