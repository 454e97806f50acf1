//! Helpers shared by the integration tests: a server on a free loopback port and
//! a small HTTP/1.1 client that sends exactly the bytes a test asks for.

#![allow(dead_code)]

pub mod process;

use std::net::SocketAddr;
use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// Project id of the tests' noauth tokens.
pub const PROJECT: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

/// Returns the noauth token of an admin in [`PROJECT`].
pub fn admin() -> String {
    format!("admin:{PROJECT}")
}

/// A mock-nova server running inside the test process on 127.0.0.1.
pub struct TestServer {
    /// Address the server listens on.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts a server whose configuration is the built-in default overlaid with
    /// `config_toml`, listening on a free port.
    pub async fn start(config_toml: &str) -> Self {
        let mut flags = toml::Table::new();
        flags.insert("bind".into(), "127.0.0.1:0".into());
        let config = mock_nova::Config::from_layers(
            Some((Path::new("test.toml"), config_toml)),
            std::iter::empty(),
            &flags,
        )
        .expect("test configuration is valid");
        let server = mock_nova::Server::bind(config)
            .await
            .expect("server binds a free port");
        let addr = server.local_addr().expect("bound address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            shutdown: Some(shutdown),
        }
    }

    /// Returns `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends a request built with [`Request`].
    pub async fn send(&self, request: Request) -> Response {
        request.send(self.addr).await
    }

    /// Sends a GET with the given token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.send(Request::new("GET", path).token(token)).await
    }

    /// Sends a JSON body with the given method and token.
    pub async fn send_json(&self, method: &str, path: &str, token: &str, body: &str) -> Response {
        let request = Request::new(method, path)
            .token(token)
            .header("Content-Type", "application/json")
            .body(body);
        self.send(request).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A request to send over a fresh connection.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    /// Starts a request with no headers and no body.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds `X-Auth-Token`.
    pub fn token(self, token: &str) -> Self {
        self.header("X-Auth-Token", token)
    }

    /// Adds `OpenStack-API-Version: compute <version>`.
    pub fn microversion(self, version: &str) -> Self {
        self.header("OpenStack-API-Version", &format!("compute {version}"))
    }

    /// Sets the body; `Content-Length` is sent with it.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sends the request and reads the whole response.
    pub async fn send(&self, addr: SocketAddr) -> Response {
        let mut stream = TcpStream::connect(addr).await.expect("connect to server");
        let has_host = self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"));
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        if !has_host {
            head.push_str(&format!("Host: {addr}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = &self.body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");
        let mut bytes = head.into_bytes();
        if let Some(body) = &self.body {
            bytes.extend_from_slice(body);
        }
        stream.write_all(&bytes).await.expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read response");
        Response::parse(&raw, self.method == "HEAD")
    }
}

/// A parsed HTTP response.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header lines in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    fn parse(raw: &[u8], head_request: bool) -> Self {
        let split = raw
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("response has a header block");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("numeric status");
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if head_request {
            body.clear();
        }
        let chunked = headers
            .iter()
            .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
        if chunked {
            body = dechunk(&body);
        }
        Self {
            status,
            headers,
            body,
        }
    }

    /// Returns the first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(header, _)| *header == name)
            .map(|(_, value)| value.as_str())
    }

    /// Returns every value of a header, in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(header, _)| *header == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Returns the body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Parses the body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.text()))
    }

    /// Returns `(fault key, message)` of a Nova fault body.
    pub fn fault(&self) -> (String, String) {
        let body = self.json();
        let (key, detail) = body
            .as_object()
            .and_then(|object| object.iter().next())
            .unwrap_or_else(|| panic!("not a fault body: {}", self.text()));
        let message = detail["message"].as_str().unwrap_or_default().to_owned();
        (key.clone(), message)
    }
}

/// Sends raw bytes over a fresh connection and reads the whole response.
pub async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect to server");
    stream.write_all(bytes).await.expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    Response::parse(&raw, false)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|window| window == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
    out
}
