//! The control API under `/_mock`: reset, seed, export, the request journal and
//! fault injection, plus the health checks at `/healthz` and `/readyz`.
//!
//! State operations act on one namespace when the request names one, with the
//! `/ns/{name}` path prefix or a `namespace` query parameter. Errors of the
//! control API are `{"error": "<message>"}`, so that they cannot be mistaken for
//! Nova faults.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::faults::FaultRule;
use crate::journal::{EntryView, JournalQuery};
use crate::middleware::{Namespace, namespace_error};
use crate::namespaces::SeedDocument;
use crate::state::AppState;
use crate::views;

/// Largest seed document accepted, in bytes: room for about 100 000 flavors
/// with a few extra specs each.
pub const MAX_SEED_BYTES: usize = 256 * 1024 * 1024;

/// Builds a control API error response.
pub fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    ControlError::new(status, message).into_response()
}

/// A failed control request, rendered as `{"error": "<message>"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    status: StatusCode,
    message: String,
}

impl ControlError {
    /// Builds an error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        views::json_with_status(self.status, &json!({"error": self.message}))
    }
}

fn query_error(rejection: &QueryRejection) -> ControlError {
    ControlError::new(
        StatusCode::BAD_REQUEST,
        format!("invalid query string: {}", rejection.body_text()),
    )
}

#[derive(Serialize)]
struct JournalPage {
    entries: Vec<EntryView>,
    count: usize,
    dropped: u64,
    capacity: usize,
}

/// Serves `GET /_mock/journal`: the recorded requests matching the query's
/// filters, oldest first. Under `/ns/{name}` only that namespace's requests
/// are listed.
pub async fn list_journal(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<JournalQuery>, QueryRejection>,
) -> Response {
    let query = match journal_query(prefix, query) {
        Ok(query) => query,
        Err(error) => return error.into_response(),
    };
    let (entries, count) = state.journal.query(&query);
    let stats = state.journal.stats();
    views::json(&JournalPage {
        entries: entries
            .iter()
            .map(|entry| EntryView::from(&**entry))
            .collect(),
        count,
        dropped: stats.dropped,
        capacity: stats.capacity,
    })
}

/// Serves `GET /_mock/journal/count`: how many recorded requests match.
pub async fn count_journal(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<JournalQuery>, QueryRejection>,
) -> Response {
    let query = match journal_query(prefix, query) {
        Ok(query) => query,
        Err(error) => return error.into_response(),
    };
    let (_, count) = state.journal.query(&query);
    views::json(&json!({"count": count}))
}

/// Returns the journal filters, limited to the namespace of a `/ns/{name}`
/// prefix when there is one.
fn journal_query(
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<JournalQuery>, QueryRejection>,
) -> Result<JournalQuery, ControlError> {
    let Query(mut query) = query.map_err(|rejection| query_error(&rejection))?;
    if let Some(Extension(namespace)) = prefix {
        query.namespace = Some(namespace.name.to_string());
    }
    Ok(query)
}

/// Serves `DELETE /_mock/journal`: forgets the recorded requests, those of one
/// namespace when it names one.
pub async fn clear_journal(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    match target_namespace(prefix, query) {
        Ok(Some(namespace)) => state.journal.clear_namespace(&namespace),
        Ok(None) => state.journal.clear(),
        Err(error) => return error.into_response(),
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The `namespace` query parameter of state operations.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceQuery {
    /// Namespace to act on; the default namespace when absent.
    namespace: Option<String>,
}

/// Picks the namespace a control request names: the path prefix wins over the
/// query parameter.
fn target_namespace(
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
) -> Result<Option<String>, ControlError> {
    let Query(query) = query.map_err(|rejection| query_error(&rejection))?;
    Ok(prefix
        .map(|Extension(namespace)| namespace.name.to_string())
        .or(query.namespace))
}

/// Serves `POST /_mock/reset`: returns one namespace to its seed, or, without a
/// namespace, returns the default namespace to the server seed and removes every
/// other namespace.
pub async fn reset(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    let namespace = match target_namespace(prefix, query) {
        Ok(namespace) => namespace,
        Err(error) => return error.into_response(),
    };
    match namespace.as_deref() {
        None => state.namespaces.reset_all(),
        Some(name) => {
            if let Err(error) = state.namespaces.reset(Some(name)) {
                return namespace_error(&error);
            }
        }
    }
    tracing::info!(
        namespace = namespace.as_deref().unwrap_or("all"),
        "state reset"
    );
    StatusCode::NO_CONTENT.into_response()
}

/// Serves `POST /_mock/seed`: loads a seed document (`{"flavors": [...]}` as JSON,
/// or the same as TOML with a TOML content type) and resets to it. Without a
/// namespace it becomes the seed of the default namespace and of namespaces
/// created later.
pub async fn load_seed(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let namespace = match target_namespace(prefix, query) {
        Ok(namespace) => namespace,
        Err(error) => return error.into_response(),
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let message = format!("failed to read the seed: {}", rejection.body_text());
            return control_error(rejection.status(), message);
        }
    };
    let seed = match parse_seed(&headers, &body) {
        Ok(seed) => seed,
        Err(message) => return control_error(StatusCode::BAD_REQUEST, message),
    };
    let count = seed.flavors.len();
    if let Err(error) = state.namespaces.load_seed(namespace.as_deref(), seed) {
        return namespace_error(&error);
    }
    tracing::info!(
        namespace = namespace.as_deref().unwrap_or("default"),
        flavors = count,
        "seed loaded"
    );
    StatusCode::NO_CONTENT.into_response()
}

/// Parses a seed document as TOML when the Content-Type says so, else as JSON.
fn parse_seed(headers: &HeaderMap, body: &[u8]) -> Result<SeedDocument, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if content_type.contains("toml") {
        let text = std::str::from_utf8(body).map_err(|_| "seed is not UTF-8".to_owned())?;
        toml::from_str(text).map_err(|error| format!("invalid TOML seed: {error}"))
    } else {
        serde_json::from_slice(body).map_err(|error| format!("invalid JSON seed: {error}"))
    }
}

