//! Flavor reads: `GET /flavors`, `GET /flavors/detail` and `GET /flavors/{id}`.

use axum::response::Response;
use serde::Serialize;

use crate::context::{Ctx, LinkBase, RequestContext};
use crate::error::{ApiError, Result};
use crate::identity::Identity;
use crate::policy::Rule;
use crate::schema;
use crate::store::{ListQuery, PublicFilter, SortKey};
use crate::validators::parse_python_int;
use crate::views::{self, Link};

/// Nova's `[api]max_limit`: the largest page a list returns.
pub const MAX_LIMIT: usize = 1000;

/// Sort keys Nova accepts, in the order its error message lists them.
const SORT_KEYS: [(&str, SortKey); 15] = [
    ("created_at", SortKey::CreatedAt),
    ("description", SortKey::Description),
    ("disabled", SortKey::Disabled),
    ("ephemeral_gb", SortKey::EphemeralGb),
    ("flavorid", SortKey::FlavorId),
    ("id", SortKey::Id),
    ("is_public", SortKey::IsPublic),
    ("memory_mb", SortKey::MemoryMb),
    ("name", SortKey::Name),
    ("root_gb", SortKey::RootGb),
    ("rxtx_factor", SortKey::RxtxFactor),
    ("swap", SortKey::Swap),
    ("updated_at", SortKey::UpdatedAt),
    ("vcpu_weight", SortKey::VcpuWeight),
    ("vcpus", SortKey::Vcpus),
];

/// Serves `GET /flavors`: id, name, links and (2.55+) description of each flavor.
pub async fn list_flavors(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    let request = ListRequest::parse(&ctx)?;
    let flavors = ctx.store.list(&request.query, ctx.identity()?.into())?;
    let last = flavors.last().map(|flavor| flavor.flavor_id.as_str());
    let next = request.next("flavors", flavors.len(), last);
    let version = ctx.microversion;
    let flavors: Vec<_> = flavors
        .iter()
        .map(|flavor| views::brief_flavor_view(flavor, version, &request.links))
        .collect();
    Ok(views::json(&FlavorList {
        flavors,
        flavors_links: next,
    }))
}

/// Serves `GET /flavors/detail`: the full view of each flavor.
pub async fn list_flavors_detail(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    let request = ListRequest::parse(&ctx)?;
    let identity = ctx.identity()?;
    let variant = views::ViewVariant::new(
        ctx.microversion,
        &request.links,
        Rule::ExtraSpecsIndex.allows(identity),
    );

    // Views the flavors keep are copied into the page under the store's read
    // lock. A view missing sends the page the long way, which renders the
    // views after the lock is gone and keeps them for the next request.
    let copied = ctx
        .store
        .read_page(&request.query, identity.into(), |page| {
            let mut views = Vec::with_capacity(16);
            let mut last = None;
            for flavor in page {
                views.push(variant.kept(flavor)?);
                last = Some(flavor);
            }
            let last = last.map(|flavor| flavor.flavor_id.as_str());
            let next = request.next("flavors/detail", views.len(), last);
            Some(views::flavor_list(&views, next.as_ref()))
        })?;
    if let Some(response) = copied {
        return Ok(response);
    }
    let flavors = ctx.store.list(&request.query, identity.into())?;
    let views: Vec<_> = flavors.iter().map(|flavor| variant.json(flavor)).collect();
    let last = flavors.last().map(|flavor| flavor.flavor_id.as_str());
    let next = request.next("flavors/detail", views.len(), last);
    Ok(views::flavor_list(&views, next.as_ref()))
}

/// Serves `GET /flavors/{flavor_id}`.
pub async fn show_flavor(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    ctx.reject_query_from_2_102()?;
    let identity = ctx.identity()?;
    let flavor = ctx.store.flavor(ctx.flavor_id(), identity.into())?;
    // Below 2.102 Nova's query schema strips every parameter before the links
    // are built, and from 2.102 any parameter was rejected above, so the query
    // string never puts the project id into the links.
    let links = ctx.link_base_with_query(None);
    let variant = views::ViewVariant::new(
        ctx.microversion,
        &links,
        Rule::ExtraSpecsIndex.allows(identity),
    );
    Ok(views::flavor_body(&variant.json(&flavor)))
}

