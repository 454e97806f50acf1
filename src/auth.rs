//! Authentication of Nova requests: turning the `X-Auth-Token` header into an
//! [`Identity`] according to the configured strategy.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

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

/// Number of distinct noauth tokens whose callers are kept parsed.
const MAX_CACHED_NOAUTH_TOKENS: usize = 4096;

/// Resolves tokens to identities.
pub struct Authenticator {
    mode: AuthMode,
    /// Configured static tokens; checked before the mode's own tokens.
    static_tokens: HashMap<String, Arc<Identity>>,
    /// Callers of noauth tokens seen so far, so that a token is parsed once.
    noauth_callers: RwLock<HashMap<String, Arc<Identity>>>,
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
                (entry.token.clone(), Arc::new(identity))
            })
            .collect();
        Self {
            mode: config.auth,
            static_tokens,
            noauth_callers: RwLock::default(),
            issued_tokens,
        }
    }

    /// Returns the caller of a request, or `None` when the token is missing or
    /// invalid.
    ///
    /// Static tokens and live Keystone tokens are accepted in every mode. In
    /// `keystone` mode nothing else is. In `noauth` mode any other token is
    /// read with the `user:project` convention, except `notused`.
    pub fn authenticate(&self, headers: &HeaderMap) -> Option<Arc<Identity>> {
        let token = headers.get(TOKEN_HEADER)?.to_str().ok()?.trim();
        if let Some(identity) = self.identify_token(token) {
            return Some(identity);
        }
        match self.mode {
            AuthMode::Keystone => None,
            AuthMode::Noauth => self.noauth_caller(token),
        }
    }

    /// Returns the caller of a static token or of a live token issued by
    /// Keystone, whatever the mode.
    pub fn identify_token(&self, token: &str) -> Option<Arc<Identity>> {
        if let Some(identity) = self.static_tokens.get(token) {
            return Some(Arc::clone(identity));
        }
        self.issued_tokens.identity(token)
    }

    /// Returns the caller of a noauth token, parsing each distinct token once.
    fn noauth_caller(&self, token: &str) -> Option<Arc<Identity>> {
        let cached = self
            .noauth_callers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned();
        if cached.is_some() {
            return cached;
        }
        let parsed = if token == NOAUTH_CLIENT_TOKEN {
            Identity::from_noauth_token("admin")
        } else {
            Identity::from_noauth_token(token)
        };
        let identity = Arc::new(parsed?);
        let mut callers = self
            .noauth_callers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        // Any client can invent tokens, so the cache starts over when full
        // rather than growing without bound.
        if callers.len() >= MAX_CACHED_NOAUTH_TOKENS {
            callers.clear();
        }
        callers.insert(token.to_owned(), Arc::clone(&identity));
        Some(identity)
    }
}
