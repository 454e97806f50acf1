//! Authentication of Nova requests: turning the `X-Auth-Token` header into an
//! [`Identity`] according to the configured strategy.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use axum::http::{HeaderMap, HeaderName};

use crate::config::{AuthMode, Config};
use crate::identity::Identity;
use crate::keystone::token::TokenStore;

/// Header carrying the token on every authenticated request. A `HeaderName`
/// rather than text, so that a lookup does not parse the name again.
pub const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// Token that OpenStack clients send when run with `--os-auth-type none`. In
/// `noauth` mode it is read as the noauth token `admin`, an admin of the
/// project `admin`, so that such clients can write as well as read.
pub const NOAUTH_CLIENT_TOKEN: &str = "notused";

/// Number of distinct noauth tokens whose callers are kept parsed.
const MAX_CACHED_NOAUTH_TOKENS: usize = 4096;

/// Number of noauth tokens each thread keeps its own callers for.
const THREAD_NOAUTH_TOKENS: usize = 8;

thread_local! {
    /// The callers of the noauth tokens this thread saw last, newest at the
    /// end. Each is this thread's own copy, so that the reference counts a
    /// request updates stay in this CPU's cache instead of moving between the
    /// runtime workers on every request. A noauth caller depends on the token
    /// alone, so every authenticator of the process can share these.
    static THREAD_CALLERS: RefCell<Vec<(String, Arc<Identity>)>> =
        const { RefCell::new(Vec::new()) };
}

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

    /// Tells whether a request gets noauth2's 204 with a made-up token
    /// instead of a 401: in `noauth` mode, when it sends no token at all.
    pub fn offers_noauth_token(&self, headers: &HeaderMap) -> bool {
        self.mode == AuthMode::Noauth && !headers.contains_key(TOKEN_HEADER)
    }

    /// Returns the caller of a static token or of a live token issued by
    /// Keystone, whatever the mode.
    pub fn identify_token(&self, token: &str) -> Option<Arc<Identity>> {
        if let Some(identity) = self.static_tokens.get(token) {
            return Some(Arc::clone(identity));
        }
        self.issued_tokens.identity(token)
    }

    /// Returns the caller of a noauth token, from this thread's own copies
    /// when it has one.
    fn noauth_caller(&self, token: &str) -> Option<Arc<Identity>> {
        let cached = THREAD_CALLERS.with_borrow(|callers| {
            callers
                .iter()
                .find(|(known, _)| known == token)
                .map(|(_, identity)| Arc::clone(identity))
        });
        if cached.is_some() {
            return cached;
        }
        let shared = self.shared_noauth_caller(token)?;
        let own = Arc::new(Identity::clone(&shared));
        THREAD_CALLERS.with_borrow_mut(|callers| {
            if callers.len() >= THREAD_NOAUTH_TOKENS {
                callers.remove(0);
            }
            callers.push((token.to_owned(), Arc::clone(&own)));
        });
        Some(own)
    }

    /// Returns the caller of a noauth token, parsing each distinct token once.
    fn shared_noauth_caller(&self, token: &str) -> Option<Arc<Identity>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn noauth_authenticator() -> Authenticator {
        let config = Config {
            auth: AuthMode::Noauth,
            ..Config::default()
        };
        let tokens = crate::keystone::token::TokenStore::new(
            chrono::TimeDelta::hours(1),
            10,
            crate::keystone::token::TokenGenerator::new(None),
        );
        Authenticator::new(&config, tokens)
    }

    fn caller(authenticator: &Authenticator, token: &str) -> Option<Arc<Identity>> {
        let mut headers = HeaderMap::new();
        headers.insert(TOKEN_HEADER, token.parse().expect("header value"));
        authenticator.authenticate(&headers)
    }

    #[test]
    fn thread_callers_match_parsed_tokens() {
        let authenticator = noauth_authenticator();
        // More tokens than a thread keeps, twice over, so that entries are
        // evicted and parsed again.
        let tokens: Vec<String> = (0..THREAD_NOAUTH_TOKENS * 2 + 1)
            .map(|index| format!("user-{index}:project{index:02x}"))
            .collect();
        for _ in 0..2 {
            for token in &tokens {
                let found = caller(&authenticator, token).expect("a noauth caller");
                let parsed = Identity::from_noauth_token(token).expect("a valid token");
                assert_eq!(*found, parsed, "{token}");
            }
        }
    }

    #[test]
    fn repeated_token_uses_the_thread_copy() {
        let authenticator = noauth_authenticator();
        let first = caller(&authenticator, "reuse:abc").expect("a noauth caller");
        let second = caller(&authenticator, "reuse:abc").expect("a noauth caller");
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn invalid_noauth_token_is_rejected() {
        let authenticator = noauth_authenticator();
        assert!(caller(&authenticator, "").is_none());
    }
}