/// Body of a single-flavor response.
#[derive(Serialize)]
pub struct FlavorBody<T> {
    /// The flavor view.
    pub flavor: T,
}

#[derive(Serialize)]
struct FlavorList<T> {
    flavors: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flavors_links: Option<[Link; 1]>,
}

/// A flavor list request whose query string was validated.
struct ListRequest<'a> {
    query: ListQuery,
    /// The query parameters the schema accepts, which the `next` link repeats.
    known: Vec<(String, String)>,
    /// The root, API version and project id of the page's links.
    links: LinkBase<'a>,
}

impl<'a> ListRequest<'a> {
    /// Validates the query string, builds the store query and the link base.
    fn parse(ctx: &'a RequestContext) -> Result<Self> {
        let identity = ctx.identity()?;
        let params = ctx.query_params()?;
        let known = validate_list_params(ctx, &params)?;
        let query = list_query(identity, &known)?;
        // Nova's query schema deletes the parameters it strips from the
        // request, which re-encodes the query string. Whether the project id
        // occurs in the request URL is then decided on what is left.
        let links = if known.len() < params.len() {
            let left: Vec<String> = known
                .iter()
                .map(|(name, value)| {
                    format!("{}={}", views::quote_plus(name), views::quote_plus(value))
                })
                .collect();
            ctx.link_base_with_query(Some(&left.join("&")))
        } else {
            ctx.link_base()
        };
        Ok(Self {
            query,
            known,
            links,
        })
    }

    /// Builds the `next` link of a page of `count` flavors whose last flavor
    /// is `last`. Nova adds it when the page is full, the page size being the
    /// requested limit or the maximum.
    fn next(&self, collection: &str, count: usize, last: Option<&str>) -> Option<[Link; 1]> {
        let last = last.filter(|_| self.query.limit > 0 && count == self.query.limit)?;
        Some([views::next_link(&self.links, collection, &self.known, last)])
    }
}

/// Names of the list parameters the query schema knows, in schema order.
fn known_params(ctx: &RequestContext) -> &'static [&'static str] {
    const NAMES: [&str; 8] = [
        "limit",
        "marker",
        "is_public",
        "minRam",
        "minDisk",
        "sort_key",
        "sort_dir",
        "name",
    ];
    // `name` joined the schema at 2.102.
    if ctx.microversion.at_least(2, 102) {
        &NAMES
    } else {
        &NAMES[..NAMES.len() - 1]
    }
}

/// Runs the query schema of the flavor lists and returns the parameters it keeps.
///
/// Values are checked per parameter in schema order; below 2.75 unknown
/// parameters are dropped, from 2.75 they are rejected.
fn validate_list_params(
    ctx: &RequestContext,
    params: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let known = known_params(ctx);
    for name in known {
        for (_, value) in params.iter().filter(|(param, _)| param == name) {
            check_list_param(ctx, name, value)?;
        }
    }
    if ctx.microversion.at_least(2, 75) {
        let extras: Vec<&str> = params
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !known.contains(name))
            .collect();
        if !extras.is_empty() {
            return Err(ApiError::BadRequest(schema::additional_properties_message(
                &extras,
            )));
        }
    }
    Ok(params
        .iter()
        .filter(|(name, _)| known.contains(&name.as_str()))
        .cloned()
        .collect())
}

