//! The request journal: a bounded record of the requests the Nova and Keystone
//! surfaces served, for tests that want to know what a client really sent.
//!
//! The journal keeps the newest `capacity` entries and counts the ones it
//! dropped, so memory stays bounded however long the server runs. Tokens are
//! never recorded, and request bodies have every `password` and `token` value
//! replaced before they are stored.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::Method;
use serde::{Deserialize, Serialize};

use crate::context::RequestId;
use crate::identity::Identity;

/// Text stored in place of a secret in a recorded body.
pub const REDACTED: &str = "***";

/// Longest recorded body and fault message, in bytes. Bodies may be up to the
/// request size limit and fault messages repeat them, so recording them whole
/// could make the journal's memory grow to hundreds of megabytes.
pub const MAX_RECORDED_BYTES: usize = 4096;

/// Cuts a recorded text at [`MAX_RECORDED_BYTES`], on a character boundary,
/// marking the cut with `…`.
pub fn truncate_recorded(mut text: String) -> String {
    if text.len() > MAX_RECORDED_BYTES {
        let mut end = MAX_RECORDED_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// One served request.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// Position in the journal, counting from 1 since the server started.
    pub seq: u64,
    /// When the request arrived.
    pub time: SystemTime,
    /// Namespace the request was served in, if any.
    pub namespace: Option<Arc<str>>,
    /// HTTP method.
    pub method: Method,
    /// Request path, without the namespace prefix.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Matched route template.
    pub route: Option<Cow<'static, str>>,
    /// `{flavor_id}` of the route.
    pub flavor_id: Option<Arc<str>>,
    /// `{key}` of the route.
    pub key: Option<Arc<str>>,
    /// Caller, when the request was authenticated.
    pub identity: Option<Arc<Identity>>,
    /// Negotiated or requested microversion.
    pub microversion: Option<Cow<'static, str>>,
    /// Request id, as sent in `x-openstack-request-id`.
    pub request_id: RequestId,
    /// Response status.
    pub status: u16,
    /// Body of a write request, with secrets replaced.
    pub body: Option<RecordedBody>,
    /// Message of the fault returned, if any.
    pub fault: Option<String>,
    /// Id of the fault-injection rule that answered the request, if one did.
    pub injected_by: Option<u64>,
    /// Time to serve the request, in microseconds.
    pub latency_us: u64,
}

/// A recorded request body.
#[derive(Debug, Clone)]
pub enum RecordedBody {
    /// Raw bytes of a Nova request; Nova bodies carry no secrets.
    Raw(Bytes),
    /// A parsed body with its secrets replaced.
    Redacted(serde_json::Value),
}

impl RecordedBody {
    /// Builds the record of a body, replacing secrets when `redact` is set. A
    /// body that must be redacted but is not JSON is not recorded at all, and a
    /// Nova body is cut at [`MAX_RECORDED_BYTES`].
    pub fn new(bytes: &Bytes, redact: bool) -> Option<Self> {
        if !redact {
            // A copy, not a slice: a small body is often a slice of the
            // connection's read buffer, which a slice would keep alive for as
            // long as the entry stays in the journal.
            return Some(Self::Raw(Bytes::copy_from_slice(
                &bytes[..bytes.len().min(MAX_RECORDED_BYTES)],
            )));
        }
        let mut value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        redact_secrets(&mut value);
        Some(Self::Redacted(value))
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Raw(bytes) => serde_json::from_slice(bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
            }),
            Self::Redacted(value) => value.clone(),
        }
    }
}

/// Keys whose string values are secrets in Keystone bodies: passwords,
/// application credential secrets, TOTP passcodes and token values.
const SECRET_KEYS: [&str; 4] = ["password", "secret", "passcode", "token"];

/// Replaces secrets in a Keystone body: every value under a [`SECRET_KEYS`]
/// key other than `null`, whatever its JSON type, and every value inside a
/// `token` object. An object under `password` that names a `user` is the
/// password method's block, so it is searched instead, and only the secrets in
/// it are replaced.
fn redact_secrets(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let secret_key = SECRET_KEYS.contains(&key.as_str());
                match item {
                    serde_json::Value::Null => {}
                    serde_json::Value::Object(inner)
                        if key == "token" || (secret_key && !inner.contains_key("user")) =>
                    {
                        redact_all(item);
                    }
                    _ if secret_key && !item.is_object() => {
                        *item = serde_json::Value::String(REDACTED.to_owned());
                    }
                    _ => redact_secrets(item),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_secrets),
        _ => {}
    }
}

