//! Issued tokens: the data behind a token, the generation of token values and
//! audit ids, and the bounded in-memory store of live tokens.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};

use super::config::Secret;
use super::directory::{Domain, Role};
use crate::identity::Identity;
use crate::ids::{IdGenerator, IdKind};

/// The user a token was issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// User id.
    pub id: String,
    /// User name.
    pub name: String,
    /// The user's domain.
    pub domain: Domain,
}

/// The project a token is scoped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenProject {
    /// Project id.
    pub id: String,
    /// Project name.
    pub name: String,
    /// The project's domain.
    pub domain: Domain,
}

/// The data behind a token, as its validation returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenData {
    /// Owner of the token.
    pub user: TokenUser,
    /// Scope; `None` for an unscoped token.
    pub project: Option<TokenProject>,
    /// Roles on the project with implied roles added; empty when unscoped.
    pub roles: Vec<Role>,
    /// Authentication methods that produced the token, such as `password`.
    pub methods: Vec<String>,
    /// The token's own audit id, then the audit id of the token it was
    /// rescoped from, if any.
    pub audit_ids: Vec<String>,
    /// When the token was issued.
    pub issued_at: DateTime<Utc>,
    /// When the token stops being valid.
    pub expires_at: DateTime<Utc>,
}

impl TokenData {
    /// Returns the caller that a Nova request with this token represents. An
    /// unscoped token has no project and no roles, so Nova's policy rejects it
    /// everywhere except on the flavor reads that have no policy.
    pub fn identity(&self) -> Identity {
        let (project_id, project_name) = match &self.project {
            Some(project) => (project.id.as_str(), project.name.as_str()),
            None => ("", ""),
        };
        let roles: Vec<&str> = self.roles.iter().map(|role| role.name.as_str()).collect();
        Identity::new(
            &self.user.id,
            &self.user.name,
            project_id,
            project_name,
            &roles,
        )
    }

    /// Tells whether the token has expired at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}

/// The content of a token to issue. The store adds the value, the audit id and
/// the times.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// Owner of the token.
    pub user: TokenUser,
    /// Scope; `None` for an unscoped token.
    pub project: Option<TokenProject>,
    /// Roles on the project with implied roles added.
    pub roles: Vec<Role>,
    /// Authentication methods, in the order the response lists them.
    pub methods: Vec<String>,
    /// Expiry inherited from the token being rescoped; `None` for a fresh
    /// lifetime.
    pub expires_at: Option<DateTime<Utc>>,
    /// Audit id of the token being rescoped, kept as the second audit id.
    pub parent_audit_id: Option<String>,
}

/// A token just issued: its value, which the client sends in `X-Auth-Token`,
/// and its data.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The token value, returned once in `X-Subject-Token`.
    pub value: Secret,
    /// The data behind the token.
    pub data: Arc<TokenData>,
}

/// Source of the 16 random bytes behind each token value and audit id.
pub trait RandomSource: Send {
    /// Fills `bytes` with fresh random bytes.
    fn fill(&mut self, bytes: &mut [u8; 16]);
}

/// The bytes of the UUIDv4s of the server's id generator, in its stream for
/// token values: random, or the same from run to run when a seed is set.
#[derive(Debug)]
pub struct IdSource(IdGenerator);

impl RandomSource for IdSource {
    fn fill(&mut self, bytes: &mut [u8; 16]) {
        *bytes = self.0.uuid(IdKind::Token).into_bytes();
    }
}

/// Generates token values (32 lower-case hex digits) and audit ids (22
/// characters of URL-safe base64, as Keystone's audit ids are).
pub struct TokenGenerator {
    source: Box<dyn RandomSource>,
}

impl TokenGenerator {
    /// Builds a generator on random UUIDv4s, or on the reproducible stream of
    /// token values of `seed` when one is given.
    pub fn new(seed: Option<u64>) -> Self {
        Self::with_source(Box::new(IdSource(IdGenerator::new(seed))))
    }

    /// Builds a generator on any source of random bytes.
    pub fn with_source(source: Box<dyn RandomSource>) -> Self {
        Self { source }
    }

