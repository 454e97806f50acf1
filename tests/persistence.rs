//! Persistence through the real binary: a server killed with SIGKILL during a
//! stream of writes restarts from its state file with every acknowledged write,
//! and a corrupt state file stops the start without being overwritten.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::process::{BINARY, start};

const TOKEN: &str = "admin:a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn temp_dir(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!(
        "mock-nova-{name}-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    ));
    std::fs::create_dir_all(&directory).expect("temp dir");
    directory
}

/// Sends one request and returns the status and body, or `None` if the
/// connection failed (the server may be dead).
fn request(address: &str, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nX-Auth-Token: {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.get(9..12)?.parse().ok()?;
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    Some((status, body))
}

#[test]
fn sigkill_keeps_acknowledged_writes() {
    let directory = temp_dir("sigkill");
    let state_file = directory.join("state.json");
    let state_arg = state_file.to_string_lossy().into_owned();
    let args = ["--auth", "noauth", "--state-file", &state_arg];

    let mut running = start(&args);
    let address = running.address.clone();
    let writer = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for index in 0..5000 {
            let key = format!("k{index}");
            let path = format!("/v2.1/flavors/1/os-extra_specs/{key}");
            match request(
                &address,
                "PUT",
                &path,
                &format!(r#"{{"{key}": "v{index}"}}"#),
            ) {
                Some((200, _)) => acknowledged.push(key),
                _ => break,
            }
        }
        acknowledged
    });
    // Let a stream of writes start, then kill the server in the middle of it.
    std::thread::sleep(Duration::from_millis(400));
    running.child.kill().expect("SIGKILL");
    running.child.wait().expect("reaped");
    let acknowledged = writer.join().expect("writer thread");
    assert!(
        acknowledged.len() > 10,
        "only {} writes",
        acknowledged.len()
    );

    let text = std::fs::read_to_string(&state_file).expect("state file exists");
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("state file is whole JSON");
    assert_eq!(parsed["mock_nova_state"], 1);

    let restarted = start(&args);
    let (status, body) = request(
        &restarted.address,
        "GET",
        "/v2.1/flavors/1/os-extra_specs",
        "",
    )
    .expect("list");
    assert_eq!(status, 200);
    let specs: serde_json::Value = serde_json::from_str(&body).expect("JSON list");
    let missing: Vec<&String> = acknowledged
        .iter()
        .filter(|key| specs["extra_specs"].get(key.as_str()).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "lost {} acknowledged writes: {missing:?}",
        missing.len()
    );
    drop(restarted);
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn corrupt_state_file_stops_start() {
    let directory = temp_dir("corrupt");
    let state_file = directory.join("state.json");
    std::fs::write(&state_file, b"{\"mock_nova_state\": 1, \"state\": ").expect("write");
    let output = Command::new(BINARY)
        .args(["--bind", "127.0.0.1:0", "--state-file"])
        .arg(&state_file)
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("not valid mock-nova state"), "{logs}");
    let after = std::fs::read(&state_file).expect("file still there");
    assert_eq!(after, b"{\"mock_nova_state\": 1, \"state\": ");
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn state_survives_clean_restart() {
    let directory = temp_dir("restart");
    let state_file = directory.join("state.json");
    let state_arg = state_file.to_string_lossy().into_owned();
    let args = ["--auth", "noauth", "--state-file", &state_arg];

    let running = start(&args);
    let created = request(
        &running.address,
        "POST",
        "/v2.1/flavors",
        r#"{"flavor": {"name": "kept", "ram": 512, "vcpus": 1, "disk": 1, "id": "kept"}}"#,
    );
    assert_eq!(created.map(|(status, _)| status), Some(200));
    drop(running);

    let restarted = start(&args);
    let shown = request(&restarted.address, "GET", "/v2.1/flavors/kept", "");
    assert_eq!(shown.map(|(status, _)| status), Some(200));
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn unwritable_state_path_stops_start() {
    let directory = temp_dir("unwritable");
    let state_file = directory.join("missing-directory").join("state.json");
    let output = Command::new(BINARY)
        .args(["--bind", "127.0.0.1:0", "--state-file"])
        .arg(&state_file)
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("cannot save state"), "{logs}");
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn seeded_ids_skip_saved_flavors() {
    let directory = temp_dir("seeded");
    let state_file = directory.join("state.json");
    let state_arg = state_file.to_string_lossy().into_owned();
    let args = [
        "--auth",
        "noauth",
        "--seed",
        "42",
        "--state-file",
        &state_arg,
    ];
    for name in ["first", "second"] {
        let running = start(&args);
        let body =
            format!(r#"{{"flavor": {{"name": "{name}", "ram": 1, "vcpus": 1, "disk": 1}}}}"#);
        let created = request(&running.address, "POST", "/v2.1/flavors", &body);
        assert_eq!(created.map(|(status, _)| status), Some(200), "{name}");
    }
    std::fs::remove_dir_all(&directory).ok();
}

#[test]
fn stale_temporary_files_are_removed() {
    let directory = temp_dir("stale");
    let state_file = directory.join("state.json");
    let stale = directory.join(".state.json.99999.tmp");
    std::fs::write(&stale, b"partial").expect("write stale file");
    let state_arg = state_file.to_string_lossy().into_owned();
    let running = start(&["--auth", "noauth", "--state-file", &state_arg]);
    assert!(!stale.exists());
    assert!(state_file.exists());
    drop(running);
    std::fs::remove_dir_all(&directory).ok();
}
