//! Tests of the `[limits]` table and the body size limit: oversized bodies and
//! heads, long paths and keys, clients that send nothing or send slowly, the
//! connection limit, and the memory that idle connections take.
//!
//! The deadlines in the test configuration are one second. Checks never
//! assert how fast the server is: a slow client must be cut off before it
//! finishes sending, and the waits in these tests are generous bounds that
//! only detect a hang.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::admin;
use common::process;
use common::{Request, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest request body the test servers accept, in bytes.
const BODY_LIMIT: usize = 4096;
/// Largest request head the test servers accept, in bytes.
const HEAD_LIMIT: usize = 8192;
/// Time after which a test gives up waiting for the server, to detect a hang.
const HANG: Duration = Duration::from_secs(20);

const CONFIG: &str = r#"
auth = "noauth"
max_request_body_size = 4096

[limits]
max_connections = 64
header_read_timeout_seconds = 1
body_read_timeout_seconds = 1
max_header_bytes = 8192
shutdown_grace_seconds = 5

[[flavors]]
id = "1"
name = "m1.tiny"
ram = 512
disk = 1
vcpus = 1
"#;

fn spec_path(key: &str) -> String {
    format!("/v2.1/flavors/1/os-extra_specs/{key}")
}

/// Builds the head of a PUT of one extra spec, up to the blank line, with the
/// given framing header.
fn put_head(key: &str, framing: &str) -> String {
    format!(
        "PUT {} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: {}\r\n\
         Content-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n",
        spec_path(key),
        admin()
    )
}

/// Returns the extra specs of flavor 1 as the server lists them.
async fn extra_specs(server: &TestServer) -> serde_json::Value {
    let listing = server.get("/v2.1/flavors/1/os-extra_specs", &admin()).await;
    assert_eq!(listing.status, 200, "{}", listing.text());
    listing.json()["extra_specs"].clone()
}

/// Returns the status code of a raw HTTP response, if it has a status line.
fn status_of(raw: &[u8]) -> Option<u16> {
    let line = raw.split(|&byte| byte == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    line.split(' ').nth(1)?.parse().ok()
}

/// Reads until the server closes the connection (EOF or reset) or `within`
/// passes. Returns the bytes read and whether the server closed it.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return (received, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (received, true),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

/// What came of sending a request slowly.
#[derive(Debug)]
struct Trickled {
    /// The bytes the server sent back.
    response: Vec<u8>,
    /// Whether the server responded or closed the connection before the
    /// client sent everything.
    cut_off: bool,
}

/// Sends `prefix` at once and then `trickle` one byte every `interval`, while
/// reading what the server sends until it closes the connection.
///
/// # Panics
/// When the server keeps the connection open for [`HANG`].
async fn send_slowly(
    addr: SocketAddr,
    prefix: &[u8],
    trickle: &[u8],
    interval: Duration,
) -> Trickled {
    let stream = TcpStream::connect(addr).await.expect("connect to server");
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(prefix).await.expect("send the prefix");
    let trickle = trickle.to_vec();
    let all_sent = Arc::new(AtomicBool::new(false));
    let sender = tokio::spawn({
        let all_sent = all_sent.clone();
        async move {
            for (index, byte) in trickle.iter().enumerate() {
                if index > 0 {
                    tokio::time::sleep(interval).await;
                }
                // Marked before the last byte goes out, so that a response
                // to the complete request never counts as cut off.
                if index + 1 == trickle.len() {
                    all_sent.store(true, Ordering::SeqCst);
                }
                if writer.write_all(&[*byte]).await.is_err() {
                    return;
                }
            }
            // Keep the write half open, as a slow client would, until aborted.
            std::future::pending::<()>().await;
            drop(writer);
        }
    });

    // The exchange ended early when the first response byte or the close
    // came before the client sent everything.
    let mut response = Vec::new();
    let mut cut_off = None;
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + HANG;
    let closed = loop {
        let reading = reader.read(&mut buffer);
        let Ok(read) = tokio::time::timeout_at(deadline, reading).await else {
            break false;
        };
        cut_off.get_or_insert(!all_sent.load(Ordering::SeqCst));
        match read {
            Ok(0) | Err(_) => break true,
            Ok(count) => response.extend_from_slice(&buffer[..count]),
        }
    };
    sender.abort();
    assert!(closed, "server kept a slow connection open for {HANG:?}");
    Trickled {
        response,
        cut_off: cut_off.unwrap_or(false),
    }
}

#[tokio::test]
async fn body_over_limit_gets_413() {
    let server = TestServer::start(CONFIG).await;
    let value = "v".repeat(BODY_LIMIT);
    let body = format!(r#"{{"big": "{value}"}}"#);
    let response = server
        .send_json("PUT", &spec_path("big"), &admin(), &body)
        .await;
    assert_eq!(response.status, 413);
    assert!(
        response.text().starts_with("413 Request Entity Too Large"),
        "{}",
        response.text()
    );
    assert_eq!(extra_specs(&server).await, serde_json::json!({}));
}

#[tokio::test]
async fn body_at_limit_is_read() {
    let server = TestServer::start(CONFIG).await;
    // A body of exactly the limit is parsed, and then fails the schema
    // because the value is longer than 255 characters.
    let padding = BODY_LIMIT - r#"{"big": ""}"#.len();
    let body = format!(r#"{{"big": "{}"}}"#, "v".repeat(padding));
    assert_eq!(body.len(), BODY_LIMIT);
    let response = server
        .send_json("PUT", &spec_path("big"), &admin(), &body)
        .await;
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(response.fault().0, "badRequest");
}

#[tokio::test]
async fn chunked_body_over_limit_gets_413() {
    let server = TestServer::start(CONFIG).await;
    let body = format!(r#"{{"big": "{}"}}"#, "v".repeat(BODY_LIMIT));
    let mut raw = put_head("big", "Transfer-Encoding: chunked").into_bytes();
    for chunk in body.as_bytes().chunks(1000) {
        raw.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        raw.extend_from_slice(chunk);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let response = common::send_raw(server.addr, &raw).await;
    assert_eq!(response.status, 413, "{}", response.text());
    assert_eq!(extra_specs(&server).await, serde_json::json!({}));
}

#[tokio::test]
async fn declared_length_over_limit_gets_413_unread() {
    let server = TestServer::start(CONFIG).await;
    // The client announces a large body but sends none: the 413 comes from
    // Content-Length alone, without waiting for the body.
    let head = put_head("big", "Content-Length: 1000000000");
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("send head");
    let (response, closed) = read_until_closed(&mut stream, HANG).await;
    assert!(closed, "connection still open after {HANG:?}");
    assert_eq!(status_of(&response), Some(413));
}

#[tokio::test]
async fn huge_header_gets_431() {
    let server = TestServer::start(CONFIG).await;
    let request = Request::new("GET", "/healthz").header("X-Padding", &"p".repeat(HEAD_LIMIT));
    let response = server.send(request).await;
    assert_eq!(response.status, 431);
}

#[tokio::test]
async fn many_headers_get_431() {
    let server = TestServer::start(CONFIG).await;
    let mut request = Request::new("GET", "/healthz");
    for index in 0..200 {
        request = request.header(&format!("X-Header-{index}"), "1");
    }
    let response = server.send(request).await;
    assert_eq!(response.status, 431);
}

#[tokio::test]
async fn long_paths_get_404_or_431() {
    let server = TestServer::start(CONFIG).await;
    // A flavor id that fits the head limit is looked up and not found.
    let flavor = "f".repeat(HEAD_LIMIT - 1000);
    let response = server
        .get(&format!("/v2.1/flavors/{flavor}/os-extra_specs"), &admin())
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.fault().0, "itemNotFound");

    // A path longer than the head limit is rejected before routing.
    let flavor = "f".repeat(HEAD_LIMIT * 2);
    let response = server
        .get(&format!("/v2.1/flavors/{flavor}/os-extra_specs"), &admin())
        .await;
    assert_eq!(response.status, 431);

    // Many dot segments are neither normalised away nor a server error.
    let dots = "/..".repeat(1000);
    let response = server
        .get(&format!("/v2.1/flavors/1{dots}/os-extra_specs"), &admin())
        .await;
    assert_eq!(response.status, 404);
}

#[tokio::test]
async fn long_keys_are_rejected() {
    let server = TestServer::start(CONFIG).await;
    let longest = "k".repeat(255);
    let body = format!(r#"{{"{longest}": "v"}}"#);
    let response = server
        .send_json("PUT", &spec_path(&longest), &admin(), &body)
        .await;
    assert_eq!(response.status, 200, "{}", response.text());

    let too_long = "k".repeat(256);
    let body = format!(r#"{{"{too_long}": "v"}}"#);
    let response = server
        .send_json("PUT", &spec_path(&too_long), &admin(), &body)
        .await;
    assert_eq!(response.status, 400, "{}", response.text());
    assert_eq!(response.fault().0, "badRequest");

    let body = format!(r#"{{"extra_specs": {{"{too_long}": "v"}}}}"#);
    let response = server
        .send_json("POST", "/v2.1/flavors/1/os-extra_specs", &admin(), &body)
        .await;
    assert_eq!(response.status, 400, "{}", response.text());

    let response = server.get(&spec_path(&"k".repeat(5000)), &admin()).await;
    assert_eq!(response.status, 404);
    assert_eq!(response.fault().0, "itemNotFound");

    let specs = extra_specs(&server).await;
    let keys: Vec<&String> = specs.as_object().expect("object").keys().collect();
    assert_eq!(keys, [&longest]);
}

#[tokio::test]
async fn slow_head_is_cut_off() {
    let server = TestServer::start(CONFIG).await;
    // Sending this head takes 40 × 250 ms = 10 s, far past the 1 s deadline.
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: {}\r\n\r\n",
        "s".repeat(10)
    );
    let (prefix, rest) = head.as_bytes().split_at(head.len() - 40);
    let trickled = send_slowly(server.addr, prefix, rest, Duration::from_millis(250)).await;
    assert!(trickled.cut_off, "the whole slow head was accepted");
    assert_ne!(status_of(&trickled.response), Some(200));
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let server = TestServer::start(CONFIG).await;
    let mut streams = Vec::new();
    for _ in 0..20 {
        streams.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    for stream in &mut streams {
        let (response, closed) = read_until_closed(stream, HANG).await;
        assert!(closed, "an idle connection stayed open for {HANG:?}");
        assert!(
            response.is_empty(),
            "{}",
            String::from_utf8_lossy(&response)
        );
    }
}

/// Sends a request on `stream` and reads its whole response, which must be
/// short enough to arrive in one read and have a body of `Content-Length`.
async fn exchange(stream: &mut TcpStream, head: &str) -> Vec<u8> {
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send request");
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    while !response_is_complete(&response) {
        let read = tokio::time::timeout(HANG, stream.read(&mut buffer))
            .await
            .expect("response within the hang bound")
            .expect("read response");
        assert!(read > 0, "connection closed mid-response");
        response.extend_from_slice(&buffer[..read]);
    }
    response
}

fn response_is_complete(response: &[u8]) -> bool {
    let text = String::from_utf8_lossy(response);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    body.len() >= length
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed() {
    let server = TestServer::start(CONFIG).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    for _ in 0..2 {
        let response = exchange(&mut stream, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(status_of(&response), Some(200));
    }
    let (response, closed) = read_until_closed(&mut stream, HANG).await;
    assert!(
        closed,
        "an idle keep-alive connection stayed open for {HANG:?}"
    );
    assert!(
        response.is_empty(),
        "{}",
        String::from_utf8_lossy(&response)
    );
}

#[tokio::test]
async fn delayed_response_keeps_connection() {
    let server = TestServer::start(CONFIG).await;
    let rule = r#"{"method": "GET", "action": {"type": "delay", "ms": 2500}}"#;
    let added = Request::new("POST", "/_mock/faults")
        .header("Content-Type", "application/json")
        .body(rule)
        .send(server.addr)
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    // The delayed request takes 2.5 s against a 1 s head deadline. The
    // connection must still serve it and then the next request.
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let head = format!(
        "GET /v2.1/flavors/1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\n\r\n",
        admin()
    );
    let delayed = exchange(&mut stream, &head).await;
    assert_eq!(
        status_of(&delayed),
        Some(200),
        "{}",
        String::from_utf8_lossy(&delayed)
    );
    let next = exchange(&mut stream, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(
        status_of(&next),
        Some(200),
        "{}",
        String::from_utf8_lossy(&next)
    );
}

#[tokio::test]
async fn idle_connections_free_their_slots() {
    let config = CONFIG.replace("max_connections = 64", "max_connections = 2");
    let server = TestServer::start(&config).await;
    let idle = [
        TcpStream::connect(server.addr).await.expect("connect"),
        TcpStream::connect(server.addr).await.expect("connect"),
    ];
    // Both slots are taken until the header deadline closes the idle
    // connections, and then the queued request is served.
    let request = Request::new("GET", "/healthz");
    let response = tokio::time::timeout(HANG, request.send(server.addr))
        .await
        .expect("request served once the idle connections were closed");
    assert_eq!(response.status, 200);
    drop(idle);
}

#[tokio::test]
async fn slow_http2_preface_is_cut_off() {
    let server = TestServer::start(CONFIG).await;
    // Sending the 24-byte HTTP/2 preface takes 24 × 500 ms = 12 s.
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let trickled = send_slowly(server.addr, b"", preface, Duration::from_millis(500)).await;
    assert!(trickled.cut_off, "the whole slow preface was accepted");
}

#[tokio::test]
async fn slow_body_gets_408() {
    let server = TestServer::start(CONFIG).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    let head = put_head("slow", "Content-Length: 20");
    stream.write_all(head.as_bytes()).await.expect("send head");
    stream
        .write_all(br#"{"slow": "#)
        .await
        .expect("send part of the body");
    let (response, closed) = read_until_closed(&mut stream, HANG).await;
    assert!(closed, "connection still open after {HANG:?}");
    assert_eq!(
        status_of(&response),
        Some(408),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert_eq!(extra_specs(&server).await, serde_json::json!({}));

    // The request still gets its journal entry.
    let page = server
        .send(Request::new("GET", "/_mock/journal?status=408"))
        .await
        .json();
    let entry = &page["entries"][0];
    assert_eq!(entry["method"], "PUT", "{page}");
    assert_eq!(entry["path"], spec_path("slow").as_str(), "{page}");
}

/// Sends `request`, closes the sending side and returns what the server sends
/// back before it closes the connection.
async fn send_half_closed(addr: SocketAddr, request: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    stream.shutdown().await.expect("close the sending side");
    let (response, closed) = read_until_closed(&mut stream, HANG).await;
    assert!(closed, "connection still open after {HANG:?}");
    response
}

/// Sends a request whose body is shorter than its `Content-Length`, closes
/// the sending side and returns the status and body of the response.
async fn send_short_body(addr: SocketAddr, head: &str) -> (Option<u16>, String) {
    let request = format!("{head}Content-Length: 30\r\n\r\n{{\"k\": \"v\"}}");
    let response = send_half_closed(addr, &request).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status_of(&response), body)
}

#[tokio::test]
async fn short_body_response_ignores_journal() {
    let with_journal = TestServer::start(CONFIG).await;
    let without = TestServer::start(&format!("journal_capacity = 0\n{CONFIG}")).await;
    let path = spec_path("k");
    let cases = [
        // The token check comes before the body is read. In noauth mode a
        // request without a token gets 204 and a token to use.
        (
            format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"),
            204,
        ),
        (
            format!(
                "PUT {path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\n\
                 Content-Type: application/json\r\n",
                admin()
            ),
            400,
        ),
        (
            "POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: x\r\n\
             Content-Type: application/json\r\n"
                .to_owned(),
            400,
        ),
    ];
    for (head, status) in cases {
        let (journaled_status, journaled_body) = send_short_body(with_journal.addr, &head).await;
        let (plain_status, plain_body) = send_short_body(without.addr, &head).await;
        assert_eq!(journaled_status, Some(status), "{head}{journaled_body}");
        assert_eq!(plain_status, Some(status), "{head}{plain_body}");
        assert_eq!(journaled_body, plain_body, "{head}");
    }
    assert_eq!(extra_specs(&with_journal).await, serde_json::json!({}));
}

// On two runtime workers, as the server runs, the connection task reads the
// end of the stream while another worker serves the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_closed_request_gets_its_response() {
    let server = TestServer::start(CONFIG).await;
    // Without half-close support about half the tries get no response, so
    // twenty tries catch it almost surely.
    for attempt in 0..20 {
        let key = format!("half{attempt}");
        let body = format!("{{\"{key}\": \"v\"}}");
        // Without `Connection: close`, hyper reads on after the body and
        // meets the end of the stream while the request is being served.
        let head = format!(
            "PUT {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            spec_path(&key),
            admin(),
            body.len()
        );
        let response = send_half_closed(server.addr, &format!("{head}{body}")).await;
        assert_eq!(
            status_of(&response),
            Some(200),
            "attempt {attempt}: {}",
            String::from_utf8_lossy(&response)
        );
    }
    assert_eq!(
        extra_specs(&server)
            .await
            .as_object()
            .map(|specs| specs.len()),
        Some(20)
    );
}

#[tokio::test]
async fn trickled_body_gets_408() {
    let server = TestServer::start(CONFIG).await;
    // Each byte arrives well within the 1 s deadline, but the whole body
    // takes 60 × 250 ms = 15 s.
    let value = "v".repeat(48);
    let body = format!(r#"{{"slow": "{value}"}}"#);
    let head = put_head("slow", &format!("Content-Length: {}", body.len()));
    let trickled = send_slowly(
        server.addr,
        head.as_bytes(),
        body.as_bytes(),
        Duration::from_millis(250),
    )
    .await;
    assert!(trickled.cut_off, "the whole trickled body was accepted");
    assert_eq!(
        status_of(&trickled.response),
        Some(408),
        "{}",
        String::from_utf8_lossy(&trickled.response)
    );
    assert_eq!(extra_specs(&server).await, serde_json::json!({}));
}

#[tokio::test]
async fn slow_clients_do_not_block_others() {
    // A long header deadline keeps the slow connections open throughout.
    let config = CONFIG.replace(
        "header_read_timeout_seconds = 1",
        "header_read_timeout_seconds = 60",
    );
    let server = TestServer::start(&config).await;
    let mut slow = Vec::new();
    for _ in 0..16 {
        slow.push(TcpStream::connect(server.addr).await.expect("connect"));
    }
    for _ in 0..16 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("send part of a head");
        slow.push(stream);
    }

    for index in 0..20 {
        let body = format!(r#"{{"k{index}": "v"}}"#);
        let path = spec_path(&format!("k{index}"));
        let response = server.send_json("PUT", &path, &admin(), &body).await;
        assert_eq!(response.status, 200, "{}", response.text());
    }
    let specs = extra_specs(&server).await;
    assert_eq!(specs.as_object().map(serde_json::Map::len), Some(20));

    // The slow connections were open all along: nothing to read, no EOF.
    let mut buffer = [0u8; 16];
    for stream in &slow {
        let read = stream.try_read(&mut buffer);
        let still_open = read
            .as_ref()
            .is_err_and(|error| error.kind() == std::io::ErrorKind::WouldBlock);
        assert!(still_open, "a slow connection ended early: {read:?}");
    }
}

#[tokio::test]
async fn connections_over_limit_wait_for_a_slot() {
    let config = CONFIG
        .replace("max_connections = 64", "max_connections = 2")
        .replace(
            "header_read_timeout_seconds = 1",
            "header_read_timeout_seconds = 60",
        );
    let server = TestServer::start(&config).await;
    let mut first = TcpStream::connect(server.addr).await.expect("connect");
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("send part of a head");
    let second = TcpStream::connect(server.addr).await.expect("connect");
    // Give the server time to accept both, so that the third client queues.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let addr = server.addr;
    let queued = tokio::spawn(async move { Request::new("GET", "/healthz").send(addr).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !queued.is_finished(),
        "a client past max_connections was served while both slots were taken"
    );

    // Finishing the first request frees its slot for the queued client.
    first
        .write_all(b"Connection: close\r\n\r\n")
        .await
        .expect("finish the head");
    let (response, closed) = read_until_closed(&mut first, HANG).await;
    assert!(closed);
    assert_eq!(status_of(&response), Some(200));
    let response = tokio::time::timeout(HANG, queued)
        .await
        .expect("queued client served once a slot freed")
        .expect("client task completes");
    assert_eq!(response.status, 200);
    drop(second);
}

/// Returns the resident set size of a process in KiB, from `/proc/<pid>/status`.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line in kB")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_keep_memory_bounded() {
    const CONNECTIONS: usize = 300;
    // Generous bounds, far above the few MiB a debug build uses for this.
    const MAX_GROWTH_KIB: u64 = 128 * 1024;
    const MAX_RESIDENT_KIB: u64 = 512 * 1024;

    let directory = std::env::temp_dir().join(format!("mock-nova-limits-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("create temp dir");
    let config = directory.join("limits.toml");
    let text = CONFIG
        .replace("max_connections = 64", "max_connections = 1024")
        .replace(
            "header_read_timeout_seconds = 1",
            "header_read_timeout_seconds = 60",
        );
    std::fs::write(&config, text).expect("write config");
    let running = process::start(&["--config", config.to_str().expect("UTF-8 path")]);
    let addr: SocketAddr = running.address.parse().expect("socket address");
    let pid = running.child.id();

    // One request first, so that the baseline includes the lazily built parts.
    let response = Request::new("GET", "/v2.1/flavors/1/os-extra_specs")
        .token(&admin())
        .send(addr)
        .await;
    assert_eq!(response.status, 200);
    let before = resident_kib(pid);

    // Half of the connections send nothing, half a partial head with 4 KiB of
    // header, so that the server keeps a read buffer for each.
    let mut held = Vec::with_capacity(CONNECTIONS);
    let partial = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: {}",
        "p".repeat(4096)
    );
    for index in 0..CONNECTIONS {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        if index % 2 == 1 {
            stream
                .write_all(partial.as_bytes())
                .await
                .expect("send a partial head");
        }
        held.push(stream);
    }
    let response = Request::new("GET", "/v2.1/flavors/1/os-extra_specs")
        .token(&admin())
        .send(addr)
        .await;
    assert_eq!(
        response.status, 200,
        "served next to {CONNECTIONS} idle connections"
    );
    let during = resident_kib(pid);

    drop(held);
    drop(running);
    std::fs::remove_dir_all(&directory).ok();
    assert!(
        during < MAX_RESIDENT_KIB,
        "resident set is {during} KiB with {CONNECTIONS} idle connections"
    );
    assert!(
        during.saturating_sub(before) < MAX_GROWTH_KIB,
        "resident set grew from {before} KiB to {during} KiB for {CONNECTIONS} idle connections"
    );
}
