//! The listener: accepting connections within the configured limits, serving
//! them with hyper, and shutting down gracefully.
//!
//! mock-nova runs its own accept loop instead of `axum::serve` for three
//! reasons: a client gets a deadline to send its request head, the number of
//! connections is bounded, and a fault rule can close a connection without an
//! answer (the service returns an error, which makes hyper drop the connection).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::{Config, Limits};
use crate::middleware::CloseConnection;
use crate::persistence::Persistence;
use crate::state::AppState;

mod head_deadline;

use head_deadline::{HeadClock, HeadDeadline};

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

/// Error that tells hyper to close a connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection closed by a fault rule")]
struct ClosedByFault;

impl Server {
    /// Binds the configured address and builds the application, loading the
    /// state file when one is configured.
    ///
    /// # Errors
    /// Fails when the seed data or state file is invalid or the address cannot
    /// be bound.
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        let bind = config.bind;
        let state = AppState::new(config)?;
        if let Some(path) = &state.config.state_file {
            crate::persistence::prepare(path, &state.namespaces)?;
            let persistence = Persistence::start(path.clone(), state.namespaces.clone());
            let _ = state.persistence.set(persistence);
        }
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("failed to bind {bind}"))?;
        Ok(Self {
            listener,
            router: crate::routes::router(state.clone()),
            state,
        })
    }

    /// Returns the address the server listens on, with the real port when port 0
    /// was configured.
    ///
    /// # Errors
    /// Fails if the operating system cannot report the address.
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Returns the application state, for embedders that inspect or drive it.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves connections until `shutdown` completes; then stops accepting,
    /// lets in-flight requests finish within the grace period and returns.
    ///
    /// # Errors
    /// Fails on an I/O error of the listener.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let limits = self.state.config.limits.clone();
        let builder = connection_builder(&limits);
        let header_timeout = Duration::from_secs(limits.header_read_timeout_seconds);
        let permits = Arc::new(Semaphore::new(limits.max_connections));
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        self.state.set_ready(true);

        loop {
            // Waiting for a permit before accepting leaves extra clients in the
            // listen backlog instead of taking connections it cannot serve.
            let permit = tokio::select! {
                permit = permits.clone().acquire_owned() => permit.context("connection limit closed")?,
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Running out of file descriptors is transient; pause briefly.
                        tracing::warn!(%error, "failed to accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let _ = stream.set_nodelay(true);
            let clock = HeadClock::new();
            let stream = HeadDeadline::new(stream, clock.clone(), header_timeout);
            let (router, state) = (self.router.clone(), self.state.clone());
            let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let (router, state, clock) = (router.clone(), state.clone(), clock.clone());
                async move {
                    clock.request_started();
                    let request = request.map(Body::new);
                    let response = crate::middleware::handle(state, router, request).await;
                    clock.request_finished();
                    if response.extensions().get::<CloseConnection>().is_some() {
                        return Err(ClosedByFault);
                    }
                    Ok(response)
                }
            });
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%peer, error = %error, "connection ended with an error");
                }
                drop(permit);
            });
        }

        // Readiness drops first, so that health checks see the shutdown.
        self.state.set_ready(false);
        drop(self.listener);
        let grace = Duration::from_secs(limits.shutdown_grace_seconds);
        tracing::info!(
            grace_seconds = limits.shutdown_grace_seconds,
            "waiting for in-flight requests"
        );
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            // Each open connection holds a permit until its task ends, and
            // the shutdown has already closed the idle ones.
            let open_connections = limits.max_connections - permits.available_permits();
            tracing::warn!(
                open_connections,
                "in-flight requests did not finish within the grace period; \
                 their connections are closed"
            );
        }
        Ok(())
    }
}

/// Configures hyper's connection handling from the limits.
///
/// Only HTTP/1.1 is served, like Nova behind its usual WSGI servers. The head
/// deadline is kept by [`HeadDeadline`] rather than by hyper, which would arm
/// a timer for every request.
fn connection_builder(limits: &Limits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    // A client may close its sending side once the request is out, and
    // still wait for the response. Without half-close support hyper drops
    // such a request when it reads the end of the stream.
    builder
        .header_read_timeout(None)
        .half_close(true)
        .max_buf_size(limits.max_header_bytes);
    builder
}
