//! The router: every route of the Nova API this server implements, the version
//! documents, and the middleware stack around them.

pub mod control;
pub mod extra_specs;
pub mod flavor_access;
pub mod flavor_manage;
pub mod flavors;
mod hot;
pub mod versions;

pub(crate) use hot::{HotMatch, set_content_length};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{any, get, post};

use crate::middleware;
use crate::state::AppState;

/// Path prefix of the control API, outside Nova's and Keystone's URL space.
pub const CONTROL_PREFIX: &str = "/_mock";

/// Builds the application router for the given state.
pub fn router(state: AppState) -> Router {
    let compute = Router::new()
        .route("/v2.1", any(versions::show_version))
        .route("/v2.1/", any(versions::show_version))
        .route("/v2.1/{project_id}/", get(versions::show_version))
        .route("/v2.1/versions/{version_id}", get(versions::show_version))
        .merge(nova_routes("/v2.1"))
        .merge(nova_routes("/v2.1/{project_id}"))
        .merge(nova_routes("/v2"))
        .merge(nova_routes("/v2/{project_id}"));

    let control = Router::new()
        .route(
            &format!("{CONTROL_PREFIX}/journal"),
            get(control::list_journal).delete(control::clear_journal),
        )
        .route(
            &format!("{CONTROL_PREFIX}/journal/count"),
            get(control::count_journal),
        )
        .route(&format!("{CONTROL_PREFIX}/reset"), post(control::reset))
        .route(
            &format!("{CONTROL_PREFIX}/seed"),
            post(control::load_seed).layer(axum::extract::DefaultBodyLimit::max(
                control::MAX_SEED_BYTES,
            )),
        )
        .route(
            &format!("{CONTROL_PREFIX}/state"),
            get(control::export_state),
        )
        .route(
            &format!("{CONTROL_PREFIX}/faults"),
            get(control::list_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route(
            &format!("{CONTROL_PREFIX}/faults/{{id}}"),
            axum::routing::delete(control::remove_fault),
        )
        .route("/healthz", get(control::healthz))
        .route("/readyz", get(control::readyz));

    Router::new()
        .route("/", get(versions::list_versions))
        .route("/v2", get(versions::show_legacy_version))
        .route("/v2/", get(versions::show_legacy_version))
        .merge(compute)
        .merge(control)
        .merge(crate::keystone::routes::router(&state))
        .fallback(fallback)
        .method_not_allowed_fallback(fallback)
        .with_state(state)
}

/// The flavor and extra-spec routes under one prefix.
fn nova_routes(prefix: &str) -> Router<AppState> {
    let flavor = format!("{prefix}/flavors/{{flavor_id}}");
    Router::new()
        .route(
            &format!("{prefix}/flavors"),
            get(flavors::list_flavors).post(flavor_manage::create_flavor),
        )
        .route(
            &format!("{prefix}/flavors/detail"),
            get(flavors::list_flavors_detail),
        )
        .route(
            &flavor,
            get(flavors::show_flavor)
                .put(flavor_manage::update_flavor)
                .delete(flavor_manage::delete_flavor),
        )
        .route(
            &format!("{flavor}/os-flavor-access"),
            get(flavor_access::list_flavor_access),
        )
        .route(
            &format!("{flavor}/action"),
            axum::routing::post(flavor_access::flavor_action),
        )
        .route(
            &format!("{flavor}/os-extra_specs"),
            get(extra_specs::list_extra_specs).post(extra_specs::create_extra_specs),
        )
        .route(
            &format!("{flavor}/os-extra_specs/{{key}}"),
            get(extra_specs::show_extra_spec)
                .put(extra_specs::update_extra_spec)
                .delete(extra_specs::delete_extra_spec),
        )
}

/// Answers requests no route matched: Nova's plain 404 inside `/v2.1` (after
/// authentication, which the gate already did), the 300 version choices elsewhere.
async fn fallback(state: State<AppState>, request: Request) -> Response {
    let path = request.uri().path();
    if path == CONTROL_PREFIX || path.starts_with(&format!("{CONTROL_PREFIX}/")) {
        let message = format!(
            "no control endpoint {} {path}; the README lists the control API",
            request.method()
        );
        return control::control_error(axum::http::StatusCode::NOT_FOUND, message);
    }
    if middleware::is_compute_path(path) {
        middleware::compute_fallback(request).await
    } else {
        versions::multiple_choices(state, request).await
    }
}
