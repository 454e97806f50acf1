//! Concurrency tests. Many HTTP clients read and write the same extra specs
//! at once, threads call the store directly, and clients race to create a
//! namespace. Concurrent writers' acknowledged writes must also survive a
//! SIGKILL of a server with a state file.
//!
//! Every value a test writes is unique, so a value read back names the write
//! that stored it. Each request is timed from before it is sent until its
//! response is read. When one request ended before another started, the
//! server must have applied them in that order, which makes these checks
//! decidable:
//! - every key ends with the value of a write that no later write or delete
//!   followed, or absent after a delete that no later write followed;
//! - a read returns a complete value that some client sent, never one that
//!   was overwritten or deleted before the read started;
//! - a POST that sets several keys is seen all at once or not at all.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{PROJECT, admin};
use common::{Request, TestServer};
use mock_nova::store::{NewFlavor, Store, StoreError, Viewer};
use serde_json::{Value, json};
use tokio::task::JoinSet;

/// Concurrent HTTP clients.
const CLIENTS: usize = 64;
/// Requests each HTTP client sends, one after another.
const REQUESTS_PER_CLIENT: usize = 40;
const FLAVORS: [&str; 2] = ["1", "2"];
/// Keys that PUT, POST and DELETE all compete for.
const KEYS: [&str; 4] = ["k0", "k1", "k2", "k3"];
/// Keys that only POST writes, always both with one value.
const PAIR: [&str; 2] = ["pair:a", "pair:b"];
/// Deadline for a whole test. Passing it means that a request or a lock hung.
const DEADLINE: Duration = Duration::from_secs(120);

const CONFIG: &str = r#"
auth = "noauth"

[[flavors]]
id = "1"
name = "m1.tiny"
ram = 512
disk = 1
vcpus = 1

[[flavors]]
id = "2"
name = "m1.small"
ram = 2048
disk = 20
vcpus = 1
"#;

/// A small deterministic generator (xorshift64), so each run sends the same
/// mix of requests.
struct Xorshift(u64);

impl Xorshift {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

/// Builds a value unique to one request: its tag repeated to 240 characters,
/// so a value cut short or mixed with another cannot pass for a sent one.
fn unique_value(tag: &str) -> String {
    tag.repeat(240 / tag.len() + 1)[..240].to_owned()
}

#[derive(Debug, Clone)]
enum Operation {
    Put { key: String, value: String },
    Post { specs: Vec<(String, String)> },
    Delete { key: String },
    Show { key: String },
    List,
}

/// One request as the client saw it.
#[derive(Debug, Clone)]
struct Record {
    flavor: &'static str,
    operation: Operation,
    sent: Instant,
    answered: Instant,
    status: u16,
    body: Vec<u8>,
}

impl Record {
    /// Tells whether this request ended before `other` started, which forces
    /// the server to apply it first.
    fn precedes(&self, other: &Record) -> bool {
        self.answered < other.sent
    }