fn check_list_param(ctx: &RequestContext, name: &str, value: &str) -> Result<()> {
    let repr = crate::pyjson::repr_str(value);
    match name {
        "limit" => {
            // `^[0-9]*$` under re.search also accepts one trailing newline.
            let digits = value.strip_suffix('\n').unwrap_or(value);
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                let message = format!("{repr} does not match '^[0-9]*$'");
                return Err(schema::query_error(name, value, &message));
            }
            if value.is_empty() {
                let message = format!("{repr} should be non-empty");
                return Err(schema::query_error(name, value, &message));
            }
        }
        "sort_key" => {
            let allowed = sort_key_names(ctx);
            if !allowed.contains(&value) {
                let listed: Vec<String> = allowed
                    .iter()
                    .map(|key| crate::pyjson::repr_str(key))
                    .collect();
                let message = format!("{repr} is not one of [{}]", listed.join(", "));
                return Err(schema::query_error(name, value, &message));
            }
        }
        "sort_dir" if value != "asc" && value != "desc" => {
            let message = format!("{repr} is not one of ['asc', 'desc']");
            return Err(schema::query_error(name, value, &message));
        }
        _ => {}
    }
    Ok(())
}

fn sort_key_names(ctx: &RequestContext) -> Vec<&'static str> {
    SORT_KEYS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| *name != "rxtx_factor" || !ctx.microversion.at_least(2, 102))
        .collect()
}

/// Builds the store query from validated parameters, as Nova's flavor controller
/// does; where a parameter repeats, its last value counts.
fn list_query(identity: &Identity, params: &[(String, String)]) -> Result<ListQuery> {
    let last = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(param, _)| param == name)
            .map(|(_, value)| value.as_str())
    };

    let limit = last("limit")
        .and_then(parse_python_int)
        .map_or(MAX_LIMIT, |text| text.parse::<usize>().unwrap_or(MAX_LIMIT))
        .min(MAX_LIMIT);
    let sort_key = last("sort_key")
        .filter(|key| !key.is_empty())
        .and_then(|key| SORT_KEYS.iter().find(|(name, _)| *name == key))
        .map_or(SortKey::FlavorId, |(_, key)| *key);
    let descending = last("sort_dir") == Some("desc");

    let (public, hide_disabled) = if identity.is_admin() {
        (parse_is_public(last("is_public"))?, false)
    } else {
        (PublicFilter::PublicOrShared, true)
    };
    let min_memory_mb = parse_min_filter(last("minRam"), "minRam")?;
    let min_root_gb = parse_min_filter(last("minDisk"), "minDisk")?;
    let name = last("name").map(name_filter);
    Ok(ListQuery {
        public,
        hide_disabled,
        min_memory_mb,
        min_root_gb,
        name,
        sort_key,
        descending,
        limit,
        marker: last("marker").map(str::to_owned),
    })
}

/// Compiles the 2.102 `name` filter, a regular expression searched anywhere in
/// the name.
fn name_filter(pattern: &str) -> regex::Regex {
    // NOTE: an invalid expression matches no flavor; Nova's answer depends on its
    // database (MySQL rejects the query).
    regex::Regex::new(pattern).unwrap_or_else(|_| matches_nothing())
}

fn matches_nothing() -> regex::Regex {
    regex::Regex::new(r"[^\s\S]").expect("a constant, valid expression")
}

/// Parses the admin-only `is_public` filter: absent means public plus the
/// caller's shared flavors, `none` in any case means all, and otherwise a strict
/// boolean string.
fn parse_is_public(value: Option<&str>) -> Result<PublicFilter> {
    let Some(value) = value else {
        return Ok(PublicFilter::PublicOrShared);
    };
    if value.eq_ignore_ascii_case("none") {
        return Ok(PublicFilter::All);
    }
    match value.trim().to_lowercase().as_str() {
        "1" | "t" | "true" | "on" | "y" | "yes" => Ok(PublicFilter::PublicOrShared),
        "0" | "f" | "false" | "off" | "n" | "no" => Ok(PublicFilter::PrivateOnly),
        _ => Err(ApiError::BadRequest(format!(
            "Invalid is_public filter [{value}]"
        ))),
    }
}

/// Parses `minRam` or `minDisk` as Python's `int()` would.
fn parse_min_filter(value: Option<&str>, name: &str) -> Result<Option<i128>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = parse_python_int(value)
        .ok_or_else(|| ApiError::BadRequest(format!("Invalid {name} filter [{value}]")))?;
    let saturated = if text.starts_with('-') {
        i128::MIN
    } else {
        i128::MAX
    };
    Ok(Some(text.parse().unwrap_or(saturated)))
}