/// Replaces every value in `value` other than `null` and objects, which are
/// searched, with [`REDACTED`], keeping the object keys.
fn redact_all(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_all),
        _ => *value = serde_json::Value::String(REDACTED.to_owned()),
    }
}

/// Filters of a journal query; every given field must match.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalQuery {
    /// HTTP method, any case.
    pub method: Option<String>,
    /// Exact request path.
    pub path: Option<String>,
    /// Exact route template, such as `/v2.1/flavors/{flavor_id}/os-extra_specs/{key}`.
    pub route: Option<String>,
    /// Flavor id from the path.
    pub flavor_id: Option<String>,
    /// Extra-spec key from the path.
    pub key: Option<String>,
    /// Project id of the caller.
    pub project: Option<String>,
    /// User id of the caller.
    pub user: Option<String>,
    /// Microversion, such as `2.61`.
    pub microversion: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Response status.
    pub status: Option<u16>,
    /// Namespace; `default` selects requests outside any namespace.
    pub namespace: Option<String>,
    /// Only entries with a larger sequence number.
    pub since: Option<u64>,
    /// Maximum number of entries returned (the newest are kept).
    pub limit: Option<usize>,
}

impl JournalQuery {
    fn matches(&self, entry: &JournalEntry) -> bool {
        let equal = |filter: &Option<String>, value: Option<&str>| {
            filter.as_deref().is_none_or(|wanted| Some(wanted) == value)
        };
        let identity = entry.identity.as_deref();
        let namespace = entry
            .namespace
            .as_deref()
            .unwrap_or(crate::DEFAULT_NAMESPACE);
        self.method
            .as_deref()
            .is_none_or(|method| method.eq_ignore_ascii_case(entry.method.as_str()))
            && equal(&self.path, Some(&entry.path))
            && equal(&self.route, entry.route.as_deref())
            && equal(&self.flavor_id, entry.flavor_id.as_deref())
            && equal(&self.key, entry.key.as_deref())
            && equal(&self.project, identity.map(|id| id.project_id.as_str()))
            && equal(&self.user, identity.map(|id| id.user_id.as_str()))
            && equal(&self.microversion, entry.microversion.as_deref())
            && equal(&self.request_id, Some(entry.request_id.as_str()))
            && equal(&self.namespace, Some(namespace))
            && self.status.is_none_or(|status| status == entry.status)
            && self.since.is_none_or(|since| entry.seq > since)
    }
}

#[derive(Debug, Default)]
struct Entries {
    entries: VecDeque<Arc<JournalEntry>>,
    next_seq: u64,
    dropped: u64,
}

/// The journal; cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<Entries>,
}

/// Counts describing the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JournalStats {
    /// Entries held now.
    pub entries: usize,
    /// Maximum number of entries held.
    pub capacity: usize,
    /// Entries dropped to stay within the capacity since the last clear.
    pub dropped: u64,
}

impl Journal {
    /// Builds a journal that holds at most `capacity` entries; 0 disables it.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(Entries::default()),
        }
    }

    /// Tells whether requests are recorded at all.
    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Each operation leaves the queue consistent, so a panic elsewhere while
        // the lock was held cannot have left it half-changed.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an entry, assigning its sequence number and dropping the oldest
    /// entry when the journal is full.
    pub fn record(&self, entry: JournalEntry) {
        if !self.is_enabled() {
            return;
        }
        // The allocation before the lock and the oldest entry's release after
        // it keep the lock held only for the queue operations, since every
        // runtime worker takes it on every request.
        let mut entry = Arc::new(entry);
        let mut entries = self.lock();
        entries.next_seq += 1;
        if let Some(entry) = Arc::get_mut(&mut entry) {
            entry.seq = entries.next_seq;
        }
        let evicted = if entries.entries.len() == self.capacity {
            entries.dropped += 1;
            entries.entries.pop_front()
        } else {
            None
        };
        entries.entries.push_back(entry);
        drop(entries);
        drop(evicted);
    }

    /// Returns the matching entries, oldest first, and how many matched before
    /// `limit` was applied.
    pub fn query(&self, query: &JournalQuery) -> (Vec<Arc<JournalEntry>>, usize) {
        let entries = self.lock();
        let matching: Vec<Arc<JournalEntry>> = entries
            .entries
            .iter()
            .filter(|entry| query.matches(entry))
            .cloned()
            .collect();
        drop(entries);
        let total = matching.len();
        let skip = query.limit.map_or(0, |limit| total.saturating_sub(limit));
        (matching.into_iter().skip(skip).collect(), total)
    }

    /// Removes every entry and resets the dropped counter.
    pub fn clear(&self) {
        let mut entries = self.lock();
        entries.entries.clear();
        entries.dropped = 0;
    }

    /// Removes the entries of one namespace (`default` for requests outside
    /// any namespace).
    pub fn clear_namespace(&self, namespace: &str) {
        let mut entries = self.lock();
        entries.entries.retain(|entry| {
            entry
                .namespace
                .as_deref()
                .unwrap_or(crate::DEFAULT_NAMESPACE)
                != namespace
        });
    }

    /// Returns the journal's counts.
    pub fn stats(&self) -> JournalStats {
        let entries = self.lock();
        JournalStats {
            entries: entries.entries.len(),
            capacity: self.capacity,
            dropped: entries.dropped,
        }
    }
}

