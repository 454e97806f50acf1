//! mock-nova: a standalone emulation of the OpenStack Compute (Nova) v2.1 API
//! around flavor extra specs, for testing OpenStack clients without a cloud.
//!
//! Modules, from the outside in:
//! - [`config`]: layered configuration (defaults, TOML file, environment, flags).
//! - [`telemetry`]: logging setup.
//! - [`routes`]: the router and one module per group of routes.
//! - [`middleware`]: request ids, the request log, body limit, authentication,
//!   route checks, microversion negotiation and Content-Type, in Nova's order.
//! - [`context`]: the per-request context and body extractor handlers use.
//! - [`auth`] and [`identity`]: tokens and the callers they stand for.
//! - [`keystone`]: a minimal Keystone v3 that issues tokens to configured users.
//! - [`ids`]: generated ids, random or reproducible from a seed.
//! - [`journal`]: the bounded record of served requests.
//! - [`policy`]: Nova's default policy rules.
//! - [`microversion`]: microversion headers.
//! - [`schema`] and [`flavor_schema`]: Nova's JSON-schema checks and their messages.
//! - [`validators`]: the extra-spec validators of microversion 2.86.
//! - [`store`]: the in-memory flavor store.
//! - [`namespaces`]: separate copies of the store for parallel test jobs.
//! - [`persistence`]: the optional state file.
//! - [`views`]: flavor JSON per microversion.
//! - [`pyjson`]: JSON parsing and writing with Python's semantics.
//! - [`error`]: Nova's fault bodies and the other error pages.

pub mod auth;
pub mod config;
pub mod context;
pub mod error;
pub mod flavor_schema;
pub mod identity;
pub mod ids;
pub mod journal;
pub mod keystone;
pub mod microversion;
pub mod middleware;
pub mod namespaces;
pub mod persistence;
pub mod policy;
pub mod pyjson;
pub mod routes;
pub mod schema;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod validators;
pub mod views;

use std::net::SocketAddr;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

pub use config::Config;

/// Name under which requests outside any namespace are reported.
pub const DEFAULT_NAMESPACE: &str = "default";
pub use state::AppState;

/// Builds the application router for a state, so tests and embedders can serve
/// it themselves.
pub fn app(state: AppState) -> Router {
    let routes = routes::router(state);
    // The namespace prefix is removed before routing, so this wraps the router
    // as a service instead of being one of its layers.
    let service = tower::ServiceBuilder::new()
        .map_request(middleware::strip_namespace)
        .service(routes);
    Router::new().fallback_service(service)
}

/// A bound server, ready to run.
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Server {
    /// Binds the configured address and builds the application.
    ///
    /// # Errors
    /// Fails when the seed data is invalid or the address cannot be bound.
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        let bind = config.bind;
        let state = AppState::new(config)?;
        if let Some(path) = &state.config.state_file {
            let persistence =
                persistence::Persistence::start(path.clone(), state.namespaces.clone());
            let _ = state.persistence.set(persistence);
        }
        let listener = TcpListener::bind(bind)
            .await
            .with_context(|| format!("failed to bind {bind}"))?;
        Ok(Self {
            listener,
            router: app(state.clone()),
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

    /// Serves requests until `shutdown` completes, then finishes in-flight
    /// requests and returns.
    ///
    /// # Errors
    /// Fails on an I/O error of the listener.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let state = self.state.clone();
        state.set_ready(true);
        let stopping = async move {
            shutdown.await;
            // Readiness drops first, so that health checks see the shutdown.
            state.set_ready(false);
        };
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(stopping)
            .await
            .context("server failed")
    }

    /// Returns the application state, for embedders that inspect or drive it.
    pub fn state(&self) -> &AppState {
        &self.state
    }
}
