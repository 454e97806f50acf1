//! Keystone's error responses: `{"error": {"code": N, "title": ..., "message": ...}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::pyjson;

/// Message of every 401. Keystone hides the cause of an authentication
/// failure from the client unless it runs with `insecure_debug`.
pub const UNAUTHORIZED_MESSAGE: &str = "The request you have made requires authentication.";

/// Text Keystone appends to every 400 `ValidationError` message.
const VALIDATION_SUFFIX: &str = " The server could not comply with the request since it is either \
     malformed or otherwise incorrect. The client is assumed to be in error.";

/// A failed Keystone request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoneError {
    /// 400 with a complete message, as from Keystone's JSON-schema checks.
    #[error("{0}")]
    BadRequest(String),
    /// 401 for failed authentication. `reason` goes to the log only; the client
    /// gets [`UNAUTHORIZED_MESSAGE`].
    #[error("{UNAUTHORIZED_MESSAGE}")]
    Unauthorized {
        /// Cause of the failure, for the log.
        reason: String,
    },
    /// 401 for an authentication method this server does not implement.
    #[error("Attempted to authenticate with an unsupported method.")]
    UnsupportedMethod,
    /// 403 from a policy check, naming the policy action.
    #[error("You are not authorized to perform the requested action: {0}.")]
    Forbidden(&'static str),
    /// 404 with a complete message.
    #[error("{0}")]
    NotFound(String),
    /// 405 for a method the route does not serve.
    #[error("The method is not allowed for the requested URL.")]
    MethodNotAllowed,
}

impl KeystoneError {
    /// Builds Keystone's 400 `ValidationError`: "Expecting to find `attribute`
    /// in `target`." and the standard suffix.
    pub fn expecting(attribute: &str, target: &str) -> Self {
        Self::BadRequest(format!(
            "Expecting to find {attribute} in {target}.{VALIDATION_SUFFIX}"
        ))
    }

    /// Builds a 401 with the reason for the log.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::Unauthorized {
            reason: reason.into(),
        }
    }

    /// Builds the 404 for a subject token that is unknown, revoked or expired.
    /// Keystone uses this message for expired tokens. For a token it cannot
    /// decrypt it names the token format instead, which does not apply here.
    pub fn token_not_found() -> Self {
        Self::NotFound("Failed to validate token".to_owned())
    }

    /// Builds the 404 for a path with no Keystone route.
    pub fn route_not_found() -> Self {
        Self::NotFound("The resource could not be found.".to_owned())
    }

    /// Returns the text for the log: the cause of a 401, which the client does
    /// not see, or else the message the client gets.
    pub fn log_message(&self) -> String {
        match self {
            Self::Unauthorized { reason } => reason.clone(),
            other => other.to_string(),
        }
    }

    /// Returns the HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } | Self::UnsupportedMethod => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        }
    }
}

impl IntoResponse for KeystoneError {
    /// Renders the error body. The Keystone middleware adds the
    /// `WWW-Authenticate` header of a 401, because the URL it names depends on
    /// the path the request came through.
    fn into_response(self) -> Response {
        let status = self.status();
        let title = status.canonical_reason().unwrap_or_default();
        let mut error = serde_json::json!({
            "code": status.as_u16(),
            "title": title,
            "message": self.to_string(),
        });
        if self == Self::UnsupportedMethod {
            // Keystone lists the methods it accepts next to the message.
            error["identity"] = serde_json::json!({"methods": super::SUPPORTED_METHODS});
        }
        let body = pyjson::to_python_json_string(&serde_json::json!({ "error": error }));
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_hides_reason() {
        let error = KeystoneError::unauthorized("wrong password for user admin");
        assert_eq!(error.to_string(), UNAUTHORIZED_MESSAGE);
    }

    #[test]
    fn expecting_uses_keystone_wording() {
        let error = KeystoneError::expecting("auth", "request body");
        assert!(
            error
                .to_string()
                .starts_with("Expecting to find auth in request body. The server could not")
        );
    }
}
