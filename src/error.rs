//! Error responses: Nova's JSON fault body, the plain webob pages that Nova's
//! middleware returns for unknown routes and oversized bodies, and Keystone's
//! 401 body.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::pyjson;

/// Result type of every handler and store operation that can fail with a Nova fault.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// Content type of Nova's fault bodies, which differs from the `application/json`
/// that Nova sends on success.
const FAULT_CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// A failed Nova request, rendered as `{"<faultKey>": {"code": N, "message": "..."}}`.
///
/// The `Display` text of each variant is the exact message Nova sends.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 400 `badRequest`.
    #[error("{0}")]
    BadRequest(String),
    /// 403 `forbidden`, raised by a policy rule such as
    /// `os_compute_api:os-flavor-extra-specs:update`.
    #[error("Policy doesn't allow {0} to be performed.")]
    Forbidden(&'static str),
    /// 404 `itemNotFound`.
    #[error("{0}")]
    NotFound(String),
    /// 409 `conflictingRequest`.
    #[error("{0}")]
    Conflict(String),
    /// 406 `computeFault`: the requested microversion is outside the server's range.
    #[error("{0}")]
    NotAcceptable(String),
    /// 415 `badMediaType`.
    #[error("Unsupported Content-Type")]
    UnsupportedMediaType,
    /// Any other status with an explicit message, used by injected faults.
    #[error("{message}")]
    Other {
        /// HTTP status of the fault.
        status: StatusCode,
        /// Message inside the fault body.
        message: String,
    },
}

impl ApiError {
    /// Builds the 404 Nova returns for a flavor that is missing or invisible to the caller.
    pub fn flavor_not_found(flavor_id: &str) -> Self {
        Self::NotFound(format!("Flavor {flavor_id} could not be found."))
    }

    /// Builds the 400 `Malformed request body`, Nova's answer to unparsable JSON.
    pub fn malformed_body() -> Self {
        Self::BadRequest("Malformed request body".to_owned())
    }

    /// Returns the HTTP status of the fault.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Other { status, .. } => *status,
        }
    }
}

/// Returns the key Nova's fault wrapper uses for a status code.
///
/// Nova maps a fixed set of statuses to names and uses `computeFault` for the
/// rest, which includes 406 and 500.
pub fn fault_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        405 => "badMethod",
        409 => "conflictingRequest",
        413 | 429 => "overLimit",
        415 => "badMediaType",
        501 => "notImplemented",
        503 => "serviceUnavailable",
        _ => "computeFault",
    }
}

#[derive(Serialize)]
struct FaultDetail<'a> {
    code: u16,
    message: &'a str,
}

/// Renders a Nova fault body for any status and message.
pub fn fault_response(status: StatusCode, message: &str) -> Response {
    let detail = FaultDetail {
        code: status.as_u16(),
        message,
    };
    let body = pyjson::to_python_json_string(&std::collections::BTreeMap::from([(
        fault_key(status),
        detail,
    )]));
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(FAULT_CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = fault_response(status, &self.to_string());
        // The logging middleware reads this to record the fault next to the request.
        response.extensions_mut().insert(self);
        response
    }
}

/// Media types a webob error page can take, chosen from the request's `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageType {
    Html,
    Json,
    Plain,
}

