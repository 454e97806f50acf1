//! Flavor access: `GET /flavors/{id}/os-flavor-access` and the
//! `addTenantAccess` / `removeTenantAccess` actions of `POST /flavors/{id}/action`.

use axum::response::Response;
use serde::Serialize;

use crate::context::{Ctx, JsonBody};
use crate::error::{ApiError, Result};
use crate::flavor_schema::{self, AccessAction};
use crate::policy::Rule;
use crate::views;

#[derive(Serialize)]
struct AccessEntry<'a> {
    flavor_id: &'a str,
    tenant_id: &'a str,
}

#[derive(Serialize)]
struct AccessList<'a> {
    flavor_access: Vec<AccessEntry<'a>>,
}

fn access_response(flavor_id: &str, projects: &[String]) -> Response {
    let flavor_access = projects
        .iter()
        .map(|project| AccessEntry {
            flavor_id,
            tenant_id: project,
        })
        .collect();
    views::json(&AccessList { flavor_access })
}

/// Serves `GET /flavors/{flavor_id}/os-flavor-access`: the projects that may use
/// a private flavor.
pub async fn list_flavor_access(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    ctx.reject_query_from_2_102()?;
    Rule::FlavorAccessList.authorize(ctx.identity()?)?;

    let projects = ctx.store.access_list(ctx.flavor_id(), ctx.viewer()?)?;
    Ok(access_response(ctx.flavor_id(), &projects))
}

/// Serves `POST /flavors/{flavor_id}/action` with `addTenantAccess` or
/// `removeTenantAccess`, returning the new access list.
pub async fn flavor_action(Ctx(ctx): Ctx, body: JsonBody) -> Result<Response> {
    // Nova picks the action from the body before any other check.
    let action = flavor_schema::parse_action(body.value(), ctx.version_pair())
        .map_err(crate::routes::flavor_manage::schema_fault)?;
    ctx.check_url_project()?;
    let identity = ctx.identity()?;
    let projects = match action {
        AccessAction::Add(project) => {
            Rule::FlavorAccessAdd.authorize(identity)?;
            let flavor = ctx.store.flavor(ctx.flavor_id(), identity.into())?;
            if flavor.is_public && ctx.microversion.at_least(2, 7) {
                return Err(ApiError::Conflict(
                    "Can not add access to a public flavor.".to_owned(),
                ));
            }
            ctx.store
                .add_access(ctx.flavor_id(), identity.into(), &project)?
        }
        AccessAction::Remove(project) => {
            Rule::FlavorAccessRemove.authorize(identity)?;
            ctx.store
                .remove_access(ctx.flavor_id(), identity.into(), &project)?
        }
    };
    Ok(access_response(ctx.flavor_id(), &projects))
}
