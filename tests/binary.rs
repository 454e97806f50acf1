//! Tests of the `mock-nova` binary itself: start-up on the embedded default
//! configuration, the healthcheck subcommand, configuration errors and graceful
//! shutdown on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
