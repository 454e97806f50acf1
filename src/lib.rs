//! mock-nova: a standalone emulation of the OpenStack Compute (Nova) v2.1 API
//! around flavor extra specs, for testing OpenStack clients without a cloud.
//!
//! Modules, from the outside in:
//! - [`config`]: layered configuration (defaults, TOML file, environment, flags).
//! - [`server`]: the listener, connection limits and graceful shutdown.
//! - [`telemetry`]: logging setup.
//! - [`routes`]: the router and one module per group of routes.
//! - [`middleware`]: request ids, the request log, body limit, authentication,
//!   route checks, microversion negotiation and Content-Type, in Nova's order.
//! - [`context`]: the per-request context and body extractor handlers use.
//! - [`auth`] and [`identity`]: tokens and the callers they stand for.
//! - [`keystone`]: a minimal Keystone v3 that issues tokens to configured users.
//! - [`ids`]: generated ids, random or reproducible from a seed.
//! - [`journal`]: the bounded record of served requests.
//! - [`faults`]: fault injection rules.
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
pub mod faults;
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
pub mod server;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod validators;
pub mod views;

use axum::Router;

pub use config::Config;
pub use server::Server;

/// Name under which requests outside any namespace are reported.
pub const DEFAULT_NAMESPACE: &str = "default";
pub use state::AppState;

/// Builds the application as a router for a state, so tests and embedders can
/// serve it themselves. [`Server`] runs the same steps without the outer router.
pub fn app(state: AppState) -> Router {
    let routes = routes::router(state.clone());
    // The namespace prefix is removed before routing, so the steps around the
    // router run as its fallback service rather than as one of its layers.
    let service = tower::service_fn(move |request: axum::extract::Request| {
        let (state, routes) = (state.clone(), routes.clone());
        async move {
            Ok::<_, std::convert::Infallible>(middleware::handle(state, routes, request).await)
        }
    });
    Router::new().fallback_service(service)
}