/// Builds the error page webob's `HTTPException` renders outside Nova's fault
/// wrapper, for example the 404 for a path no route matches.
///
/// webob offers `text/html` and `application/json` to the `Accept` header, in that
/// order, and falls back to `text/plain` when neither is acceptable. A missing or
/// empty header therefore gets plain text, and `*/*` gets HTML.
pub fn webob_error(
    status: StatusCode,
    title: &str,
    explanation: &str,
    request_headers: &HeaderMap,
) -> Response {
    let status_line = format!("{} {title}", status.as_u16());
    let (content_type, body) = match page_type(request_headers) {
        PageType::Html => (
            "text/html; charset=UTF-8",
            format!(
                "<html>\n <head>\n  <title>{status_line}</title>\n </head>\n <body>\n  \
                 <h1>{status_line}</h1>\n  {}<br /><br />\n\n\n\n </body>\n</html>",
                html_escape(explanation)
            ),
        ),
        PageType::Json => (
            "application/json",
            format!(
                "{{\"message\": {}, \"code\": {}, \"title\": {}}}",
                pyjson::to_python_json_string(&format!("{explanation}<br /><br />\n\n\n")),
                pyjson::to_python_json_string(&status_line),
                pyjson::to_python_json_string(&title),
            ),
        ),
        // webob strips tags from the HTML body: each `<br />` becomes a newline and
        // each newline a space, which leaves the trailing blank line and spaces.
        PageType::Plain => (
            "text/plain; charset=UTF-8",
            format!("{status_line}\n\n{explanation}\n\n   "),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

/// Builds the plain 404 that Nova's router returns when no route matches.
pub fn route_not_found(request_headers: &HeaderMap) -> Response {
    webob_error(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The resource could not be found.",
        request_headers,
    )
}

/// Builds the 413 of Nova's `sizelimit` middleware for a body over the limit.
/// The `%s` in its text is really sent unformatted.
pub fn request_too_large(request_headers: &HeaderMap) -> Response {
    webob_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request Entity Too Large",
        "Request is too large. Larger than max_request_body_size (%s).",
        request_headers,
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Picks the page type as webob's `acceptable_offers(["text/html", "application/json"])`
/// does: the offer with the highest quality wins, ties go to the earlier offer, and a
/// quality of zero excludes an offer.
fn page_type(request_headers: &HeaderMap) -> PageType {
    let Some(accept) = request_headers.get(header::ACCEPT) else {
        return PageType::Plain;
    };
    let accept = String::from_utf8_lossy(accept.as_bytes());
    let html = offer_quality(&accept, "text", "html");
    let json = offer_quality(&accept, "application", "json");
    match (html, json) {
        (Some(h), Some(j)) if j > h => PageType::Json,
        (Some(_), _) => PageType::Html,
        (None, Some(_)) => PageType::Json,
        (None, None) => PageType::Plain,
    }
}

/// Returns the quality the `Accept` header gives to `kind/subtype`, taken from the
/// most specific matching media range, or `None` when no range matches or the
/// quality is zero.
fn offer_quality(accept: &str, kind: &str, subtype: &str) -> Option<f32> {
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let (range_kind, range_subtype) = media.split_once('/').unwrap_or((media.as_str(), ""));
        let specificity = match (range_kind, range_subtype) {
            ("*", "*") => 0,
            (k, "*") if k == kind => 1,
            (k, s) if k == kind && s == subtype => 2,
            _ => continue,
        };
        if best.is_none_or(|(current, _)| specificity > current) {
            best = Some((specificity, quality));
        }
    }
    best.map(|(_, quality)| quality)
        .filter(|quality| *quality > 0.0)
}

/// Builds the 401 that keystonemiddleware returns for a missing or invalid token.
///
/// `keystone_url` goes into `WWW-Authenticate` so that clients know where to log in.
pub fn unauthorized(keystone_url: &str) -> Response {
    let body = serde_json::json!({"error": {
        "code": 401,
        "title": "Unauthorized",
        "message": "The request you have made requires authentication.",
    }});
    let challenge = format!("Keystone uri=\"{keystone_url}\"");
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        pyjson::to_python_json_string(&body),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn fault_key_maps_conflict() {
        assert_eq!(fault_key(StatusCode::CONFLICT), "conflictingRequest");
    }

    #[test]
    fn fault_key_maps_not_acceptable() {
        assert_eq!(fault_key(StatusCode::NOT_ACCEPTABLE), "computeFault");
    }

    #[test]
    fn page_type_without_accept_is_plain() {
        assert_eq!(page_type(&HeaderMap::new()), PageType::Plain);
    }

    #[test]
    fn page_type_empty_accept_is_plain() {
        assert_eq!(page_type(&accept("")), PageType::Plain);
    }

    #[test]
    fn page_type_wildcard_is_html() {
        assert_eq!(page_type(&accept("*/*")), PageType::Html);
    }

    #[test]
    fn page_type_json_is_json() {
        assert_eq!(page_type(&accept("application/json")), PageType::Json);
    }

    #[test]
    fn page_type_prefers_higher_quality() {
        assert_eq!(
            page_type(&accept("text/html;q=0.5, application/json")),
            PageType::Json
        );
    }

    #[test]
    fn page_type_xml_is_plain() {
        assert_eq!(page_type(&accept("application/xml")), PageType::Plain);
    }
}
