//! Authentication of Nova requests: turning the `X-Auth-Token` header into an
//! [`Identity`] according to the configured strategy.

use std::collections::HashMap;

use axum::http::HeaderMap;

use crate::config::{AuthMode, Config};
use crate::identity::Identity;

/// Header carrying the token on every authenticated request.
pub const TOKEN_HEADER: &str = "x-auth-token";

/// Resolves tokens to identities.
pub struct Authenticator {
    mode: AuthMode,
    /// Configured static tokens; checked before the mode's own tokens.
    static_tokens: HashMap<String, Identity>,
}

impl std::fmt::Debug for Authenticator {
    // Written by hand so that token values never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("mode", &self.mode)
            .field("static_tokens", &self.static_tokens.len())
            .finish()
    }
}

impl Authenticator {
    /// Builds the authenticator for a configuration.
    pub fn new(config: &Config) -> Self {
        let static_tokens = config
            .static_tokens
            .iter()
            .map(|entry| {
                let identity = Identity::new(
                    &entry.user,
                    &entry.user,
                    &entry.project,
                    &entry.project,
                    &entry.roles,
                );
                (entry.token.clone(), identity)
            })
            .collect();
        Self {
            mode: config.auth,
            static_tokens,
        }
    }

    /// Returns the caller of a request, or `None` when the token is missing or
    /// invalid.
    pub fn authenticate(&self, headers: &HeaderMap) -> Option<Identity> {
        let token = headers.get(TOKEN_HEADER)?.to_str().ok()?.trim();
        if let Some(identity) = self.static_tokens.get(token) {
            return Some(identity.clone());
        }
        match self.mode {
            AuthMode::Noauth => Identity::from_noauth_token(token),
        }
    }
}
