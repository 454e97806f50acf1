//! Authentication of Nova requests: turning the `X-Auth-Token` header into an
//! [`Identity`] according to the configured strategy.

use std::collections::HashMap;

use axum::http::HeaderMap;

use crate::config::{AuthMode, Config};
use crate::identity::Identity;
use crate::keystone::token::TokenStore;

/// Header carrying the token on every authenticated request.
pub const TOKEN_HEADER: &str = "x-auth-token";

/// Token that OpenStack clients send when run with `--os-auth-type none`. In
/// `noauth` mode it is read as the noauth token `admin`, an admin of the
/// project `admin`, so that such clients can write as well as read.
pub const NOAUTH_CLIENT_TOKEN: &str = "notused";

/// Resolves tokens to identities.
pub struct Authenticator {
    mode: AuthMode,
    /// Configured static tokens; checked before the mode's own tokens.
    static_tokens: HashMap<String, Identity>,
    /// Tokens issued by the built-in Keystone, accepted in every mode.
    issued_tokens: TokenStore,
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
    /// Builds the authenticator for a configuration and the store of the
    /// tokens Keystone issues.
    pub fn new(config: &Config, issued_tokens: TokenStore) -> Self {
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
            issued_tokens,
        }
    }

    /// Returns the caller of a request, or `None` when the token is missing or
    /// invalid.
    ///
    /// Static tokens and live Keystone tokens are accepted in every mode. In
    /// `keystone` mode nothing else is. In `noauth` mode any other token is
    /// read with the `user:project` convention, except `notused`.
    pub fn authenticate(&self, headers: &HeaderMap) -> Option<Identity> {
        let token = headers.get(TOKEN_HEADER)?.to_str().ok()?.trim();
        if let Some(identity) = self.identify_token(token) {
            return Some(identity);
        }
        match self.mode {
            AuthMode::Keystone => None,
            AuthMode::Noauth if token == NOAUTH_CLIENT_TOKEN => {
                Identity::from_noauth_token("admin")
            }
            AuthMode::Noauth => Identity::from_noauth_token(token),
        }
    }

    /// Returns the caller of a static token or of a live token issued by
    /// Keystone, whatever the mode.
    pub fn identify_token(&self, token: &str) -> Option<Identity> {
        if let Some(identity) = self.static_tokens.get(token) {
            return Some(identity.clone());
        }
        self.issued_tokens
            .validate(token)
            .map(|data| data.identity())
    }
}