/// Serves `GET /_mock/state`: the state as sorted JSON. With a namespace it is
/// that namespace's seed document, which `POST /_mock/seed` accepts back;
/// without one it is every namespace and the server seed.
pub async fn export_state(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    let namespace = match target_namespace(prefix, query) {
        Ok(namespace) => namespace,
        Err(error) => return error.into_response(),
    };
    match namespace {
        Some(name) => match state.namespaces.export(Some(&name)) {
            Ok(seed) => views::json(&seed),
            Err(error) => namespace_error(&error),
        },
        None => views::json(&state.namespaces.snapshot()),
    }
}

/// Serves `GET /healthz`: 200 while the process runs.
pub async fn healthz() -> Response {
    views::json(&json!({"status": "ok"}))
}

/// Serves `GET /readyz`: 200 once the state is loaded and the server listens,
/// 503 before that and while it shuts down.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_ready() {
        views::json(&json!({"status": "ready"}))
    } else {
        views::json_with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "starting"}),
        )
    }
}

/// Serves `GET /_mock/faults`: the installed fault rules with their counts;
/// under `/ns/{name}`, those that apply to that namespace.
pub async fn list_faults(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    let namespace = match target_namespace(prefix, query) {
        Ok(namespace) => namespace,
        Err(error) => return error.into_response(),
    };
    let mut rules = state.faults.list();
    if let Some(namespace) = namespace {
        rules.retain(|rule| rule.rule.namespace.as_deref() == Some(namespace.as_str()));
    }
    views::json(&json!({"faults": rules}))
}

/// Serves `POST /_mock/faults`: installs a fault rule and returns its id. A rule
/// posted under `/ns/{name}` or with `?namespace=` applies to that namespace
/// unless it names another.
pub async fn add_fault(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
    body: Bytes,
) -> Response {
    let namespace = match target_namespace(prefix, query) {
        Ok(namespace) => namespace,
        Err(error) => return error.into_response(),
    };
    let mut rule: FaultRule = match serde_json::from_slice(&body) {
        Ok(rule) => rule,
        Err(error) => {
            return control_error(
                StatusCode::BAD_REQUEST,
                format!("invalid fault rule: {error}"),
            );
        }
    };
    if rule.namespace.is_none() {
        rule.namespace = namespace;
    }
    match state.faults.add(rule) {
        Ok(id) => {
            tracing::info!(rule = id, "fault rule added");
            views::json_with_status(StatusCode::CREATED, &json!({"id": id}))
        }
        Err(error) => control_error(
            StatusCode::BAD_REQUEST,
            format!("invalid fault rule: {error}"),
        ),
    }
}

/// Serves `DELETE /_mock/faults`: removes every fault rule, or those of one
/// namespace when it names one.
pub async fn clear_faults(
    State(state): State<AppState>,
    prefix: Option<Extension<Namespace>>,
    query: Result<Query<NamespaceQuery>, QueryRejection>,
) -> Response {
    match target_namespace(prefix, query) {
        Ok(Some(namespace)) => state.faults.clear_namespace(&namespace),
        Ok(None) => state.faults.clear(),
        Err(error) => return error.into_response(),
    }
    StatusCode::NO_CONTENT.into_response()
}

/// Serves `DELETE /_mock/faults/{id}`: removes one fault rule.
pub async fn remove_fault(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let removed = id.parse::<u64>().is_ok_and(|id| state.faults.remove(id));
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        control_error(StatusCode::NOT_FOUND, format!("no fault rule with id {id}"))
    }
}
