//! Authentication of Nova requests: turning the `X-Auth-Token` header into an
//! [`Identity`] according to the configured strategy.

use axum::http::HeaderMap;

use crate::config::{AuthMode, Config};
use crate::identity::Identity;

/// Header carrying the token on every authenticated request.
pub const TOKEN_HEADER: &str = "x-auth-token";

/// Resolves tokens to identities.
#[derive(Debug)]
pub struct Authenticator {
    mode: AuthMode,
}

impl Authenticator {
    /// Builds the authenticator for a configuration.
    pub fn new(config: &Config) -> Self {
        Self { mode: config.auth }
    }

    /// Returns the caller of a request, or `None` when the token is missing or
    /// invalid.
    pub fn authenticate(&self, headers: &HeaderMap) -> Option<Identity> {
        let token = headers.get(TOKEN_HEADER)?.to_str().ok()?.trim();
        match self.mode {
            AuthMode::Noauth => Identity::from_noauth_token(token),
        }
    }
}
