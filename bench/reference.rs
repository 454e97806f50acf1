//! Reference server for `bench/run.sh`: the ceiling that mock-nova's throughput
//! and latency are compared against.
//!
//! It serves the benchmarked routes on the same axum router, tokio runtime and
//! release profile as mock-nova, but keeps no state, checks nothing and logs
//! nothing. PUT reads the whole request body and every route returns a fixed
//! JSON body with fixed headers, so the difference to mock-nova is the cost of
//! mock-nova's own work. The bodies and headers can be captured from mock-nova,
//! so that wrk, which shares the CPUs with the servers, parses the same bytes
//! from both.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use clap::Parser;

/// Fixed reply of the one-key routes, as long as mock-nova's reply for the
/// benchmark's keys, which all have the form `spec-NNNNN`.
const ONE_SPEC_BODY: &str = r#"{"spec-00000": "value-00000"}"#;

/// Stateless HTTP server that returns fixed JSON bodies on mock-nova's
/// benchmarked routes.
#[derive(Debug, Parser)]
#[command(name = "bench-reference")]
struct Cli {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:18780")]
    bind: SocketAddr,
    /// File with the body to return for `GET .../os-extra_specs`.
    #[arg(long, value_name = "FILE")]
    extra_specs_body: Option<PathBuf>,
    /// File with the body to return for `GET .../flavors/detail`.
    #[arg(long, value_name = "FILE")]
    flavors_detail_body: Option<PathBuf>,
    /// File with response headers, as `curl -D` writes them, to add to the
    /// replies of the extra-spec routes.
    #[arg(long, value_name = "FILE")]
    headers: Option<PathBuf>,
    /// File with response headers, as `curl -D` writes them, to add to the
    /// reply of `GET .../flavors/detail`.
    #[arg(long, value_name = "FILE")]
    flavors_detail_headers: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let extra_specs = read_body(cli.extra_specs_body.as_ref())?;
    let flavors_detail = read_body(cli.flavors_detail_body.as_ref())?;
    let headers = Arc::new(read_headers(cli.headers.as_deref())?);
    let detail_headers = Arc::new(read_headers(cli.flavors_detail_headers.as_deref())?);

    let one_spec = Bytes::from_static(ONE_SPEC_BODY.as_bytes());
    let app = Router::new()
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs/{key}",
            get({
                let (body, headers) = (one_spec.clone(), headers.clone());
                || async move { json(body, &headers) }
            })
            .put({
                let headers = headers.clone();
                |_body: Bytes| async move { json(one_spec, &headers) }
            }),
        )
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs",
            get(|| async move { json(extra_specs, &headers) }),
        )
        .route(
            "/v2.1/{project_id}/flavors/detail",
            get(|| async move { json(flavors_detail, &detail_headers) }),
        );

    let listener = tokio::net::TcpListener::bind(cli.bind)
        .await
        .with_context(|| format!("failed to bind {}", cli.bind))?;
    axum::serve(listener, app).await.context("server failed")
}

/// Reads a fixed response body, or returns `{}` when no file is given.
fn read_body(path: Option<&PathBuf>) -> anyhow::Result<Bytes> {
    match path {
        Some(path) => std::fs::read(path)
            .map(Bytes::from)
            .with_context(|| format!("failed to read body file {}", path.display())),
        None => Ok(Bytes::from_static(b"{}")),
    }
}

/// Reads the response headers that `curl -D` saved, leaving out the status line
/// and the headers that hyper writes itself (`content-length`, `date`,
/// `connection`, `transfer-encoding`). Without a file, the only header is
/// `content-type: application/json`.
fn read_headers(path: Option<&Path>) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    let Some(path) = path else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Ok(headers);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read header file {}", path.display()))?;
    for line in text.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::try_from(name.trim())
            .with_context(|| format!("invalid header name in {}: {line}", path.display()))?;
        if [
            header::CONTENT_LENGTH,
            header::DATE,
            header::CONNECTION,
            header::TRANSFER_ENCODING,
        ]
        .contains(&name)
        {
            continue;
        }
        let value = HeaderValue::try_from(value.trim())
            .with_context(|| format!("invalid header value in {}: {line}", path.display()))?;
        headers.append(name, value);
    }
    Ok(headers)
}

fn json(body: Bytes, headers: &HeaderMap) -> Response {
    let mut response = Response::new(Body::from(body));
    // Inserting each header, as a handler does, instead of cloning the whole
    // map, keeps the reference's cost per header close to mock-nova's.
    let target = response.headers_mut();
    for (name, value) in headers {
        target.append(name, value.clone());
    }
    response
}