    fn next_bytes(&mut self) -> [u8; 16] {
        let mut bytes = [0; 16];
        self.source.fill(&mut bytes);
        bytes
    }

    /// Returns a new token value.
    pub fn token_value(&mut self) -> String {
        self.next_bytes()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Returns a new audit id.
    pub fn audit_id(&mut self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.next_bytes())
    }
}

impl std::fmt::Debug for TokenGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGenerator").finish_non_exhaustive()
    }
}

/// The live tokens, bounded in number.
///
/// A cheap-to-clone handle. Expired tokens are purged whenever a token is
/// issued, and a lookup that finds an expired token removes it. When the store
/// contains `max_tokens` live tokens, issuing another evicts the token that
/// expires first. That is the oldest token, except that a rescoped token keeps
/// the expiry of the token it came from. A poisoned lock is recovered: every change inserts or
/// removes whole entries, so a panic elsewhere cannot leave one half-written.
#[derive(Clone)]
pub struct TokenStore {
    table: Arc<Mutex<TokenTable>>,
    /// Set once the first token is issued. Until then a Nova request's token
    /// cannot be one of ours, and checking it needs no lock.
    issued_any: Arc<AtomicBool>,
    lifetime: TimeDelta,
    max_tokens: usize,
}

struct TokenTable {
    /// Live tokens by value.
    by_value: HashMap<String, Entry>,
    /// Token values ordered by expiry, then by issue order.
    by_expiry: BTreeMap<(DateTime<Utc>, u64), String>,
    /// Issue counter that breaks ties between equal expiry times.
    next_sequence: u64,
    /// Tokens evicted because the store was full, since startup.
    evicted: u64,
    generator: TokenGenerator,
}

struct Entry {
    sequence: u64,
    data: Arc<TokenData>,
    /// The caller the token stands for on Nova requests, built once.
    identity: Arc<Identity>,
}

impl std::fmt::Debug for TokenStore {
    // Written by hand so that token values never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore")
            .field("live_tokens", &self.len())
            .field("lifetime", &self.lifetime)
            .field("max_tokens", &self.max_tokens)
            .finish()
    }
}

