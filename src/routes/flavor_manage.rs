//! Flavor writes: `POST /flavors`, `PUT /flavors/{id}` (2.55+) and
//! `DELETE /flavors/{id}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::context::{Ctx, JsonBody, RequestContext};
use crate::error::{ApiError, Result};
use crate::flavor_schema;
use crate::ids::IdKind;
use crate::policy::Rule;
use crate::routes::flavors::FlavorBody;
use crate::store::{Flavor, NewFlavor, StoreError};
use crate::views;

/// Serves `POST /flavors`: creates a flavor and returns it with status 200.
pub async fn create_flavor(Ctx(ctx): Ctx, body: JsonBody) -> Result<Response> {
    ctx.check_url_project()?;
    let request =
        flavor_schema::parse_create(body.value(), ctx.version_pair()).map_err(schema_fault)?;
    Rule::FlavorCreate.authorize(ctx.identity()?)?;

    let generated = request.id.is_none();
    let mut new = NewFlavor {
        internal_id: None,
        flavor_id: request.id.unwrap_or_default(),
        name: request.name,
        memory_mb: request.ram,
        vcpus: request.vcpus,
        root_gb: request.disk,
        ephemeral_gb: request.ephemeral,
        swap: request.swap,
        rxtx_factor: request.rxtx_factor,
        is_public: request.is_public,
        disabled: false,
        description: request.description,
        extra_specs: Default::default(),
        projects: Default::default(),
    };
    if !generated {
        let flavor = ctx.store.create(new)?;
        return flavor_response(&ctx, &flavor);
    }
    // Nova generates a UUID4 when the request gives no id (or null, or 0). A
    // seeded generator restarts its stream on every run, so after a restart
    // from a state file its next id may be taken; then the next one is used.
    for _ in 0..MAX_ID_ATTEMPTS {
        new.flavor_id = ctx.state.ids.uuid(IdKind::Flavor).to_string();
        match ctx.store.create(new.clone()) {
            Err(StoreError::DuplicateId(_)) => continue,
            result => return flavor_response(&ctx, &*result?),
        }
    }
    Err(ApiError::Conflict(format!(
        "Flavor with ID {} already exists.",
        new.flavor_id
    )))
}

/// Generated ids tried before giving up; only a seeded generator replaying ids
/// of saved flavors ever needs a second one.
const MAX_ID_ATTEMPTS: usize = 10_000;

/// Serves `PUT /flavors/{flavor_id}`: changes the description. The route exists
/// from microversion 2.55; before that Nova answers 404.
pub async fn update_flavor(Ctx(ctx): Ctx, body: JsonBody) -> Result<Response> {
    if !ctx.microversion.at_least(2, 55) {
        return Err(ApiError::NotFound(
            "The resource could not be found.".to_owned(),
        ));
    }
    ctx.check_url_project()?;
    let description =
        flavor_schema::parse_update(body.value(), ctx.version_pair()).map_err(schema_fault)?;
    Rule::FlavorUpdate.authorize(ctx.identity()?)?;

    let flavor = ctx
        .store
        .set_description(ctx.flavor_id(), ctx.viewer()?, description)?;
    flavor_response(&ctx, &flavor)
}

/// Serves `DELETE /flavors/{flavor_id}`: 202 with no body. The flavor's extra
/// specs and access list go with it, and its id may be reused.
pub async fn delete_flavor(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    Rule::FlavorDelete.authorize(ctx.identity()?)?;

    ctx.store.delete(ctx.flavor_id())?;
    Ok((
        StatusCode::ACCEPTED,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
    )
        .into_response())
}

/// Maps a flavor body error to Nova's fault.
///
/// Nova answers a few malformed bodies (a float for an integer field, say) with
/// a 500 from an unhandled exception. mock-nova sends those with Nova's message
/// but status 400, so that a client sees its own mistake rather than a server
/// failure.
pub fn schema_fault(message: String) -> ApiError {
    match flavor_schema::error_status(&message) {
        404 => ApiError::NotFound(message),
        _ => ApiError::BadRequest(message),
    }
}

/// Builds the `{"flavor": {...}}` answer of create and update; extra specs are
/// included from 2.61 when the caller may list them.
fn flavor_response(ctx: &RequestContext, flavor: &Flavor) -> Result<Response> {
    let with_specs = Rule::ExtraSpecsIndex.allows(ctx.identity()?);
    let view = views::flavor_view(flavor, ctx.microversion, &ctx.link_base(), with_specs);
    Ok(views::json(&FlavorBody { flavor: view }))
}
