//! Graceful shutdown of the `mock-nova` binary on SIGTERM and SIGINT: a
//! request in flight is completed, new connections are refused, idle
//! connections do not hold up the exit, and the process exits 0 after
//! logging the shutdown.

mod common;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::Request;
use common::admin;
use common::process::{self, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Milliseconds the delay rule keeps the request in flight.
const DELAY_MS: u64 = 6000;
/// Time after which a test gives up waiting, to detect a hang. It is shorter
/// than the 30 s shutdown grace period, so an exit that waited for idle
/// connections until the grace period ran out fails the test.
const HANG: Duration = Duration::from_secs(20);

/// Header deadline far beyond [`HANG`], so that only the shutdown can close
/// the idle connections.
const CONFIG: &str = r#"
auth = "noauth"

[limits]
header_read_timeout_seconds = 120
shutdown_grace_seconds = 30
"#;

/// Starts the binary with [`CONFIG`] from a file in a fresh temporary directory.
fn start_binary(name: &str) -> (Running, std::path::PathBuf) {
    let directory =
        std::env::temp_dir().join(format!("mock-nova-shutdown-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("create temp dir");
    let config = directory.join("config.toml");
    std::fs::write(&config, CONFIG).expect("write config");
    let running = process::start(&["--config", config.to_str().expect("UTF-8 path")]);
    (running, directory)
}

/// Waits for a JSON log line whose message contains `text` and returns the
/// lines read on the way, that line included.
fn wait_for_log(lines: &Receiver<String>, text: &str) -> Vec<String> {
    let deadline = Instant::now() + HANG;
    let mut seen = Vec::new();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(remaining)
            .unwrap_or_else(|error| panic!("no log line with {text:?} ({error}): {seen:#?}"));
        let found = line.contains(text);
        seen.push(line);
        if found {
            return seen;
        }
    }
}

/// Sends a signal with the `kill` command.
fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// Waits for the process to exit and returns its exit code.
fn wait_for_exit(running: &mut Running) -> Option<i32> {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(status) = running.child.try_wait().expect("query the child") {
            return status.code();
        }
        assert!(
            Instant::now() < deadline,
            "still running {HANG:?} after the signal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Adds a fault rule that delays every PUT to flavor 1 by [`DELAY_MS`].
async fn delay_puts_to_flavor_1(addr: SocketAddr) {
    let rule = format!(
        r#"{{"method": "PUT", "flavor_id": "1", "action": {{"type": "delay", "ms": {DELAY_MS}}}}}"#
    );
    let added = Request::new("POST", "/_mock/faults")
        .header("Content-Type", "application/json")
        .body(rule)
        .send(addr)
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
}

/// Keeps a request in flight with a delay rule, sends `signal` and checks
/// everything a graceful shutdown promises.
async fn shutdown_on(signal: &str) {
    let (mut running, directory) = start_binary(signal);
    let addr: SocketAddr = running.address.parse().expect("socket address");

    delay_puts_to_flavor_1(addr).await;

    // A keep-alive connection after one request, and one that sent nothing.
    let mut kept_alive = TcpStream::connect(addr).await.expect("connect");
    kept_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send a keep-alive request");
    let silent = TcpStream::connect(addr).await.expect("connect");

    let in_flight = tokio::spawn(async move {
        Request::new("PUT", "/v2.1/flavors/1/os-extra_specs/drain")
            .token(&admin())
            .header("Content-Type", "application/json")
            .body(r#"{"drain": "finished"}"#)
            .send(addr)
            .await
    });
    wait_for_log(&running.lines, "fault rule fired");

    send_signal(running.child.id(), signal);
    let lines = wait_for_log(&running.lines, "waiting for in-flight requests");
    let received = format!("received SIG{signal}, shutting down");
    assert!(
        lines.iter().any(|line| line.contains(&received)),
        "{lines:#?}"
    );
    assert!(
        !in_flight.is_finished(),
        "the delayed request ended before the shutdown began"
    );

    let refused = TcpStream::connect(addr).await;
    assert!(
        refused.is_err(),
        "a new connection was accepted during the shutdown"
    );

    let response = tokio::time::timeout(HANG, in_flight)
        .await
        .expect("in-flight request finished")
        .expect("request task completes");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.text(), r#"{"drain": "finished"}"#);

    let code = wait_for_exit(&mut running);
    assert_eq!(code, Some(0));
    let rest: Vec<String> = running.lines.iter().collect();
    assert!(
        rest.iter().any(|line| line.contains("mock-nova stopped")),
        "{rest:#?}"
    );
    drop(kept_alive);
    drop(silent);
    std::fs::remove_dir_all(&directory).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_request() {
    shutdown_on("TERM").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_finishes_in_flight_request() {
    shutdown_on("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grace_period_cuts_off_slow_requests() {
    const SLOW_REQUESTS: usize = 3;
    let directory =
        std::env::temp_dir().join(format!("mock-nova-shutdown-{}-grace", std::process::id()));
    std::fs::create_dir_all(&directory).expect("create temp dir");
    let config = directory.join("config.toml");
    std::fs::write(
        &config,
        "auth = \"noauth\"\n[limits]\nshutdown_grace_seconds = 1\n",
    )
    .expect("write config");
    let mut running = process::start(&["--config", config.to_str().expect("UTF-8 path")]);
    let addr: SocketAddr = running.address.parse().expect("socket address");

    delay_puts_to_flavor_1(addr).await;
    let mut slow = Vec::new();
    for index in 0..SLOW_REQUESTS {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let body = format!(r#"{{"cut{index}": "v"}}"#);
        let request = format!(
            "PUT /v2.1/flavors/1/os-extra_specs/cut{index} HTTP/1.1\r\nHost: x\r\n\
             X-Auth-Token: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            admin(),
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send the request");
        slow.push(stream);
    }
    // The delay rule keeps each request running much longer than this pause.
    tokio::time::sleep(Duration::from_millis(500)).await;

    send_signal(running.child.id(), "TERM");
    let seen = wait_for_log(&running.lines, "did not finish within the grace period");
    let warning: serde_json::Value =
        serde_json::from_str(seen.last().expect("the warning")).expect("JSON line");
    assert_eq!(warning["open_connections"], SLOW_REQUESTS, "{warning}");
    assert_eq!(wait_for_exit(&mut running), Some(0));
    for mut stream in slow {
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(HANG, stream.read_to_end(&mut answer)).await;
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    }
    std::fs::remove_dir_all(&directory).ok();
}

/// Requests sent while nothing reads the log: enough lines to fill the pipe
/// and the log buffers several times over.
const REQUESTS_WITH_STALLED_LOG: usize = 4000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_stdout_blocks_no_request() {
    use std::io::{BufRead, BufReader};

    let mut child = Command::new(process::BINARY)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--auth",
            "noauth",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("binary starts");
    // Reads up to the listening event, then keeps the pipe open unread, as a
    // log reader that stalled would.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut address = None;
    while address.is_none() {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("read the log");
        assert!(read > 0, "log ended before the listening event");
        let event: serde_json::Value = serde_json::from_str(&line).expect("log line is JSON");
        address = event["address"].as_str().map(str::to_owned);
    }
    let addr: SocketAddr = address.unwrap().parse().expect("socket address");

    for sent in 0..REQUESTS_WITH_STALLED_LOG {
        let response = tokio::time::timeout(
            HANG,
            Request::new("GET", "/v2.1/flavors/1/os-extra_specs")
                .token(&admin())
                .send(addr),
        )
        .await
        .unwrap_or_else(|_| panic!("request {sent} got no answer while the log stalled"));
        assert_eq!(response.status, 200, "request {sent}: {}", response.text());
    }

    send_signal(child.id(), "TERM");
    let mut running = Running {
        child,
        address: addr.to_string(),
        lines: std::sync::mpsc::channel().1,
    };
    assert_eq!(wait_for_exit(&mut running), Some(0));
    drop(stdout);
}
