//! Reference server for `bench/run.sh`: the ceiling that mock-nova's throughput
//! and latency are compared against.
//!
//! It serves the benchmarked routes on the same axum router, tokio runtime and
//! release profile as mock-nova, but keeps no state, checks nothing and logs
//! nothing. PUT reads the whole request body and every route returns a fixed
//! JSON body, so the difference to mock-nova is the cost of mock-nova's own work.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let extra_specs = read_body(cli.extra_specs_body.as_ref())?;
    let flavors_detail = read_body(cli.flavors_detail_body.as_ref())?;

    let one_spec = || async { json(Bytes::from_static(ONE_SPEC_BODY.as_bytes())) };
    let app = Router::new()
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs/{key}",
            get(one_spec)
                .put(|_body: Bytes| async { json(Bytes::from_static(ONE_SPEC_BODY.as_bytes())) }),
        )
        .route(
            "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs",
            get(|| async move { json(extra_specs) }),
        )
        .route(
            "/v2.1/{project_id}/flavors/detail",
            get(|| async move { json(flavors_detail) }),
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

fn json(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