/// The JSON form of an entry in query results.
#[derive(Debug, Serialize)]
pub struct EntryView {
    seq: u64,
    time: String,
    namespace: String,
    method: String,
    path: String,
    query: Option<String>,
    route: Option<String>,
    flavor_id: Option<String>,
    key: Option<String>,
    project: Option<String>,
    user: Option<String>,
    roles: Vec<String>,
    microversion: Option<String>,
    request_id: String,
    status: u16,
    body: Option<serde_json::Value>,
    fault: Option<String>,
    injected_by: Option<u64>,
    latency_us: u64,
}

impl From<&JournalEntry> for EntryView {
    fn from(entry: &JournalEntry) -> Self {
        let identity = entry.identity.as_deref();
        Self {
            seq: entry.seq,
            time: format_utc(entry.time),
            namespace: entry
                .namespace
                .as_deref()
                .unwrap_or(crate::DEFAULT_NAMESPACE)
                .to_owned(),
            method: entry.method.to_string(),
            path: entry.path.clone(),
            query: entry.query.clone(),
            route: entry.route.as_deref().map(str::to_owned),
            flavor_id: entry.flavor_id.as_deref().map(str::to_owned),
            key: entry.key.as_deref().map(str::to_owned),
            project: identity.map(|id| id.project_id.clone()),
            user: identity.map(|id| id.user_id.clone()),
            roles: identity.map(|id| id.roles.clone()).unwrap_or_default(),
            microversion: entry.microversion.as_deref().map(str::to_owned),
            request_id: entry.request_id.to_string(),
            status: entry.status,
            body: entry.body.as_ref().map(RecordedBody::to_json),
            fault: entry.fault.clone(),
            injected_by: entry.injected_by,
            latency_us: entry.latency_us,
        }
    }
}

/// Formats a time as RFC 3339 in UTC with microseconds, such as
/// `2026-12-04T16:26:06.123456Z`.
pub fn format_utc(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let second_of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
        since_epoch.subsec_micros()
    )
}