impl TokenStore {
    /// Builds an empty store.
    ///
    /// `lifetime` is the validity of a fresh token and `max_tokens` the number
    /// of live tokens kept (at least one is always kept).
    pub fn new(lifetime: TimeDelta, max_tokens: usize, generator: TokenGenerator) -> Self {
        Self {
            table: Arc::new(Mutex::new(TokenTable {
                by_value: HashMap::new(),
                by_expiry: BTreeMap::new(),
                next_sequence: 0,
                evicted: 0,
                generator,
            })),
            issued_any: Arc::new(AtomicBool::new(false)),
            lifetime,
            max_tokens: max_tokens.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, TokenTable> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Issues a token now.
    pub fn issue(&self, request: TokenRequest) -> IssuedToken {
        self.issue_at(request, Utc::now())
    }

    /// Issues a token at the time `now`.
    pub fn issue_at(&self, request: TokenRequest, now: DateTime<Utc>) -> IssuedToken {
        let fresh_expiry = now
            .checked_add_signed(self.lifetime)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let expires_at = request.expires_at.unwrap_or(fresh_expiry);

        let mut table = self.lock();
        // Set before the token exists, so that no request can carry it
        // while the flag still reads false.
        self.issued_any.store(true, Ordering::Release);
        table.purge_expired(now);
        while table.by_value.len() >= self.max_tokens {
            table.evict_first();
        }

        let value = loop {
            let candidate = table.generator.token_value();
            if !table.by_value.contains_key(&candidate) {
                break candidate;
            }
        };
        let mut audit_ids = vec![table.generator.audit_id()];
        audit_ids.extend(request.parent_audit_id);
        let data = Arc::new(TokenData {
            user: request.user,
            project: request.project,
            roles: request.roles,
            methods: request.methods,
            audit_ids,
            issued_at: now,
            expires_at,
        });
        let sequence = table.next_sequence;
        table.next_sequence += 1;
        table
            .by_expiry
            .insert((expires_at, sequence), value.clone());
        table.by_value.insert(
            value.clone(),
            Entry {
                sequence,
                data: Arc::clone(&data),
                identity: Arc::new(data.identity()),
            },
        );
        IssuedToken {
            value: Secret::new(value),
            data,
        }
    }

    /// Returns the data of a live token, or `None` when the token is
    /// unknown, revoked, evicted or expired.
    pub fn validate(&self, value: &str) -> Option<Arc<TokenData>> {
        self.validate_at(value, Utc::now())
    }

    /// Validates a token at the time `now`.
    pub fn validate_at(&self, value: &str, now: DateTime<Utc>) -> Option<Arc<TokenData>> {
        let mut table = self.lock();
        let data = Arc::clone(&table.by_value.get(value)?.data);
        if data.is_expired_at(now) {
            table.remove(value);
            return None;
        }
        Some(data)
    }

    /// Returns the caller a live token stands for on Nova requests.
    pub fn identity(&self, value: &str) -> Option<Arc<Identity>> {
        if !self.issued_any.load(Ordering::Acquire) {
            return None;
        }
        let mut table = self.lock();
        let entry = table.by_value.get(value)?;
        if entry.data.is_expired_at(Utc::now()) {
            table.remove(value);
            return None;
        }
        Some(Arc::clone(&entry.identity))
    }

    /// Revokes a token; returns whether it was live.
    pub fn revoke(&self, value: &str) -> bool {
        self.lock().remove(value)
    }

    /// Returns the number of tokens held, expired ones not yet purged included.
    pub fn len(&self) -> usize {
        self.lock().by_value.len()
    }

    /// Tells whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns how many tokens were evicted because the store was full.
    pub fn evicted(&self) -> u64 {
        self.lock().evicted
    }
}

impl TokenTable {
    fn remove(&mut self, value: &str) -> bool {
        let Some(entry) = self.by_value.remove(value) else {
            return false;
        };
        self.by_expiry
            .remove(&(entry.data.expires_at, entry.sequence));
        true
    }

    fn purge_expired(&mut self, now: DateTime<Utc>) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let value = entry.remove();
            self.by_value.remove(&value);
        }
    }

    fn evict_first(&mut self) {
        let Some((_, value)) = self.by_expiry.pop_first() else {
            return;
        };
        if let Some(entry) = self.by_value.remove(&value) {
            self.evicted += 1;
            tracing::debug!(
                user = entry.data.user.name.as_str(),
                evicted_total = self.evicted,
                "token store is full; evicted the token that expires first"
            );
        }
    }
}

