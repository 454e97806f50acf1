//! The control API under `/_mock`: the request journal (and, in later sections of
//! this file, reset, seed, export and fault injection), plus the health checks.
//!
//! Errors of the control API are `{"error": "<message>"}` with status 400 or
//! 404, so that they cannot be mistaken for Nova faults.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::journal::{EntryView, JournalQuery};
use crate::state::AppState;
use crate::views;

/// Builds a control API error.
pub fn control_error(status: StatusCode, message: impl Into<String>) -> Response {
    views::json_with_status(status, &json!({"error": message.into()}))
}

fn query_error(rejection: &QueryRejection) -> Response {
    control_error(
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
/// filters, oldest first.
pub async fn list_journal(
    State(state): State<AppState>,
    query: Result<Query<JournalQuery>, QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => return query_error(&rejection),
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
    query: Result<Query<JournalQuery>, QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(query) => query,
        Err(rejection) => return query_error(&rejection),
    };
    let (_, count) = state.journal.query(&query);
    views::json(&json!({"count": count}))
}

/// Serves `DELETE /_mock/journal`: forgets every recorded request.
pub async fn clear_journal(State(state): State<AppState>) -> Response {
    state.journal.clear();
    StatusCode::NO_CONTENT.into_response()
}
