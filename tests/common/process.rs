//! Running the `mock-nova` binary as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Path of the binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_mock-nova");

/// A running binary and the address it reported; dropping it stops the binary.
pub struct Running {
    /// The process.
    pub child: Child,
    /// Address from the listening event.
    pub address: String,
    /// Log lines after the listening event.
    pub lines: std::sync::mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port with JSON logs and waits for its listening
/// event.
pub fn start(extra_args: &[&str]) -> Running {
    let (sender, lines) = std::sync::mpsc::channel();
    let mut running = Running {
        child: Command::new(BINARY)
            .args(["--bind", "127.0.0.1:0", "--log-format", "json"])
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("binary starts"),
        address: String::new(),
        lines,
    };
    let stdout = running.child.stdout.take().expect("stdout is piped");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let line = running
            .lines
            .recv_timeout(remaining)
            .expect("listening event within 20 s");
        let event: serde_json::Value = serde_json::from_str(&line).expect("log line is JSON");
        if let Some(address) = event["address"].as_str() {
            running.address = address.to_owned();
            return running;
        }
    }
}