/// Converts days since 1970-01-01 to a (year, month, day) date in the proleptic
/// Gregorian calendar (Howard Hinnant's `civil_from_days` algorithm).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn entry(method: Method, status: u16) -> JournalEntry {
        JournalEntry {
            seq: 0,
            time: UNIX_EPOCH,
            namespace: None,
            method,
            path: "/v2.1/flavors/1/os-extra_specs/k".to_owned(),
            query: None,
            route: Some("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}".into()),
            flavor_id: Some("1".into()),
            key: Some("k".into()),
            identity: None,
            microversion: Some("2.1".into()),
            request_id: RequestId::generate(&crate::ids::IdGenerator::new(Some(1))),
            status,
            body: None,
            fault: None,
            injected_by: None,
            latency_us: 1,
        }
    }

    #[test]
    fn full_journal_drops_oldest() {
        let journal = Journal::new(2);
        for status in [200, 201, 202] {
            journal.record(entry(Method::GET, status));
        }
        let (entries, total) = journal.query(&JournalQuery::default());
        assert_eq!(total, 2);
        assert_eq!(entries[0].status, 201);
        assert_eq!(journal.stats().dropped, 1);
    }

    #[test]
    fn query_filters_method_and_status() {
        let journal = Journal::new(10);
        journal.record(entry(Method::PUT, 200));
        journal.record(entry(Method::PUT, 400));
        journal.record(entry(Method::GET, 200));
        let query = JournalQuery {
            method: Some("put".to_owned()),
            status: Some(200),
            flavor_id: Some("1".into()),
            ..JournalQuery::default()
        };
        let (entries, total) = journal.query(&query);
        assert_eq!(total, 1);
        assert_eq!(entries[0].seq, 1);
    }

    #[test]
    fn limit_keeps_newest() {
        let journal = Journal::new(10);
        for _ in 0..5 {
            journal.record(entry(Method::GET, 200));
        }
        let query = JournalQuery {
            limit: Some(2),
            ..JournalQuery::default()
        };
        let (entries, total) = journal.query(&query);
        assert_eq!(total, 5);
        assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 5]);
    }

    #[test]
    fn disabled_journal_records_nothing() {
        let journal = Journal::new(0);
        journal.record(entry(Method::GET, 200));
        assert_eq!(journal.stats().entries, 0);
    }

    #[test]
    fn secrets_are_redacted() {
        let body = br#"{"auth": {"identity": {"password": {"user": {"password": "secret"}}, "token": {"id": "t"}}}}"#;
        let recorded = RecordedBody::new(&Bytes::from_static(body), true).unwrap();
        let text = recorded.to_json().to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("\"t\""), "{text}");
        assert_eq!(
            recorded.to_json()["auth"]["identity"]["password"]["user"]["password"],
            REDACTED
        );
    }

    #[test]
    fn other_keystone_secrets_are_redacted() {
        let body = br#"{"application_credential": {"id": "a", "secret": "s1"}, "totp": {"user": {"passcode": "s2"}}}"#;
        let text = RecordedBody::new(&Bytes::from_static(body), true)
            .unwrap()
            .to_json()
            .to_string();
        assert!(!text.contains("s1") && !text.contains("s2"), "{text}");
    }

    #[test]
    fn secrets_of_any_type_are_redacted() {
        let body = br#"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": 73194628}}, "totp": {"user": {"passcode": ["hunter2xyz"]}}, "x": {"secret": true, "password": null}, "token": {"id": "t", "password": "hunter2", "nested": {"secret": "s"}}, "y": {"password": {"value": "hunter2"}}}}}"#;
        let recorded = RecordedBody::new(&Bytes::from_static(body), true)
            .unwrap()
            .to_json();
        let identity = &recorded["auth"]["identity"];
        assert_eq!(identity["password"]["user"]["password"], REDACTED);
        assert_eq!(identity["totp"]["user"]["passcode"], REDACTED);
        assert_eq!(identity["x"]["secret"], REDACTED);
        assert!(identity["x"]["password"].is_null());
        assert_eq!(identity["token"]["password"], REDACTED);
        assert_eq!(identity["token"]["nested"]["secret"], REDACTED);
        assert_eq!(identity["y"]["password"]["value"], REDACTED);
        // Values under other keys are kept.
        assert_eq!(identity["password"]["user"]["name"], "admin");
        assert_eq!(identity["methods"][0], "password");
    }

    #[test]
    fn long_bodies_and_faults_are_cut() {
        let body = Bytes::from(vec![b'x'; 10_000]);
        let RecordedBody::Raw(kept) = RecordedBody::new(&body, false).unwrap() else {
            panic!("a Nova body is kept raw");
        };
        assert_eq!(kept.len(), MAX_RECORDED_BYTES);
        let fault = truncate_recorded("é".repeat(5000));
        assert!(fault.len() <= MAX_RECORDED_BYTES + '…'.len_utf8());
        assert!(fault.ends_with('…'));
    }

    #[test]
    fn kept_body_does_not_hold_the_read_buffer() {
        let buffer = Bytes::from(vec![b'x'; 8192]);
        let body = buffer.slice(..20);
        let RecordedBody::Raw(kept) = RecordedBody::new(&body, false).unwrap() else {
            panic!("a Nova body is kept raw");
        };
        assert_eq!(kept, body);
        assert_ne!(
            kept.as_ptr(),
            body.as_ptr(),
            "the record must own its bytes"
        );
    }

    #[test]
    fn unparsable_secret_body_is_dropped() {
        assert!(RecordedBody::new(&Bytes::from_static(b"password=x"), true).is_none());
    }

    #[test]
    fn formats_epoch_and_leap_day() {
        assert_eq!(format_utc(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(951_782_400) + Duration::from_micros(5);
        assert_eq!(format_utc(leap_day), "2000-02-29T00:00:00.000005Z");
    }
}