    /// Names the request in failure messages, each value by its tag.
    fn describe(&self) -> String {
        let tag = |value: &str| value.split('.').next().unwrap_or_default().to_owned();
        let operation = match &self.operation {
            Operation::Put { key, value } => format!("PUT {key}={}", tag(value)),
            Operation::Post { specs } => {
                let keys: Vec<&str> = specs.iter().map(|(key, _)| key.as_str()).collect();
                let value = specs
                    .first()
                    .map(|(_, value)| tag(value))
                    .unwrap_or_default();
                format!("POST {}={value}", keys.join(","))
            }
            Operation::Delete { key } => format!("DELETE {key}"),
            Operation::Show { key } => format!("GET {key}"),
            Operation::List => "GET list".to_owned(),
        };
        format!("{operation} on flavor {} -> {}", self.flavor, self.status)
    }
}

fn choose_operation(random: &mut Xorshift, client: usize, index: usize) -> Operation {
    let key = KEYS[random.below(KEYS.len())].to_owned();
    let tag = format!("c{client:02}r{index:02}.");
    match random.below(20) {
        0..=5 => Operation::Put {
            key,
            value: unique_value(&tag),
        },
        6..=8 => {
            let value = unique_value(&tag);
            let mut specs = vec![(key, value.clone())];
            specs.extend(PAIR.iter().map(|pair| ((*pair).to_owned(), value.clone())));
            Operation::Post { specs }
        }
        9..=11 => Operation::Delete { key },
        12..=16 => Operation::Show { key },
        _ => Operation::List,
    }
}

fn build_request(flavor: &str, operation: &Operation) -> Request {
    let specs = format!("/v2.1/{PROJECT}/flavors/{flavor}/os-extra_specs");
    let request = match operation {
        Operation::Put { key, value } => {
            let body = json!({ key: value }).to_string();
            Request::new("PUT", &format!("{specs}/{key}"))
                .header("Content-Type", "application/json")
                .body(body)
        }
        Operation::Post { specs: pairs } => {
            let map: serde_json::Map<String, Value> = pairs
                .iter()
                .map(|(key, value)| (key.clone(), Value::from(value.as_str())))
                .collect();
            let body = json!({ "extra_specs": map }).to_string();
            Request::new("POST", &specs)
                .header("Content-Type", "application/json")
                .body(body)
        }
        Operation::Delete { key } => Request::new("DELETE", &format!("{specs}/{key}")),
        Operation::Show { key } => Request::new("GET", &format!("{specs}/{key}")),
        Operation::List => Request::new("GET", &specs),
    };
    request.token(&admin())
}

async fn run_client(addr: std::net::SocketAddr, client: usize) -> Vec<Record> {
    let mut random = Xorshift::new(client as u64 + 1);
    let mut records = Vec::with_capacity(REQUESTS_PER_CLIENT);
    for index in 0..REQUESTS_PER_CLIENT {
        let flavor = FLAVORS[random.below(FLAVORS.len())];
        let operation = choose_operation(&mut random, client, index);
        let request = build_request(flavor, &operation);
        let sent = Instant::now();
        let response = request.send(addr).await;
        let answered = Instant::now();
        records.push(Record {
            flavor,
            operation,
            sent,
            answered,
            status: response.status,
            body: response.body,
        });
    }
    records
}

/// The requests that touched one key of one flavor.
#[derive(Debug, Default)]
struct KeyHistory<'a> {
    /// Acknowledged writes by value. Values are unique per request.
    writes: HashMap<String, &'a Record>,
    /// Every value any request tried to write, acknowledged or not.
    sent_values: HashSet<String>,
    /// Acknowledged deletes.
    deletes: Vec<&'a Record>,
    /// GET and DELETE requests that got 404 because the key was absent.
    absences: Vec<&'a Record>,
    /// Reads that returned a value, with that value.
    reads: Vec<(&'a Record, String)>,
}

impl<'a> KeyHistory<'a> {
    /// Returns the requests that replaced or removed the value of `write`.
    fn overwriters(&self, write: &'a Record) -> impl Iterator<Item = &'a Record> + '_ {
        let others = self
            .writes
            .values()
            .copied()
            .filter(move |other| !std::ptr::eq(*other, write));
        others
            .chain(self.deletes.iter().copied())
            .chain(self.absences.iter().copied())
    }

    /// Checks a value found at the end or by a read that started at `seen`:
    /// no other write or delete may have run entirely between its write and
    /// `seen`.
    fn check_present(&self, value: &str, seen: Instant, what: &str) {
        let write = self
            .writes
            .get(value)
            .unwrap_or_else(|| panic!("{what} returned {value:?}, which no write acknowledged"));
        let later = self
            .overwriters(write)
            .find(|other| write.precedes(other) && other.answered < seen);
        assert!(
            later.is_none(),
            "{what} returned the value of {}, but {} replaced it before",
            write.describe(),
            later.map(Record::describe).unwrap_or_default()
        );
    }

