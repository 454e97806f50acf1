//! Tests of the `mock-nova` binary itself: start-up on the embedded default
//! configuration, the healthcheck subcommand, configuration errors and graceful
//! shutdown on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::PROJECT;
use common::process::{BINARY, start};

fn healthcheck(url: &str) -> std::process::ExitStatus {
    Command::new(BINARY)
        .args(["healthcheck", "--url", url, "--timeout", "2"])
        .stderr(Stdio::null())
        .status()
        .expect("healthcheck runs")
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn healthcheck_reports_ready_server() {
    let mut running = start(&[]);
    let url = format!("http://{}/readyz", running.address);
    assert!(healthcheck(&url).success());
    terminate(&running.child);
    let status = running.child.wait().expect("binary exits");
    assert!(status.success(), "{status}");
}

#[test]
fn readiness_drops_on_shutdown() {
    let running = start(&[]);
    let url = format!("http://{}/readyz", running.address);
    assert!(healthcheck(&url).success());
    terminate(&running.child);
    // After SIGTERM the listener stops accepting, so the probe fails.
    let deadline = Instant::now() + Duration::from_secs(10);
    while healthcheck(&url).success() {
        assert!(Instant::now() < deadline, "still ready 10 s after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn healthcheck_fails_without_server() {
    // Port 9 (discard) is not served on loopback in the test environment.
    assert!(!healthcheck("http://127.0.0.1:9/readyz").success());
}

#[test]
fn sigterm_stops_cleanly_and_logs() {
    let mut running = start(&[]);
    terminate(&running.child);
    let status = running.child.wait().expect("binary exits");
    assert_eq!(status.code(), Some(0));
    // The reader thread ends at end of output, which closes the channel.
    let rest: Vec<String> = running.lines.iter().collect();
    let stopped = rest.iter().any(|line| line.contains("mock-nova stopped"));
    assert!(stopped, "{rest:?}");
}

#[test]
fn startup_logs_seeded_flavors() {
    let running = start(&[]);
    assert!(running.address.starts_with("127.0.0.1:"));
    drop(running);
    let mut child = Command::new(BINARY)
        .args(["--bind", "127.0.0.1:0", "--log-format", "json"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let first = child
        .stdout
        .take()
        .map(|stdout| BufReader::new(stdout).lines().next());
    child.kill().expect("kill");
    child.wait().expect("wait");
    let first = first.flatten().expect("a log line").expect("readable");
    let event: serde_json::Value = serde_json::from_str(&first).expect("JSON log line");
    assert_eq!(event["flavors"], 12);
    // Flavors are listed in flavor id order, as the store keeps them.
    assert_eq!(event["flavor_ids"], "1,2,3,4,42,5,84,c1,d1,d2,d3,d4");
}

#[test]
fn invalid_config_exits_2() {
    let directory = std::env::temp_dir().join(format!("mock-nova-test-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let path = directory.join("bad.toml");
    std::fs::write(&path, "max_microversion = \"9.9\"\n").expect("write config");
    let output = Command::new(BINARY)
        .args(["--config", path.to_str().unwrap_or_default()])
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("outside the range"), "{stderr}");
    std::fs::remove_dir_all(&directory).ok();
}

/// Returns a value that is not valid UTF-8.
fn non_utf8() -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(b"caf\xe9".to_vec())
}

#[test]
fn foreign_non_utf8_variable_is_ignored() {
    // An empty RUST_LOG counts as unset, so the listening line is logged.
    let mut child = Command::new(BINARY)
        .args(["--bind", "127.0.0.1:0", "--log-format", "json"])
        .env("UNRELATED_VARIABLE", non_utf8())
        .env("RUST_LOG", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let first = BufReader::new(stdout).lines().next();
    let _ = child.kill();
    let _ = child.wait();
    let line = first.expect("a log line").expect("readable line");
    assert!(line.contains("listening"), "{line}");
}

#[test]
fn non_utf8_mock_nova_variable_exits_2() {
    let output = Command::new(BINARY)
        .env("MOCK_NOVA_PUBLIC_URL", non_utf8())
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("MOCK_NOVA_PUBLIC_URL is not valid UTF-8"),
        "{stderr}"
    );
}

/// Sends one GET over a fresh connection and returns the response head.
fn get(address: &str, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nX-Auth-Token: {token}\r\n\
         Connection: close\r\n\r\n"
    )
    .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    response
}

/// Returns the value of a response header, by its lowercase name.
fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Returns the first request line the binary logs within 10 s.
fn request_line(lines: &std::sync::mpsc::Receiver<String>) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let line = lines.recv_timeout(remaining).expect("a request line");
        if line.contains("mock_nova::request") {
            return line;
        }
    }
}

#[test]
fn request_line_is_json_without_token() {
    let running = start(&["--auth", "noauth"]);
    let token = format!("secret-user:{PROJECT}");
    let path = format!("/v2.1/{PROJECT}/flavors/1/os-extra_specs");
    let response = get(&running.address, &path, &token);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let request_id = header(&response, "x-openstack-request-id").expect("request id");

    let line = request_line(&running.lines);
    assert!(!line.contains("secret-user"), "token in the log: {line}");
    let event: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
    assert_eq!(event["level"], "INFO");
    assert_eq!(event["message"], "request");
    assert_eq!(event["method"], "GET");
    assert_eq!(event["path"], path.as_str());
    assert_eq!(
        event["route"],
        "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs"
    );
    assert_eq!(event["status"], 200);
    assert_eq!(event["microversion"], "2.1");
    assert_eq!(event["request_id"], request_id);
    assert!(event["latency_us"].is_u64(), "{line}");
    assert!(event.get("namespace").is_none(), "{line}");
}

#[test]
fn request_line_names_namespace() {
    let running = start(&["--auth", "noauth"]);
    let token = format!("admin:{PROJECT}");
    let path = format!("/v2.1/{PROJECT}/flavors/1/os-extra_specs");
    let response = get(&running.address, &format!("/ns/job-1{path}"), &token);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let line = request_line(&running.lines);
    let event: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
    assert_eq!(event["namespace"], "job-1", "{line}");
    assert_eq!(event["path"], path.as_str());
}

/// Starts the binary in noauth mode with text logs and the given environment,
/// and returns it with its remaining log lines and its address, read from the
/// listening line.
fn start_text_log(env: &[(&str, &str)]) -> (Child, impl Iterator<Item = String>, String) {
    let mut child = Command::new(BINARY)
        .args([
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "text",
            "--auth",
            "noauth",
        ])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let listening = lines.next().expect("a listening line");
    let address = listening
        .split_whitespace()
        .find_map(|word| word.strip_prefix("address="))
        .expect("address in the listening line")
        .to_owned();
    (child, lines, address)
}

#[test]
fn text_request_lines_quote_values_with_spaces() {
    let (mut child, mut lines, address) = start_text_log(&[]);
    let token = format!("secret-user:{PROJECT}");
    let path = format!("/v2.1/{PROJECT}/flavors/%22a%20b/os-extra_specs");
    let response = get(&address, &path, &token);
    assert!(response.starts_with("HTTP/1.1 404"), "{response}");
    let line = lines.next().expect("a request line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(!line.contains("secret-user"), "token in the log: {line}");
    assert!(
        line.contains(" INFO mock_nova::request: request method=GET path="),
        "{line}"
    );
    assert!(line.contains(" status=404 "), "{line}");
    assert!(line.contains(" request_id=req-"), "{line}");
    assert!(
        line.contains(" fault=\""),
        "a fault with spaces is quoted: {line}"
    );
}

#[test]
fn login_names_cannot_forge_log_lines() {
    use std::io::{Read, Write};
    let (mut child, mut lines, address) = start_text_log(&[]);
    let forged = "2026-12-05T10:00:00.000000Z  INFO mock_nova::request: request method=DELETE";
    let name = format!("eve\\n{forged}");
    let body = format!(
        r#"{{"auth":{{"identity":{{"methods":["password"],"password":{{"user":{{"name":"{name}","domain":{{"name":"Default"}},"password":"x"}}}}}}}}}}"#
    );
    let mut stream = std::net::TcpStream::connect(&address).expect("connects");
    write!(
        stream,
        "POST /identity/v3/auth/tokens HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");

    let rejected = lines.next().expect("a rejection line");
    let request = lines.next().expect("a request line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(rejected.contains("token request rejected"), "{rejected}");
    assert!(
        rejected.contains(r#"user="eve\n2026-12-05T10:00:00"#),
        "the name is quoted and escaped: {rejected}"
    );
    assert!(!request.starts_with(forged), "forged line: {request}");
    assert!(
        request.contains(" INFO mock_nova::request: request method=POST "),
        "{request}"
    );
}

#[test]
fn rust_log_can_turn_request_lines_off() {
    let (mut child, lines, address) =
        start_text_log(&[("RUST_LOG", "info,mock_nova::request=off")]);
    let path = format!("/v2.1/{PROJECT}/flavors/1/os-extra_specs");
    let response = get(&address, &path, &format!("admin:{PROJECT}"));
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    terminate(&child);
    let rest: Vec<String> = lines.collect();
    let _ = child.wait();
    assert!(
        rest.iter().any(|line| line.contains("mock-nova stopped")),
        "{rest:?}"
    );
    assert!(
        !rest.iter().any(|line| line.contains("mock_nova::request")),
        "{rest:?}"
    );
}