/// Formats a time as Keystone does in token bodies: UTC with six fraction
/// digits and a `Z`, such as `2030-01-01T00:00:00.000000Z`. Tempest parses only
/// this form and the one without fraction digits.
pub fn format_timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts up from a seed, so tests can predict values.
    struct CountingSource(u128);

    impl RandomSource for CountingSource {
        fn fill(&mut self, bytes: &mut [u8; 16]) {
            self.0 += 1;
            *bytes = self.0.to_be_bytes();
        }
    }

    fn domain() -> Domain {
        Domain {
            id: "default".to_owned(),
            name: "Default".to_owned(),
        }
    }

    fn request(user: &str) -> TokenRequest {
        TokenRequest {
            user: TokenUser {
                id: format!("{user}-id"),
                name: user.to_owned(),
                domain: domain(),
            },
            project: Some(TokenProject {
                id: "abc".to_owned(),
                name: "demo".to_owned(),
                domain: domain(),
            }),
            roles: vec![Role::named("member"), Role::named("reader")],
            methods: vec!["password".to_owned()],
            expires_at: None,
            parent_audit_id: None,
        }
    }

    fn store(max_tokens: usize) -> TokenStore {
        TokenStore::new(
            TimeDelta::seconds(60),
            max_tokens,
            TokenGenerator::with_source(Box::new(CountingSource(0))),
        )
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn token_values_are_32_hex_digits() {
        let mut generator = TokenGenerator::new(None);
        let value = generator.token_value();
        assert_eq!(value.len(), 32);
        assert!(value.bytes().all(|b| b.is_ascii_hexdigit()), "{value}");
        assert_ne!(value, generator.token_value());
    }

    #[test]
    fn seed_repeats_token_values() {
        let mut first = TokenGenerator::new(Some(42));
        let mut second = TokenGenerator::new(Some(42));
        assert_eq!(first.token_value(), second.token_value());
        assert_eq!(first.audit_id(), second.audit_id());
        assert_ne!(
            TokenGenerator::new(Some(1)).token_value(),
            TokenGenerator::new(Some(2)).token_value()
        );
    }

    #[test]
    fn seeded_source_gives_predictable_values() {
        let mut generator = TokenGenerator::with_source(Box::new(CountingSource(0)));
        assert_eq!(generator.token_value(), "00000000000000000000000000000001");
        assert_eq!(generator.audit_id(), "AAAAAAAAAAAAAAAAAAAAAg");
    }

    #[test]
    fn issued_token_validates_until_expiry() {
        let store = store(10);
        let issued = store.issue_at(request("demo"), at(0));
        let value = issued.value.expose();
        assert!(store.validate_at(value, at(59)).is_some());
        assert!(store.validate_at(value, at(60)).is_none());
        assert!(store.is_empty(), "an expired token is removed on lookup");
    }

    #[test]
    fn expiry_is_issue_time_plus_lifetime() {
        let issued = store(10).issue_at(request("demo"), at(0));
        assert_eq!(issued.data.issued_at, at(0));
        assert_eq!(issued.data.expires_at, at(60));
    }

    #[test]
    fn rescoped_token_keeps_expiry_and_parent_audit_id() {
        let store = store(10);
        let first = store.issue_at(request("demo"), at(0));
        let mut rescope = request("demo");
        rescope.expires_at = Some(first.data.expires_at);
        rescope.parent_audit_id = Some(first.data.audit_ids[0].clone());
        let second = store.issue_at(rescope, at(30));
        assert_eq!(second.data.expires_at, at(60));
        assert_eq!(second.data.audit_ids.len(), 2);
        assert_eq!(second.data.audit_ids[1], first.data.audit_ids[0]);
    }

    #[test]
    fn issue_purges_expired_tokens() {
        let store = store(10);
        store.issue_at(request("a"), at(0));
        store.issue_at(request("b"), at(0));
        store.issue_at(request("c"), at(61));
        assert_eq!(store.len(), 1);
        assert_eq!(store.evicted(), 0);
    }

    #[test]
    fn full_store_evicts_oldest_token() {
        let store = store(2);
        let oldest = store.issue_at(request("a"), at(0));
        let middle = store.issue_at(request("b"), at(1));
        let newest = store.issue_at(request("c"), at(2));
        assert_eq!(store.len(), 2);
        assert_eq!(store.evicted(), 1);
        assert!(store.validate_at(oldest.value.expose(), at(3)).is_none());
        assert!(store.validate_at(middle.value.expose(), at(3)).is_some());
        assert!(store.validate_at(newest.value.expose(), at(3)).is_some());
    }

    #[test]
    fn revoked_token_is_invalid() {
        let store = store(10);
        let issued = store.issue_at(request("a"), at(0));
        assert!(store.revoke(issued.value.expose()));
        assert!(!store.revoke(issued.value.expose()));
        assert!(store.validate_at(issued.value.expose(), at(1)).is_none());
    }

    #[test]
    fn timestamp_has_microseconds_and_z() {
        let time = DateTime::from_timestamp(1_893_456_000, 123_456_789).unwrap();
        assert_eq!(format_timestamp(time), "2030-01-01T00:00:00.123456Z");
    }

    #[test]
    fn unscoped_identity_has_no_project_or_roles() {
        let mut unscoped = request("demo");
        unscoped.project = None;
        unscoped.roles.clear();
        let issued = store(10).issue_at(unscoped, at(0));
        let identity = issued.data.identity();
        assert_eq!(identity.project_id, "");
        assert!(identity.roles.is_empty());
    }
}