    /// Checks an absence found at the end or by a request that ran from
    /// `sent` to `answered`: every write acknowledged before `sent` must have
    /// been followed by a delete that overlapped or followed it.
    fn check_absent(&self, sent: Instant, answered: Instant, what: &str) {
        for write in self.writes.values() {
            if write.answered >= sent {
                continue;
            }
            let removed = self
                .deletes
                .iter()
                .any(|delete| delete.answered > write.sent && delete.sent < answered);
            assert!(
                removed,
                "{what} found the key absent, but {} was acknowledged before and no delete \
                 followed it",
                write.describe()
            );
        }
    }
}

fn history_of<'h, 'a>(
    histories: &'h mut BTreeMap<(&'static str, String), KeyHistory<'a>>,
    flavor: &'static str,
    key: &str,
) -> &'h mut KeyHistory<'a> {
    histories
        .get_mut(&(flavor, key.to_owned()))
        .unwrap_or_else(|| panic!("request to unknown key {key:?}"))
}

/// Sorts the requests by key into histories; list requests are left out.
fn histories(records: &[Record]) -> BTreeMap<(&'static str, String), KeyHistory<'_>> {
    let mut histories = BTreeMap::new();
    for flavor in FLAVORS {
        for key in KEYS.iter().chain(PAIR.iter()) {
            histories.insert((flavor, (*key).to_owned()), KeyHistory::default());
        }
    }
    for record in records {
        let acknowledged = record.status == 200;
        match &record.operation {
            Operation::Put { key, value } => {
                let history = history_of(&mut histories, record.flavor, key);
                history.sent_values.insert(value.clone());
                if acknowledged {
                    history.writes.insert(value.clone(), record);
                }
            }
            Operation::Post { specs } => {
                for (key, value) in specs {
                    let history = history_of(&mut histories, record.flavor, key);
                    history.sent_values.insert(value.clone());
                    if acknowledged {
                        history.writes.insert(value.clone(), record);
                    }
                }
            }
            Operation::Delete { key } => {
                let history = history_of(&mut histories, record.flavor, key);
                if acknowledged {
                    history.deletes.push(record);
                } else {
                    history.absences.push(record);
                }
            }
            Operation::Show { key } => {
                let history = history_of(&mut histories, record.flavor, key);
                if acknowledged {
                    let body: Value = serde_json::from_slice(&record.body).expect("JSON body");
                    let value = body[key.as_str()].as_str().unwrap_or_default().to_owned();
                    history.reads.push((record, value));
                } else {
                    history.absences.push(record);
                }
            }
            Operation::List => {}
        }
    }
    histories
}

/// Checks the status and body of one response on its own.
fn check_response(record: &Record) {
    let what = record.describe();
    let allowed: &[u16] = match record.operation {
        Operation::Put { .. } | Operation::Post { .. } | Operation::List => &[200],
        Operation::Delete { .. } | Operation::Show { .. } => &[200, 404],
    };
    assert!(
        allowed.contains(&record.status),
        "unexpected status: {what}"
    );
    if record.status == 404 {
        let body: Value = serde_json::from_slice(&record.body).expect("404 body is JSON");
        assert_eq!(body["itemNotFound"]["code"], 404, "{what}: {body}");
        return;
    }
    let body = || -> Value {
        serde_json::from_slice(&record.body)
            .unwrap_or_else(|error| panic!("{what}: body is not JSON ({error})"))
    };
    match &record.operation {
        Operation::Put { key, value } => assert_eq!(body(), json!({ key: value }), "{what}"),
        Operation::Post { specs } => {
            let map: serde_json::Map<String, Value> = specs
                .iter()
                .map(|(key, value)| (key.clone(), Value::from(value.as_str())))
                .collect();
            assert_eq!(body(), json!({ "extra_specs": map }), "{what}");
        }
        Operation::Delete { .. } => assert!(record.body.is_empty(), "{what}"),
        Operation::Show { key } => {
            let body = body();
            let object = body.as_object().expect("object body");
            assert_eq!(object.len(), 1, "{what}: {body}");
            assert!(object[key.as_str()].is_string(), "{what}: {body}");
        }
        Operation::List => {
            let body = body();
            assert!(body["extra_specs"].is_object(), "{what}: {body}");
        }
    }
}

/// Checks one listing of a flavor's extra specs, taken from `sent` to
/// `answered`, against the histories: only known keys, only complete sent
/// values, nothing stale, and both pair keys or neither.
fn check_listing(
    histories: &BTreeMap<(&'static str, String), KeyHistory<'_>>,
    flavor: &'static str,
    specs: &serde_json::Map<String, Value>,
    sent: Instant,
    answered: Instant,
    what: &str,
) {
    for key in specs.keys() {
        let known = KEYS.contains(&key.as_str()) || PAIR.contains(&key.as_str());
        assert!(known, "{what}: unexpected key {key:?}");
    }
    for key in KEYS.iter().chain(PAIR.iter()) {
        let history = &histories[&(flavor, (*key).to_owned())];
        match specs.get(*key) {
            Some(value) => {
                let value = value.as_str().expect("string value");
                assert!(
                    history.sent_values.contains(value),
                    "{what}: {key} holds {value:?}, which no client sent"
                );
                history.check_present(value, sent, &format!("{what} ({key})"));
            }
            None => history.check_absent(sent, answered, &format!("{what} ({key})")),
        }
    }
    assert_eq!(
        specs.get(PAIR[0]),
        specs.get(PAIR[1]),
        "{what}: a POST was seen half applied"
    );
}

/// Checks every read against the histories.
fn check_reads(records: &[Record], histories: &BTreeMap<(&'static str, String), KeyHistory<'_>>) {
    for history in histories.values() {
        for (read, value) in &history.reads {
            let what = read.describe();
            assert!(
                history.sent_values.contains(value),
                "{what}: read {value:?}, which no client sent"
            );
            history.check_present(value, read.sent, &what);
        }
        for absence in &history.absences {
            history.check_absent(absence.sent, absence.answered, &absence.describe());
        }
    }
    for record in records {
        if !matches!(record.operation, Operation::List) {
            continue;
        }
        let body: Value = serde_json::from_slice(&record.body).expect("JSON body");
        let specs = body["extra_specs"].as_object().expect("extra_specs object");
        let what = record.describe();
        check_listing(
            histories,
            record.flavor,
            specs,
            record.sent,
            record.answered,
            &what,
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn http_writers_keep_last_write() {
    let server = TestServer::start(CONFIG).await;
    let addr = server.addr;

    let run = async {
        let mut clients = JoinSet::new();
        for client in 0..CLIENTS {
            clients.spawn(run_client(addr, client));
        }
        let mut records = Vec::with_capacity(CLIENTS * REQUESTS_PER_CLIENT);
        while let Some(result) = clients.join_next().await {
            records.extend(result.expect("client task completes"));
        }
        records
    };
    let records = tokio::time::timeout(DEADLINE, run)
        .await
        .expect("every request answered before the deadline");
    assert_eq!(records.len(), CLIENTS * REQUESTS_PER_CLIENT);

    for record in &records {
        check_response(record);
    }
    let histories = histories(&records);
    check_reads(&records, &histories);

    for flavor in FLAVORS {
        let path = format!("/v2.1/flavors/{flavor}/os-extra_specs");
        let sent = Instant::now();
        let listing = server.get(&path, &admin()).await;
        let answered = Instant::now();
        assert_eq!(listing.status, 200);
        let body = listing.json();
        let specs = body["extra_specs"].as_object().expect("extra_specs object");
        let what = format!("final listing of flavor {flavor}");
        check_listing(&histories, flavor, specs, sent, answered, &what);
    }
}

/// Threads that call the store directly in the store-level test.
const THREADS: usize = 8;
/// Rounds of calls each of those threads makes.
const ROUNDS: usize = 1500;

const ADMIN: Viewer<'static> = Viewer {
    project_id: PROJECT,
    is_admin: true,
};

fn new_flavor(flavor_id: &str, is_public: bool) -> NewFlavor {
    NewFlavor {
        internal_id: None,
        flavor_id: flavor_id.to_owned(),
        name: format!("flavor-{flavor_id}"),
        memory_mb: 512,
        vcpus: 1,
        root_gb: 1,
        ephemeral_gb: 0,
        swap: 0,
        rxtx_factor: 1.0,
        is_public,
        disabled: false,
        description: None,
        extra_specs: BTreeMap::new(),
        projects: Vec::new(),
    }
}

/// What one store thread did, for the checks after all threads joined.
#[derive(Debug, Default)]
struct ThreadLog {
    /// Successful calls that changed the store.
    changes: u64,
    /// Value this thread last wrote to the shared key, or `None` when its last
    /// call on that key was a successful delete.
    last_shared: Option<Option<String>>,
    /// Value of this thread's own key after its last call.
    own: Option<String>,
}

/// Runs one store thread: it writes its own key, competes for a shared key,
/// merges a pair of keys at once, changes the description and access list
/// and creates and deletes its own flavor, checking what each call returns.
fn hammer_store(store: &Store, thread: usize) -> ThreadLog {
    let mut random = Xorshift::new(thread as u64 + 100);
    let mut log = ThreadLog::default();
    let own_key = format!("own:{thread}");
    let own_flavor = format!("own-{thread}");
    let project = format!("{thread:032x}");
    let mut own_flavor_exists = false;

    for round in 0..ROUNDS {
        let value = unique_value(&format!("t{thread}r{round:04}."));
        match random.below(12) {
            0 | 1 => {
                store
                    .merge_extra_specs("shared", ADMIN, [("hot".to_owned(), value.clone())])
                    .expect("merge into an existing flavor");
                log.changes += 1;
                log.last_shared = Some(Some(value));
            }
            2 => match store.delete_extra_spec("shared", "hot", ADMIN) {
                Ok(()) => {
                    log.changes += 1;
                    log.last_shared = Some(None);
                }
                Err(StoreError::ExtraSpecNotFound { .. }) => {}
                Err(error) => panic!("unexpected error deleting the shared key: {error}"),
            },
            3 => {
                let pairs = PAIR.map(|key| (key.to_owned(), value.clone()));
                store
                    .merge_extra_specs("shared", ADMIN, pairs)
                    .expect("merge into an existing flavor");
                log.changes += 1;
            }
            4 => {
                if random.below(3) == 0 && log.own.is_some() {
                    store
                        .delete_extra_spec("shared", &own_key, ADMIN)
                        .expect("own key exists");
                    log.own = None;
                } else {
                    store
                        .merge_extra_specs("shared", ADMIN, [(own_key.clone(), value.clone())])
                        .expect("merge into an existing flavor");
                    log.own = Some(value);
                }
                log.changes += 1;
            }
            5 => {
                let found = store.extra_spec("shared", &own_key, ADMIN).ok();
                assert_eq!(found, log.own, "thread {thread} lost its own write");
            }
            6 => {
                let flavor = store.flavor("shared", ADMIN).expect("shared flavor");
                let specs = &flavor.extra_specs;
                assert_eq!(specs.get(PAIR[0]), specs.get(PAIR[1]), "half-applied merge");
                for (key, value) in specs {
                    let tag = value.split('.').next().unwrap_or_default();
                    assert_eq!(
                        *value,
                        unique_value(&format!("{tag}.")),
                        "torn value in {key}"
                    );
                }
                assert_eq!(specs.get(&own_key), log.own.as_ref());
            }
            7 => {
                let description = Some(format!("set by thread {thread} in round {round}"));
                let flavor = store
                    .set_description("shared", ADMIN, description.clone())
                    .expect("shared flavor exists");
                log.changes += 1;
                assert_eq!(
                    flavor.description, description,
                    "set_description returned another writer's description"
                );
            }
            8 => {
                let projects = store
                    .add_access("private", ADMIN, &project)
                    .expect("private flavor exists and this project has no access");
                log.changes += 1;
                assert!(projects.contains(&project), "access list misses the grant");
                let projects = store
                    .remove_access("private", ADMIN, &project)
                    .expect("this project has access");
                log.changes += 1;
                assert!(
                    !projects.contains(&project),
                    "access list keeps the revoked grant"
                );
            }
            9 => {
                if own_flavor_exists {
                    store.delete(&own_flavor).expect("own flavor exists");
                } else {
                    let created = store
                        .create(new_flavor(&own_flavor, true))
                        .expect("own flavor is new");
                    assert_eq!(created.flavor_id, own_flavor);
                }
                own_flavor_exists = !own_flavor_exists;
                log.changes += 1;
            }
            10 => {
                let query = mock_nova::store::ListQuery {
                    public: mock_nova::store::PublicFilter::All,
                    hide_disabled: false,
                    min_memory_mb: None,
                    min_root_gb: None,
                    name: None,
                    sort_key: mock_nova::store::SortKey::Name,
                    descending: random.below(2) == 0,
                    limit: 1000,
                    marker: None,
                };
                let flavors = store.list(&query, ADMIN).expect("listing without marker");
                let listed = flavors.iter().any(|flavor| flavor.flavor_id == own_flavor);
                assert_eq!(listed, own_flavor_exists, "listing disagrees on own flavor");
            }
            _ => {
                if let Ok(value) = store.extra_spec("shared", "hot", ADMIN) {
                    let tag = value.split('.').next().unwrap_or_default();
                    assert_eq!(value, unique_value(&format!("{tag}.")), "torn shared value");
                }
            }
        }
    }
    log
}

#[test]
fn store_threads_keep_last_write() {
    let store = Store::with_flavors([new_flavor("shared", true), new_flavor("private", false)])
        .expect("valid flavors");
    let changes_before = store.changes().current();

    // The threads run on a helper thread so that a deadlock fails the test at
    // the deadline instead of hanging it.
    let (sender, receiver) = std::sync::mpsc::channel();
    let worker_store = store.clone();
    std::thread::spawn(move || {
        let logs = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..THREADS)
                .map(|thread| {
                    let store = &worker_store;
                    scope.spawn(move || hammer_store(store, thread))
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| handle.join())
                .collect::<Result<Vec<ThreadLog>, _>>()
        });
        let _ = sender.send(logs);
    });
    let logs = match receiver.recv_timeout(DEADLINE) {
        Ok(Ok(logs)) => logs,
        // Re-raise the first failed check of a store thread.
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => panic!("store threads did not finish before the deadline: {error}"),
    };

    let flavor = store.flavor("shared", ADMIN).expect("shared flavor");
    for (thread, log) in logs.iter().enumerate() {
        let own = flavor.extra_specs.get(&format!("own:{thread}"));
        assert_eq!(own, log.own.as_ref(), "own key of thread {thread}");
    }

    // The shared key ends as some thread's last call on it left it.
    let last_calls: Vec<&Option<String>> = logs
        .iter()
        .filter_map(|log| log.last_shared.as_ref())
        .collect();
    let hot = flavor.extra_specs.get("hot").cloned();
    assert!(
        last_calls.contains(&&hot),
        "shared key holds {hot:?}, which is no thread's last write"
    );

    let access = store.access_list("private", ADMIN).expect("private flavor");
    assert!(access.is_empty(), "grants left behind: {access:?}");

    let changes: u64 = logs.iter().map(|log| log.changes).sum();
    assert_eq!(store.changes().current() - changes_before, changes);
}

/// Sends a PUT of one extra spec over a fresh connection and returns the
/// status, or `None` when the connection fails, as it does once the server
/// is killed.
async fn try_put(addr: std::net::SocketAddr, key: &str, value: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let body = json!({ key: value }).to_string();
    let head = format!(
        "PUT /v2.1/flavors/1/os-extra_specs/{key} HTTP/1.1\r\nHost: {addr}\r\n\
         X-Auth-Token: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        admin(),
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    stream.write_all(head.as_bytes()).await.ok()?;
    stream.write_all(body.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.ok()?;
    let line = response.split(|&byte| byte == b'\r').next()?;
    std::str::from_utf8(line)
        .ok()?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_survive_sigkill() {
    const WRITERS: usize = 16;
    const WRITES_PER_WRITER: usize = 300;

    let directory = std::env::temp_dir().join(format!(
        "mock-nova-concurrency-{}-sigkill",
        std::process::id()
    ));
    std::fs::create_dir_all(&directory).expect("create temp dir");
    let state_file = directory.join("state.json");
    let state_arg = state_file.to_string_lossy().into_owned();
    let args = ["--auth", "noauth", "--state-file", &state_arg];
    let mut running = common::process::start(&args);
    let addr: std::net::SocketAddr = running.address.parse().expect("socket address");

    // Each writer owns one key and writes numbered values to it in order, so
    // after the kill its key must hold the last acknowledged value, or the
    // next one if that write was saved but not yet acknowledged.
    let mut writers = JoinSet::new();
    for writer in 0..WRITERS {
        writers.spawn(async move {
            let key = format!("w{writer}");
            let mut acknowledged = None;
            for index in 0..WRITES_PER_WRITER {
                match try_put(addr, &key, &format!("v{index}")).await {
                    Some(200) => acknowledged = Some(index),
                    Some(status) => panic!("PUT of {key} got {status}"),
                    None => break,
                }
            }
            (writer, acknowledged)
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    running.child.kill().expect("SIGKILL");
    running.child.wait().expect("reaped");
    let mut acknowledged = BTreeMap::new();
    let collect = async {
        while let Some(result) = writers.join_next().await {
            let (writer, last) = result.expect("writer task completes");
            acknowledged.insert(writer, last);
        }
    };
    tokio::time::timeout(DEADLINE, collect)
        .await
        .expect("writers stop once the server is gone");
    let total: usize = acknowledged.values().flatten().map(|last| last + 1).sum();
    assert!(total > 0, "no write was acknowledged before the kill");

    let restarted = common::process::start(&args);
    let listing = Request::new("GET", "/v2.1/flavors/1/os-extra_specs")
        .token(&admin())
        .send(restarted.address.parse().expect("socket address"))
        .await;
    assert_eq!(listing.status, 200);
    let specs = listing.json()["extra_specs"].clone();
    for (writer, last) in acknowledged {
        let stored = specs[format!("w{writer}")].as_str().map(str::to_owned);
        let allowed: Vec<Option<String>> = match last {
            Some(last) => vec![Some(format!("v{last}")), Some(format!("v{}", last + 1))],
            None => vec![None, Some("v0".to_owned())],
        };
        assert!(
            allowed.contains(&stored),
            "writer {writer}: stored {stored:?}, last acknowledged {last:?}"
        );
    }
    drop(restarted);
    std::fs::remove_dir_all(&directory).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn namespace_first_use_keeps_writes() {
    const NAMESPACES: usize = 8;
    const WRITERS_PER_NAMESPACE: usize = 16;

    let server = TestServer::start(CONFIG).await;
    let addr = server.addr;
    // Every writer of a namespace sends its first request at once, so that
    // they race to create the namespace.
    let barrier = Arc::new(tokio::sync::Barrier::new(
        NAMESPACES * WRITERS_PER_NAMESPACE,
    ));
    let mut writers = JoinSet::new();
    for namespace in 0..NAMESPACES {
        for writer in 0..WRITERS_PER_NAMESPACE {
            let barrier = barrier.clone();
            writers.spawn(async move {
                let key = format!("w{writer}");
                let path = format!("/ns/race-{namespace}/v2.1/flavors/1/os-extra_specs/{key}");
                let request = Request::new("PUT", &path)
                    .token(&admin())
                    .header("Content-Type", "application/json")
                    .body(json!({ &key: "v" }).to_string());
                barrier.wait().await;
                request.send(addr).await.status
            });
        }
    }
    let collect = async {
        let mut statuses = Vec::new();
        while let Some(result) = writers.join_next().await {
            statuses.push(result.expect("writer task completes"));
        }
        statuses
    };
    let statuses = tokio::time::timeout(DEADLINE, collect)
        .await
        .expect("every write answered before the deadline");
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");

    for namespace in 0..NAMESPACES {
        let path = format!("/ns/race-{namespace}/v2.1/flavors/1/os-extra_specs");
        let listing = server.get(&path, &admin()).await;
        assert_eq!(listing.status, 200);
        let specs = listing.json()["extra_specs"].clone();
        for writer in 0..WRITERS_PER_NAMESPACE {
            let key = format!("w{writer}");
            assert_eq!(specs[&key], "v", "namespace race-{namespace} lost {key}");
        }
    }
}
