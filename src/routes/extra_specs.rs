//! The five extra-spec routes under `/flavors/{flavor_id}/os-extra_specs`.
//!
//! Each handler checks in Nova's order: the project id in the URL, the body or
//! query schema, the policy, the values (number length, then the 2.86 validators),
//! for PUT the URI/body key match, and last the flavor lookup. That order decides
//! which error a request with several faults gets.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::context::{Ctx, JsonBody};
use crate::error::{ApiError, Result};
use crate::microversion::Microversion;
use crate::policy::Rule;
use crate::pyjson::{self, Value};
use crate::schema;
use crate::validators;
use crate::views;

/// Serves `GET .../os-extra_specs`: every extra spec of the flavor, as strings.
pub async fn list_extra_specs(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    ctx.reject_query_from_2_102()?;
    Rule::ExtraSpecsIndex.authorize(ctx.identity()?)?;

    let flavor = ctx.store.flavor(ctx.flavor_id(), ctx.viewer()?)?;
    Ok(views::extra_specs(&flavor))
}

/// Serves `GET .../os-extra_specs/{key}`: `{key: value}`.
pub async fn show_extra_spec(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    ctx.reject_query_from_2_102()?;
    Rule::ExtraSpecsShow.authorize(ctx.identity()?)?;

    let value = ctx
        .store
        .extra_spec(ctx.flavor_id(), ctx.key(), ctx.viewer()?)?;
    Ok(views::one_extra_spec(ctx.key(), &value))
}

/// Serves `POST .../os-extra_specs`: merges the given extra specs into the flavor
/// and echoes the request body unchanged.
pub async fn create_extra_specs(Ctx(ctx): Ctx, body: JsonBody) -> Result<Response> {
    ctx.check_url_project()?;
    let specs = schema::create_extra_specs(body.value(), ctx.strictness())?;
    Rule::ExtraSpecsCreate.authorize(ctx.identity()?)?;
    let pairs = specs
        .iter()
        .map(|(key, value)| Ok((key.clone(), checked_value(key, value, ctx.microversion)?)))
        .collect::<Result<Vec<_>>>()?;

    ctx.store
        .merge_extra_specs(ctx.flavor_id(), ctx.viewer()?, pairs)?;
    if ctx.legacy_v2 {
        // The legacy API drops unknown top-level properties from the body it
        // echoes.
        let mut kept = pyjson::Map::new();
        kept.insert("extra_specs".to_owned(), Value::Object(specs.clone()));
        return Ok(views::raw_json(
            StatusCode::OK,
            pyjson::to_json(&Value::Object(kept)),
        ));
    }
    Ok(echo(&body))
}

/// Serves `PUT .../os-extra_specs/{key}`: creates or replaces one extra spec and
/// echoes the request body unchanged.
pub async fn update_extra_spec(Ctx(ctx): Ctx, body: JsonBody) -> Result<Response> {
    ctx.check_url_project()?;
    let (body_key, value) = schema::update_extra_spec(body.value(), ctx.strictness())?;
    Rule::ExtraSpecsUpdate.authorize(ctx.identity()?)?;
    // Nova validates the body's pair before comparing keys, so a bad value under
    // another key reports the value, not the mismatch.
    let text = checked_value(body_key, value, ctx.microversion)?;
    if body_key != ctx.key() {
        return Err(ApiError::BadRequest(
            "Request body and URI mismatch".to_owned(),
        ));
    }

    ctx.store.merge_extra_specs(
        ctx.flavor_id(),
        ctx.viewer()?,
        [(body_key.to_owned(), text)],
    )?;
    Ok(echo(&body))
}

/// Serves `DELETE .../os-extra_specs/{key}`: 200 with an empty body.
pub async fn delete_extra_spec(Ctx(ctx): Ctx) -> Result<Response> {
    ctx.check_url_project()?;
    Rule::ExtraSpecsDelete.authorize(ctx.identity()?)?;

    ctx.store
        .delete_extra_spec(ctx.flavor_id(), ctx.key(), ctx.viewer()?)?;
    Ok(empty_json())
}

/// Returns the text to store for a value that passed the schema, after Nova's
/// value checks: a number's text may not exceed 255 characters, and from 2.86
/// the extra-spec validators must accept the pair.
fn checked_value(key: &str, value: &Value, version: Microversion) -> Result<String> {
    let text = schema::value_text(value);
    if matches!(value, Value::Number(_)) {
        let length = text.chars().count();
        if length > schema::MAX_VALUE_LENGTH {
            return Err(ApiError::BadRequest(format!(
                "extra_specs value has {length} characters, more than 255."
            )));
        }
    }
    if version.at_least(2, 86) {
        validators::catalog()
            .validate(key, &text)
            .map_err(ApiError::BadRequest)?;
    }
    Ok(text)
}

/// Echoes a parsed request body, as Nova returns POST and PUT bodies.
fn echo(body: &JsonBody) -> Response {
    // The usual body, one key with a string value, is written without walking
    // the general serializer.
    if let Some(Value::Object(specs)) = body.value()
        && let Some((key, Value::String(value))) = specs.iter().next()
        && specs.len() == 1
    {
        return views::one_extra_spec(key, value);
    }
    let text = body
        .value()
        .map_or_else(|| "null".to_owned(), pyjson::to_json);
    views::raw_json(StatusCode::OK, text)
}

/// Builds Nova's DELETE answer: 200, `Content-Type: application/json`, no body.
fn empty_json() -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
    )
        .into_response()
}
