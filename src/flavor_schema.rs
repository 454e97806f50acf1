//! Request-body validation and parsing for flavor management: `POST /flavors`,
//! `PUT /flavors/{id}` and the flavor-access actions of
//! `POST /flavors/{id}/action`.
//!
//! The checks reproduce Nova (master at commit 00a030403f, microversions 2.1
//! to 2.104) running jsonschema 4.26.0 under Python 3.11. The same bodies are
//! accepted, the values are converted the same way, and a rejected body gets
//! Nova's message for the first error that jsonschema finds.
//!
//! Nova validates with `_SchemaValidator` (`nova/api/validation/validators.py`).
//! It raises the first error of `Draft202012Validator.iter_errors` and
//! converts strings to numbers before `minimum` and `maximum`. Errors below
//! the top of the body get the prefix
//! `Invalid input for field/attribute {key}. Value: {value}.`.
//!
//! The `version` argument is the request's microversion as (major, minor).
//! A version below (2, 1), such as (2, 0), selects the legacy v2.0 API of the
//! `/v2` routes. There Nova validates with the schemas meant for 2.0, where
//! the flavor name may start or end with spaces, and it drops unknown
//! properties instead of rejecting them. Its flavor code then runs as at 2.1.
//!
//! A few bodies pass the schema but make Nova's flavor code raise an
//! exception that its API layer does not expect, so Nova responds with 500.
//! A few action bodies get a 404. [`error_status`] returns the status
//! for each message.

mod definitions;
mod numbers;
mod printable;
mod schema;

use crate::pyjson::{self, Map, Number, Value};

use definitions::{MAX_INT, SQL_SP_FLOAT_MAX};
use numbers::ConversionError;
use schema::{Failure, Mode, Schema, UnexpectedError};

/// Start of Nova's message when an exception escapes an API method, which
/// Nova sends as a 500 `computeFault`. The default support string of
/// `nova/version.py` follows the first sentence.
pub const UNEXPECTED_ERROR_PREFIX: &str = "Unexpected API Error.";

/// webob's explanation of a 404, which Nova sends as an `itemNotFound` fault
/// when it cannot find an action method for a body.
pub const NOT_FOUND_MESSAGE: &str = "The resource could not be found.";

/// Nova's message for an action body that does not name exactly one action.
const MALFORMED_BODY_MESSAGE: &str = "Malformed request body";

/// A validated `POST /flavors` request.
#[derive(Debug, Clone, PartialEq)]
pub struct FlavorCreate {
    /// The requested flavor id: a string as given, or a number as Python's
    /// `str()` writes it. `None` when the id is absent, `null` or a zero
    /// number, where Nova generates a UUID4 string.
    pub id: Option<String>,
    /// The name with surrounding whitespace stripped, as Nova stores it. The
    /// schema lets through no whitespace at either end except one final
    /// newline, and spaces in the legacy v2.0 API.
    pub name: String,
    /// Memory in MiB, 1 to 2147483647.
    pub ram: u32,
    /// Virtual CPU count, 1 to 2147483647.
    pub vcpus: u32,
    /// Root disk size in GiB, 0 to 2147483647.
    pub disk: u32,
    /// Ephemeral disk size in GiB (`OS-FLV-EXT-DATA:ephemeral`), default 0.
    pub ephemeral: u32,
    /// Swap size in MiB, default 0.
    pub swap: u32,
    /// Bandwidth factor, default 1.0, always finite and positive. Always 1.0
    /// at 2.102 and later, which reject the field.
    pub rxtx_factor: f64,
    /// `os-flavor-access:is_public`, default true.
    pub is_public: bool,
    /// The description, from 2.55 on. `None` when absent, `null` or before 2.55.
    pub description: Option<String>,
}

/// A validated flavor-access action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessAction {
    /// `addTenantAccess` for this project id.
    Add(String),
    /// `removeTenantAccess` for this project id.
    Remove(String),
}

/// Validates and parses the body of `POST /flavors`.
///
/// `body` is `None` for an empty body, which Nova validates as Python
/// `None`. `version` is the request's microversion as (major, minor), e.g.
/// (2, 61): 2.1 to 2.54 use the `create` schema, 2.55 to 2.101 add
/// `description`, and 2.102 and later drop `rxtx_factor`. A version below
/// 2.1 selects the legacy v2.0 API and its `create_v20` schema.
///
/// # Errors
/// Nova's message for a rejected body. [`error_status`] returns its status,
/// which is 500 for the bodies that pass the schema but fail in
/// `nova.compute.flavors.create`: an integer field given as a float such as
/// `1.0`, a digit string of more than 4300 digits, a string `rxtx_factor`
/// that is zero such as `"0.0"`, or an `rxtx_factor` of `Infinity`.
pub fn parse_create(body: Option<&Value>, version: (u32, u32)) -> Result<FlavorCreate, String> {
    let body = body.unwrap_or(&Value::Null);
    let schema: Schema = if version >= (2, 102) {
        definitions::CREATE_V2102
    } else if version >= (2, 55) {
        definitions::CREATE_V255
    } else if version >= (2, 1) {
        definitions::CREATE
    } else {
        definitions::CREATE_V20
    };
    schema::validate(schema, body, mode(version)).map_err(failure_message)?;
    create_from_valid(body, version >= (2, 55)).map_err(failure_message)
}

/// Validates the body of `PUT /flavors/{id}` and returns the new
/// description, `None` for JSON `null`.
///
/// Nova routes this method only from 2.55 on and responds with 404 before
/// any validation for earlier versions and for the legacy v2.0 API, so the
/// caller must reject those. Every later version uses the same schema, so
/// `version` does not change the result.
///
/// # Errors
/// Nova's 400 message for a rejected body.
pub fn parse_update(body: Option<&Value>, version: (u32, u32)) -> Result<Option<String>, String> {
    let _ = version;
    let body = body.unwrap_or(&Value::Null);
    schema::validate(definitions::UPDATE, body, Mode::Strict).map_err(failure_message)?;
    let description = member(body, "flavor")
        .and_then(|flavor| member(flavor, "description"))
        .map_err(failure_message)?;
    Ok(description.as_str().map(str::to_owned))
}

/// Picks the action of `POST /flavors/{id}/action` as Nova's WSGI layer
/// does, then validates the body against that action's schema.
///
/// Nova reads the action from the raw body before it validates anything: an
/// empty body or one whose length is not 1 is `Malformed request body`, and
/// an object key other than `addTenantAccess` and `removeTenantAccess` is
/// `There is no such action: {key}`. A JSON null, boolean or number, a
/// one-element array or a one-character string has no keys, and Nova
/// responds with 404 [`NOT_FOUND_MESSAGE`]. Every microversion behaves the same,
/// but the legacy v2.0 API (a version below 2.1) drops unknown members of
/// the action object instead of rejecting them.
///
/// NOTE: Nova then checks the project id against Keystone and responds with 400
/// `Project ID {id} is not a valid project.` when Keystone returns 404 for
/// `addTenantAccess`. That check is the caller's.
///
/// # Errors
/// Nova's message for a rejected body. [`error_status`] returns its status.
pub fn parse_action(body: Option<&Value>, version: (u32, u32)) -> Result<AccessAction, String> {
    let body = body.ok_or_else(|| MALFORMED_BODY_MESSAGE.to_owned())?;
    let name = action_name(body)?;
    let (schema, action): (Schema, fn(String) -> AccessAction) = match name {
        "addTenantAccess" => (definitions::ADD_TENANT_ACCESS, AccessAction::Add),
        "removeTenantAccess" => (definitions::REMOVE_TENANT_ACCESS, AccessAction::Remove),
        other => return Err(format!("There is no such action: {other}")),
    };
    schema::validate(schema, body, mode(version)).map_err(failure_message)?;
    let tenant = member(body, name)
        .and_then(|access| member(access, "tenant"))
        .map_err(failure_message)?;
    Ok(action(tenant.as_str().unwrap_or_default().to_owned()))
}

/// Returns the HTTP status of Nova's response for an error message that this
/// module returned: 500 for [`UNEXPECTED_ERROR_PREFIX`], 404 for
/// [`NOT_FOUND_MESSAGE`] and 400 for all others.
///
/// Nova's fault key is `computeFault` for 500, `itemNotFound` for 404 and
/// `badRequest` for 400. No 400 message can start with either text, because
/// each starts with a Python repr, a quoted name, `Invalid input`, `An
/// invalid`, `Additional`, `There is` or `Malformed`.
pub fn error_status(message: &str) -> u16 {
    if message.starts_with(UNEXPECTED_ERROR_PREFIX) {
        500
    } else if message == NOT_FOUND_MESSAGE {
        404
    } else {
        400
    }
}

/// Returns the validation mode of the API that `version` selects.
fn mode(version: (u32, u32)) -> Mode {
    if version < (2, 1) {
        Mode::Legacy
    } else {
        Mode::Strict
    }
}

/// Reproduces `wsgi.action_peek` and the exception handling around it in
/// `Resource._process_stack`, which run on any JSON value.
fn action_name(body: &Value) -> Result<&str, String> {
    let length = match body {
        Value::Object(members) => members.len(),
        Value::Array(items) => items.len(),
        Value::String(text) => text.chars().count(),
        // len() raises TypeError, which Nova turns into a 404.
        Value::Null | Value::Bool(_) | Value::Number(_) => return Err(NOT_FOUND_MESSAGE.to_owned()),
    };
    if length != 1 {
        return Err(MALFORMED_BODY_MESSAGE.to_owned());
    }
    match body {
        Value::Object(members) => members
            .keys()
            .next()
            .map(String::as_str)
            .ok_or_else(|| MALFORMED_BODY_MESSAGE.to_owned()),
        // A list or str has no keys(): AttributeError, which Nova turns into a 404.
        _ => Err(NOT_FOUND_MESSAGE.to_owned()),
    }
}

/// Builds the request from a body that passed the create schema, as
/// `FlavorsController.create` and `nova.compute.flavors.create` do.
fn create_from_valid(body: &Value, with_description: bool) -> Result<FlavorCreate, Failure> {
    let flavor = member(body, "flavor")?;
    let Value::Object(fields) = flavor else {
        return Err(Failure::Unexpected(UnexpectedError::TypeError));
    };
    let name = member(flavor, "name")?;
    let name = match name {
        Value::String(text) => numbers::python_strip(text).to_owned(),
        other => pyjson::py_str(other),
    };
    let id = flavor_id(fields.get("id"));

    // flavors.create checks the integers in this order, then rxtx_factor,
    // then is_public.
    let ram = validate_integer(member(flavor, "ram")?, 1)?;
    let vcpus = validate_integer(member(flavor, "vcpus")?, 1)?;
    let disk = validate_integer(member(flavor, "disk")?, 0)?;
    let ephemeral = optional_integer(fields, "OS-FLV-EXT-DATA:ephemeral")?;
    let swap = optional_integer(fields, "swap")?;
    let rxtx_factor = rxtx_factor(fields.get("rxtx_factor"))?;
    let is_public = is_public(fields.get("os-flavor-access:is_public"))?;
    let description = if with_description {
        fields
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned)
    } else {
        None
    };

    Ok(FlavorCreate {
        id,
        name,
        ram,
        vcpus,
        disk,
        ephemeral,
        swap,
        rxtx_factor,
        is_public,
        description,
    })
}

/// Returns `value[key]`, failing as Python's `KeyError` or `TypeError` would.
/// After validation the member is always there.
fn member<'a>(value: &'a Value, key: &str) -> Result<&'a Value, Failure> {
    match value {
        Value::Object(members) => members
            .get(key)
            .ok_or(Failure::Unexpected(UnexpectedError::KeyError)),
        _ => Err(Failure::Unexpected(UnexpectedError::TypeError)),
    }
}

/// Applies `if not flavorid: generate` and `str(flavorid)`: null and the
/// zero numbers (`0`, `0.0`, `-0.0`) are false in Python.
fn flavor_id(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::Number(Number::Int(text)) if text == "0" => None,
        Value::Number(Number::Float(number)) if *number == 0.0 => None,
        Value::String(text) if text.is_empty() => None,
        other => Some(pyjson::py_str(other)),
    }
}

/// Applies `nova.utils.validate_integer`, which is oslo's
/// `int(str(value))` and range check. A float such as 1.0 passes the
/// schema's `integer` type but fails here, because `int("1.0")` raises.
fn validate_integer(value: &Value, minimum: u32) -> Result<u32, Failure> {
    let invalid = Failure::Unexpected(UnexpectedError::InvalidInput);
    let text = numbers::int_from_str(&pyjson::py_str(value)).map_err(|_| invalid.clone())?;
    text.parse::<u32>()
        .ok()
        .filter(|integer| (minimum..=MAX_INT).contains(integer))
        .ok_or(invalid)
}

fn optional_integer(fields: &Map, key: &str) -> Result<u32, Failure> {
    match fields.get(key) {
        Some(value) => validate_integer(value, 0),
        None => Ok(0),
    }
}

/// Applies `float(rxtx_factor)` and the range check of
/// `nova.compute.flavors.create`. Strings skip the schema's
/// `exclusiveMinimum`, so `"0"` fails only here.
fn rxtx_factor(value: Option<&Value>) -> Result<f64, Failure> {
    let converted = match value {
        None => Ok(1.0),
        Some(Value::Number(number)) => numbers::float_from_number(number),
        Some(Value::String(text)) => numbers::float_from_str(text),
        Some(Value::Bool(flag)) => Ok(if *flag { 1.0 } else { 0.0 }),
        Some(_) => return Err(Failure::Unexpected(UnexpectedError::TypeError)),
    };
    let factor = match converted {
        Ok(factor) => factor,
        // flavors.create catches only ValueError.
        Err(ConversionError::Overflow) => {
            return Err(Failure::Unexpected(UnexpectedError::Overflow));
        }
        Err(ConversionError::Invalid) => {
            return Err(Failure::Unexpected(UnexpectedError::InvalidInput));
        }
    };
    // NaN passes Nova's comparisons, but a database cannot store it (MySQL
    // rejects it and Nova fails), so it fails here like the other bad values.
    if !(factor > 0.0 && factor <= SQL_SP_FLOAT_MAX) {
        return Err(Failure::Unexpected(UnexpectedError::InvalidInput));
    }
    Ok(factor)
}

/// Applies oslo's `strutils.bool_from_string(value, strict=True)`.
fn is_public(value: Option<&Value>) -> Result<bool, Failure> {
    let text = match value {
        None => return Ok(true),
        Some(Value::Bool(flag)) => return Ok(*flag),
        Some(other) => pyjson::py_str(other),
    };
    match numbers::python_strip(&text).to_lowercase().as_str() {
        "1" | "t" | "true" | "on" | "y" | "yes" => Ok(true),
        "0" | "f" | "false" | "off" | "n" | "no" => Ok(false),
        _ => Err(Failure::Unexpected(UnexpectedError::InvalidInput)),
    }
}

/// Formats a failure as the message of Nova's fault.
fn failure_message(failure: Failure) -> String {
    match failure {
        Failure::Invalid(message) => message,
        Failure::Unexpected(class) => format!(
            "{UNEXPECTED_ERROR_PREFIX} Please contact the administrator\n{}",
            class.class_repr()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A table row: case name, microversion, body JSON (`None` for an empty
    /// body) and the expected outcome.
    type Case<T> = (&'static str, (u32, u32), Option<&'static str>, T);

    /// The text after `does not match ` in Nova's error for a description that
    /// fails `valid_description_regex`: `repr()` of the whole pattern.
    const DESCRIPTION_PATTERN_REPR: &str = "\
        '^[\\\\ -\\\\~\\xa0-\u{ac}\u{ae}-\u{377}\u{37a}-\u{37f}\u{384}-\u{38a}\u{38c}\u{38e}\
        -\u{3a1}\u{3a3}-\u{52f}\u{531}-\u{556}\u{559}-\u{58a}\u{58d}-\u{58f}\u{591}-\u{5c7}\
        \u{5d0}-\u{5ea}\u{5ef}-\u{5f4}\u{606}-\u{61b}\u{61d}-\u{6dc}\u{6de}-\u{70d}\u{710}-\
        \u{74a}\u{74d}-\u{7b1}\u{7c0}-\u{7fa}\u{7fd}-\u{82d}\u{830}-\u{83e}\u{840}-\u{85b}\
        \u{85e}\u{860}-\u{86a}\u{870}-\u{88e}\u{898}-\u{8e1}\u{8e3}-\u{983}\u{985}-\u{98c}\
        \u{98f}-\u{990}\u{993}-\u{9a8}\u{9aa}-\u{9b0}\u{9b2}\u{9b6}-\u{9b9}\u{9bc}-\u{9c4}\
        \u{9c7}-\u{9c8}\u{9cb}-\u{9ce}\u{9d7}\u{9dc}-\u{9dd}\u{9df}-\u{9e3}\u{9e6}-\u{9fe}\
        \u{a01}-\u{a03}\u{a05}-\u{a0a}\u{a0f}-\u{a10}\u{a13}-\u{a28}\u{a2a}-\u{a30}\u{a32}-\
        \u{a33}\u{a35}-\u{a36}\u{a38}-\u{a39}\u{a3c}\u{a3e}-\u{a42}\u{a47}-\u{a48}\u{a4b}-\
        \u{a4d}\u{a51}\u{a59}-\u{a5c}\u{a5e}\u{a66}-\u{a76}\u{a81}-\u{a83}\u{a85}-\u{a8d}\
        \u{a8f}-\u{a91}\u{a93}-\u{aa8}\u{aaa}-\u{ab0}\u{ab2}-\u{ab3}\u{ab5}-\u{ab9}\u{abc}-\
        \u{ac5}\u{ac7}-\u{ac9}\u{acb}-\u{acd}\u{ad0}\u{ae0}-\u{ae3}\u{ae6}-\u{af1}\u{af9}-\
        \u{aff}\u{b01}-\u{b03}\u{b05}-\u{b0c}\u{b0f}-\u{b10}\u{b13}-\u{b28}\u{b2a}-\u{b30}\
        \u{b32}-\u{b33}\u{b35}-\u{b39}\u{b3c}-\u{b44}\u{b47}-\u{b48}\u{b4b}-\u{b4d}\u{b55}-\
        \u{b57}\u{b5c}-\u{b5d}\u{b5f}-\u{b63}\u{b66}-\u{b77}\u{b82}-\u{b83}\u{b85}-\u{b8a}\
        \u{b8e}-\u{b90}\u{b92}-\u{b95}\u{b99}-\u{b9a}\u{b9c}\u{b9e}-\u{b9f}\u{ba3}-\u{ba4}\
        \u{ba8}-\u{baa}\u{bae}-\u{bb9}\u{bbe}-\u{bc2}\u{bc6}-\u{bc8}\u{bca}-\u{bcd}\u{bd0}\
        \u{bd7}\u{be6}-\u{bfa}\u{c00}-\u{c0c}\u{c0e}-\u{c10}\u{c12}-\u{c28}\u{c2a}-\u{c39}\
        \u{c3c}-\u{c44}\u{c46}-\u{c48}\u{c4a}-\u{c4d}\u{c55}-\u{c56}\u{c58}-\u{c5a}\u{c5d}\
        \u{c60}-\u{c63}\u{c66}-\u{c6f}\u{c77}-\u{c8c}\u{c8e}-\u{c90}\u{c92}-\u{ca8}\u{caa}-\
        \u{cb3}\u{cb5}-\u{cb9}\u{cbc}-\u{cc4}\u{cc6}-\u{cc8}\u{cca}-\u{ccd}\u{cd5}-\u{cd6}\
        \u{cdd}-\u{cde}\u{ce0}-\u{ce3}\u{ce6}-\u{cef}\u{cf1}-\u{cf2}\u{d00}-\u{d0c}\u{d0e}-\
        \u{d10}\u{d12}-\u{d44}\u{d46}-\u{d48}\u{d4a}-\u{d4f}\u{d54}-\u{d63}\u{d66}-\u{d7f}\
        \u{d81}-\u{d83}\u{d85}-\u{d96}\u{d9a}-\u{db1}\u{db3}-\u{dbb}\u{dbd}\u{dc0}-\u{dc6}\
        \u{dca}\u{dcf}-\u{dd4}\u{dd6}\u{dd8}-\u{ddf}\u{de6}-\u{def}\u{df2}-\u{df4}\u{e01}-\
        \u{e3a}\u{e3f}-\u{e5b}\u{e81}-\u{e82}\u{e84}\u{e86}-\u{e8a}\u{e8c}-\u{ea3}\u{ea5}\
        \u{ea7}-\u{ebd}\u{ec0}-\u{ec4}\u{ec6}\u{ec8}-\u{ecd}\u{ed0}-\u{ed9}\u{edc}-\u{edf}\
        \u{f00}-\u{f47}\u{f49}-\u{f6c}\u{f71}-\u{f97}\u{f99}-\u{fbc}\u{fbe}-\u{fcc}\u{fce}-\
        \u{fda}\u{1000}-\u{10c5}\u{10c7}\u{10cd}\u{10d0}-\u{1248}\u{124a}-\u{124d}\u{1250}-\
        \u{1256}\u{1258}\u{125a}-\u{125d}\u{1260}-\u{1288}\u{128a}-\u{128d}\u{1290}-\u{12b0}\
        \u{12b2}-\u{12b5}\u{12b8}-\u{12be}\u{12c0}\u{12c2}-\u{12c5}\u{12c8}-\u{12d6}\u{12d8}\
        -\u{1310}\u{1312}-\u{1315}\u{1318}-\u{135a}\u{135d}-\u{137c}\u{1380}-\u{1399}\
        \u{13a0}-\u{13f5}\u{13f8}-\u{13fd}\u{1400}-\u{169c}\u{16a0}-\u{16f8}\u{1700}-\
        \u{1715}\u{171f}-\u{1736}\u{1740}-\u{1753}\u{1760}-\u{176c}\u{176e}-\u{1770}\u{1772}\
        -\u{1773}\u{1780}-\u{17dd}\u{17e0}-\u{17e9}\u{17f0}-\u{17f9}\u{1800}-\u{180d}\
        \u{180f}-\u{1819}\u{1820}-\u{1878}\u{1880}-\u{18aa}\u{18b0}-\u{18f5}\u{1900}-\
        \u{191e}\u{1920}-\u{192b}\u{1930}-\u{193b}\u{1940}\u{1944}-\u{196d}\u{1970}-\u{1974}\
        \u{1980}-\u{19ab}\u{19b0}-\u{19c9}\u{19d0}-\u{19da}\u{19de}-\u{1a1b}\u{1a1e}-\
        \u{1a5e}\u{1a60}-\u{1a7c}\u{1a7f}-\u{1a89}\u{1a90}-\u{1a99}\u{1aa0}-\u{1aad}\u{1ab0}\
        -\u{1ace}\u{1b00}-\u{1b4c}\u{1b50}-\u{1b7e}\u{1b80}-\u{1bf3}\u{1bfc}-\u{1c37}\
        \u{1c3b}-\u{1c49}\u{1c4d}-\u{1c88}\u{1c90}-\u{1cba}\u{1cbd}-\u{1cc7}\u{1cd0}-\
        \u{1cfa}\u{1d00}-\u{1f15}\u{1f18}-\u{1f1d}\u{1f20}-\u{1f45}\u{1f48}-\u{1f4d}\u{1f50}\
        -\u{1f57}\u{1f59}\u{1f5b}\u{1f5d}\u{1f5f}-\u{1f7d}\u{1f80}-\u{1fb4}\u{1fb6}-\u{1fc4}\
        \u{1fc6}-\u{1fd3}\u{1fd6}-\u{1fdb}\u{1fdd}-\u{1fef}\u{1ff2}-\u{1ff4}\u{1ff6}-\
        \u{1ffe}\\u2000-\\u200a\u{2010}-\u{2027}\\u202f-\\u205f\u{2070}-\u{2071}\u{2074}-\
        \u{208e}\u{2090}-\u{209c}\u{20a0}-\u{20c0}\u{20d0}-\u{20f0}\u{2100}-\u{218b}\u{2190}\
        -\u{2426}\u{2440}-\u{244a}\u{2460}-\u{2b73}\u{2b76}-\u{2b95}\u{2b97}-\u{2cf3}\
        \u{2cf9}-\u{2d25}\u{2d27}\u{2d2d}\u{2d30}-\u{2d67}\u{2d6f}-\u{2d70}\u{2d7f}-\u{2d96}\
        \u{2da0}-\u{2da6}\u{2da8}-\u{2dae}\u{2db0}-\u{2db6}\u{2db8}-\u{2dbe}\u{2dc0}-\
        \u{2dc6}\u{2dc8}-\u{2dce}\u{2dd0}-\u{2dd6}\u{2dd8}-\u{2dde}\u{2de0}-\u{2e5d}\u{2e80}\
        -\u{2e99}\u{2e9b}-\u{2ef3}\u{2f00}-\u{2fd5}\u{2ff0}-\u{2ffb}\\u3000-\u{303f}\u{3041}\
        -\u{3096}\u{3099}-\u{30ff}\u{3105}-\u{312f}\u{3131}-\u{318e}\u{3190}-\u{31e3}\
        \u{31f0}-\u{321e}\u{3220}-\u{a48c}\u{a490}-\u{a4c6}\u{a4d0}-\u{a62b}\u{a640}-\
        \u{a6f7}\u{a700}-\u{a7ca}\u{a7d0}-\u{a7d1}\u{a7d3}\u{a7d5}-\u{a7d9}\u{a7f2}-\u{a82c}\
        \u{a830}-\u{a839}\u{a840}-\u{a877}\u{a880}-\u{a8c5}\u{a8ce}-\u{a8d9}\u{a8e0}-\
        \u{a953}\u{a95f}-\u{a97c}\u{a980}-\u{a9cd}\u{a9cf}-\u{a9d9}\u{a9de}-\u{a9fe}\u{aa00}\
        -\u{aa36}\u{aa40}-\u{aa4d}\u{aa50}-\u{aa59}\u{aa5c}-\u{aac2}\u{aadb}-\u{aaf6}\
        \u{ab01}-\u{ab06}\u{ab09}-\u{ab0e}\u{ab11}-\u{ab16}\u{ab20}-\u{ab26}\u{ab28}-\
        \u{ab2e}\u{ab30}-\u{ab6b}\u{ab70}-\u{abed}\u{abf0}-\u{abf9}\u{ac00}-\u{d7a3}\u{d7b0}\
        -\u{d7c6}\u{d7cb}-\u{d7fb}\u{f900}-\u{fa6d}\u{fa70}-\u{fad9}\u{fb00}-\u{fb06}\
        \u{fb13}-\u{fb17}\u{fb1d}-\u{fb36}\u{fb38}-\u{fb3c}\u{fb3e}\u{fb40}-\u{fb41}\u{fb43}\
        -\u{fb44}\u{fb46}-\u{fbc2}\u{fbd3}-\u{fd8f}\u{fd92}-\u{fdc7}\u{fdcf}\u{fdf0}-\
        \u{fe19}\u{fe20}-\u{fe52}\u{fe54}-\u{fe66}\u{fe68}-\u{fe6b}\u{fe70}-\u{fe74}\u{fe76}\
        -\u{fefc}\u{ff01}-\u{ffbe}\u{ffc2}-\u{ffc7}\u{ffca}-\u{ffcf}\u{ffd2}-\u{ffd7}\
        \u{ffda}-\u{ffdc}\u{ffe0}-\u{ffe6}\u{ffe8}-\u{ffee}\u{fffc}-\u{fffd}]*$'";

    const INVALID_INPUT: &str = "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>";

    fn parse_body(text: Option<&str>) -> Option<Value> {
        text.map(|text| pyjson::parse(text.as_bytes()).expect("test bodies are valid JSON"))
    }

    fn create_error(version: (u32, u32), body: &str) -> String {
        let body = parse_body(Some(body));
        parse_create(body.as_ref(), version).expect_err("body should be rejected")
    }

    fn flavor(
        id: Option<&str>,
        name: &str,
        [ram, vcpus, disk, ephemeral, swap]: [u32; 5],
        rxtx_factor: f64,
        is_public: bool,
        description: Option<&str>,
    ) -> FlavorCreate {
        FlavorCreate {
            id: id.map(str::to_owned),
            name: name.to_owned(),
            ram,
            vcpus,
            disk,
            ephemeral,
            swap,
            rxtx_factor,
            is_public,
            description: description.map(str::to_owned),
        }
    }

    const CREATE_ERRORS: &[Case<&str>] = &[
        ("empty body", (2, 1), None, "None is not of type 'object'"),
        (
            "array body",
            (2, 1),
            Some("[1, 2]"),
            "[1, 2] is not of type 'object'",
        ),
        (
            "string body",
            (2, 1),
            Some("\"str\""),
            "'str' is not of type 'object'",
        ),
        (
            "no flavor",
            (2, 1),
            Some("{}"),
            "'flavor' is a required property",
        ),
        (
            "flavor not object",
            (2, 1),
            Some("{\"flavor\": \"x\"}"),
            "Invalid input for field/attribute flavor. Value: x. 'x' is not of type 'object'",
        ),
        (
            "flavor null",
            (2, 1),
            Some("{\"flavor\": null}"),
            "Invalid input for field/attribute flavor. Value: None. None is not of type 'object'",
        ),
        (
            "extra top-level key",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}, \"x\": 1}",
            ),
            "Additional properties are not allowed ('x' was unexpected)",
        ),
        (
            "two extra top-level keys",
            (2, 1),
            Some(
                "{\"b\": 1, \"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}, \"a\": 2}",
            ),
            "Additional properties are not allowed ('a', 'b' were unexpected)",
        ),
        (
            "missing name",
            (2, 1),
            Some("{\"flavor\": {\"ram\": 512, \"vcpus\": 2, \"disk\": 10}}"),
            "Invalid input for field/attribute flavor. Value: {'ram': 512, 'vcpus': 2, 'disk': 10}. 'name' is a required property",
        ),
        (
            "missing disk",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f\", \"ram\": 512, \"vcpus\": 2}}"),
            "Invalid input for field/attribute flavor. Value: {'name': 'f', 'ram': 512, 'vcpus': 2}. 'disk' is a required property",
        ),
        (
            "extra_specs key",
            (2, 61),
            Some(
                "{\"flavor\": {\"name\": \"zz3\", \"ram\": 512, \"vcpus\": 2, \"disk\": 10, \"extra_specs\": {\"a\": \"b\"}}}",
            ),
            "Invalid input for field/attribute flavor. Value: {'name': 'zz3', 'ram': 512, 'vcpus': 2, 'disk': 10, 'extra_specs': {'a': 'b'}}. Additional properties are not allowed ('extra_specs' was unexpected)",
        ),
        (
            "description at 2.54",
            (2, 54),
            Some(
                "{\"flavor\": {\"name\": \"f3b\", \"ram\": 1024, \"vcpus\": 2, \"disk\": 10, \"description\": \"desc\"}}",
            ),
            "Invalid input for field/attribute flavor. Value: {'name': 'f3b', 'ram': 1024, 'vcpus': 2, 'disk': 10, 'description': 'desc'}. Additional properties are not allowed ('description' was unexpected)",
        ),
        (
            "rxtx_factor at 2.102",
            (2, 102),
            Some(
                "{\"flavor\": {\"name\": \"f4\", \"ram\": 1024, \"vcpus\": 2, \"disk\": 10, \"rxtx_factor\": 1.0}}",
            ),
            "Invalid input for field/attribute flavor. Value: {'name': 'f4', 'ram': 1024, 'vcpus': 2, 'disk': 10, 'rxtx_factor': 1.0}. Additional properties are not allowed ('rxtx_factor' was unexpected)",
        ),
        (
            "name leading space",
            (2, 1),
            Some("{\"flavor\": {\"name\": \" lead\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name trailing space",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"trail \", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name trailing nbsp",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"a\\u00a0\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name lone newline",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"\\n\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name two newlines",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"a\\n\\n\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name tab inside",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"a\\tb\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name outside bmp",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"\\ud83d\\ude00\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
            ),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name U+FFFF",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"a\\uffff\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name zero width space",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"a\\u200b\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name line separator",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"a\\u2028b\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
            ),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "name number",
            (2, 1),
            Some("{\"flavor\": {\"name\": 5, \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute name. Value: 5. 5 is not of type 'string'",
        ),
        (
            "name null",
            (2, 1),
            Some("{\"flavor\": {\"name\": null, \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute name. Value: None. None is not of type 'string'",
        ),
        (
            "name empty",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute name. Value: . '' should be non-empty",
        ),
        (
            "id bad characters",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"zz2\", \"ram\": 512, \"vcpus\": 2, \"disk\": 10, \"id\": \"bad id!\"}}",
            ),
            "Invalid input for field/attribute id. Value: bad id!. 'bad id!' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'",
        ),
        (
            "id leading space",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": \" a\"}}",
            ),
            "Invalid input for field/attribute id. Value:  a. ' a' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'",
        ),
        (
            "id trailing space before newline",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": \"a \\n\"}}",
            ),
            "Invalid input for field/attribute id. Value: a \n. 'a \\n' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'",
        ),
        (
            "id empty",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": \"\"}}",
            ),
            "Invalid input for field/attribute id. Value: . '' should be non-empty",
        ),
        (
            "id bool",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": true}}",
            ),
            "Invalid input for field/attribute id. Value: True. True is not of type 'string', 'number', 'null'",
        ),
        (
            "id array",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": [1]}}",
            ),
            "Invalid input for field/attribute id. Value: [1]. [1] is not of type 'string', 'number', 'null'",
        ),
        (
            "ram zero",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"zz\", \"ram\": 0, \"vcpus\": 2, \"disk\": 10}}"),
            "Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1",
        ),
        (
            "ram negative",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": -1, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: -1. -1 is less than the minimum of 1",
        ),
        (
            "ram string zero",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": \"0\", \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1",
        ),
        (
            "ram string zeros",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": \"00\", \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: 00. 0 is less than the minimum of 1",
        ),
        (
            "ram string negative",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": \"-1\", \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: -1. '-1' does not match '^[0-9]+$'",
        ),
        (
            "ram string float",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": \"1.0\", \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: 1.0. '1.0' does not match '^[0-9]+$'",
        ),
        (
            "ram string padded",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": \" 1\", \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value:  1. ' 1' does not match '^[0-9]+$'",
        ),
        (
            "ram fraction",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 1.5, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: 1.5. 1.5 is not of type 'integer', 'string'",
        ),
        (
            "ram bool",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": true, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: True. True is not of type 'integer', 'string'",
        ),
        (
            "ram null",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": null, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: None. None is not of type 'integer', 'string'",
        ),
        (
            "ram above max",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 2147483648, \"vcpus\": 1, \"disk\": 1}}",
            ),
            "Invalid input for field/attribute ram. Value: 2147483648. 2147483648 is greater than the maximum of 2147483647",
        ),
        (
            "ram string above max",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": \"2147483648\", \"vcpus\": 1, \"disk\": 1}}",
            ),
            "Invalid input for field/attribute ram. Value: 2147483648. 2147483648 is greater than the maximum of 2147483647",
        ),
        (
            "ram huge int",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 1000000000000000000000000000000, \"vcpus\": 1, \"disk\": 1}}",
            ),
            "Invalid input for field/attribute ram. Value: 1000000000000000000000000000000. 1000000000000000000000000000000 is greater than the maximum of 2147483647",
        ),
        (
            "ram huge float",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 1e+300, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: 1e+300. 1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160 is greater than the maximum of 2147483647",
        ),
        (
            "ram negative zero",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": -0.0, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: -0.0. 0 is less than the minimum of 1",
        ),
        (
            "ram negative float",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": -3.0, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: -3.0. -3 is less than the minimum of 1",
        ),
        (
            "ram nan",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": NaN, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: nan. nan is not of type 'integer', 'string'",
        ),
        (
            "ram infinity",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": Infinity, \"vcpus\": 1, \"disk\": 1}}"),
            "Invalid input for field/attribute ram. Value: inf. inf is not of type 'integer', 'string'",
        ),
        (
            "vcpus zero",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 0, \"disk\": 1}}"),
            "Invalid input for field/attribute vcpus. Value: 0. 0 is less than the minimum of 1",
        ),
        (
            "disk negative",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": -1}}"),
            "Invalid input for field/attribute disk. Value: -1. -1 is less than the minimum of 0",
        ),
        (
            "ephemeral text",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"OS-FLV-EXT-DATA:ephemeral\": \"x\"}}",
            ),
            "Invalid input for field/attribute OS-FLV-EXT-DATA:ephemeral. Value: x. 'x' does not match '^[0-9]+$'",
        ),
        (
            "swap float above max",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"swap\": 2147483648.0}}",
            ),
            "Invalid input for field/attribute swap. Value: 2147483648.0. 2147483648 is greater than the maximum of 2147483647",
        ),
        (
            "rxtx zero",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": 0}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: 0. 0 is less than or equal to the minimum of 0",
        ),
        (
            "rxtx negative zero",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": -0.0}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: -0.0. -0.0 is less than or equal to the minimum of 0",
        ),
        (
            "rxtx negative",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": -1}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: -1. -1 is less than or equal to the minimum of 0",
        ),
        (
            "rxtx negative infinity",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": -Infinity}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: -inf. -inf is less than or equal to the minimum of 0",
        ),
        (
            "rxtx text",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"abc\"}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: abc. 'abc' does not match '^[0-9]+(\\\\.[0-9]+)?$'",
        ),
        (
            "rxtx exponent string",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"1e2\"}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: 1e2. '1e2' does not match '^[0-9]+(\\\\.[0-9]+)?$'",
        ),
        (
            "rxtx leading dot",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \".5\"}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: .5. '.5' does not match '^[0-9]+(\\\\.[0-9]+)?$'",
        ),
        (
            "rxtx float above max",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": 3.41e+38}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: 3.41e+38. 341000000000000000445911848520865808384 is greater than the maximum of 3.40282e+38",
        ),
        (
            "rxtx int above max",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": 1000000000000000000000000000000000000000}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: 1000000000000000000000000000000000000000. 1000000000000000000000000000000000000000 is greater than the maximum of 3.40282e+38",
        ),
        (
            "rxtx bool",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": true}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: True. True is not of type 'number', 'string'",
        ),
        (
            "rxtx null",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": null}}",
            ),
            "Invalid input for field/attribute rxtx_factor. Value: None. None is not of type 'number', 'string'",
        ),
        (
            "is_public maybe",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"zz4\", \"ram\": 512, \"vcpus\": 2, \"disk\": 10, \"os-flavor-access:is_public\": \"maybe\"}}",
            ),
            "Invalid input for field/attribute os-flavor-access:is_public. Value: maybe. 'maybe' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']",
        ),
        (
            "is_public int",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"os-flavor-access:is_public\": 1}}",
            ),
            "Invalid input for field/attribute os-flavor-access:is_public. Value: 1. 1 is not of type 'boolean', 'string'",
        ),
        (
            "is_public padded",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"os-flavor-access:is_public\": \"true \"}}",
            ),
            "Invalid input for field/attribute os-flavor-access:is_public. Value: true . 'true ' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']",
        ),
        (
            "description number",
            (2, 55),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"description\": 5}}",
            ),
            "Invalid input for field/attribute description. Value: 5. 5 is not of type 'string', 'null'",
        ),
        (
            "name error before ram error",
            (2, 1),
            Some("{\"flavor\": {\"ram\": 0, \"name\": \" x\", \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ),
        (
            "property error before required",
            (2, 1),
            Some("{\"flavor\": {\"ram\": 0}}"),
            "Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1",
        ),
        (
            "property error before extra key",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": -1, \"foo\": 1}}",
            ),
            "Invalid input for field/attribute disk. Value: -1. -1 is less than the minimum of 0",
        ),
        (
            "inner error before top-level key",
            (2, 1),
            Some(
                "{\"x\": 1, \"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": -1}}",
            ),
            "Invalid input for field/attribute disk. Value: -1. -1 is less than the minimum of 0",
        ),
        (
            "required before extra key",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f\", \"foo\": 1}}"),
            "Invalid input for field/attribute flavor. Value: {'name': 'f', 'foo': 1}. 'ram' is a required property",
        ),
        (
            "ram float",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 1.0, \"vcpus\": 1, \"disk\": 1}}"),
            "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>",
        ),
        (
            "vcpus exponent float",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 100.0, \"disk\": 1}}"),
            "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>",
        ),
        (
            "disk zero float",
            (2, 1),
            Some("{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 0.0}}"),
            "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>",
        ),
        (
            "ephemeral negative zero",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"OS-FLV-EXT-DATA:ephemeral\": -0.0}}",
            ),
            "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>",
        ),
        (
            "rxtx string zero",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"0\"}}",
            ),
            "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>",
        ),
        (
            "rxtx string zero decimal",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"00.000\"}}",
            ),
            "Unexpected API Error. Please contact the administrator\n<class 'nova.exception.InvalidInput'>",
        ),
        (
            "rxtx infinity",
            (2, 1),
            Some(
                "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": Infinity}}",
            ),
            "Unexpected API Error. Please contact the administrator\n<class 'OverflowError'>",
        ),
        (
            "legacy blank name",
            (2, 0),
            Some("{\"flavor\": {\"name\": \"  \", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters with at least one non space character",
        ),
        (
            "legacy empty name",
            (2, 0),
            Some("{\"flavor\": {\"name\": \"\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}"),
            "An invalid 'name' value was provided. The name must be: printable characters with at least one non space character",
        ),
        (
            "legacy missing ram",
            (2, 0),
            Some("{\"flavor\": {\"name\": \"a\", \"vcpus\": 1, \"disk\": 1, \"foo\": 1}}"),
            "Invalid input for field/attribute flavor. Value: {'name': 'a', 'vcpus': 1, 'disk': 1, 'foo': 1}. 'ram' is a required property",
        ),
    ];

    #[test]
    fn create_errors() {
        for (case, version, body, expected) in CREATE_ERRORS {
            let body = parse_body(*body);
            let actual = parse_create(body.as_ref(), *version);
            assert_eq!(actual.err().as_deref(), Some(*expected), "{case}");
        }
    }

    #[test]
    fn create_accepted() {
        let cases: Vec<Case<FlavorCreate>> = vec![
            (
                "f1",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": \"f1\"}}",
                ),
                flavor(Some("f1"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "without id",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"nometa\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "nometa", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "full private",
                (2, 61),
                Some(
                    "{\"flavor\": {\"name\": \"f2\", \"ram\": 1024, \"vcpus\": 2, \"disk\": 10, \"id\": 2, \"swap\": 512, \"OS-FLV-EXT-DATA:ephemeral\": 5, \"rxtx_factor\": 2.0, \"os-flavor-access:is_public\": false}}",
                ),
                flavor(Some("2"), "f2", [1024, 2, 10, 5, 512], 2.0, false, None),
            ),
            (
                "null id and description",
                (2, 55),
                Some(
                    "{\"flavor\": {\"name\": \"f3\", \"ram\": 1024, \"vcpus\": 2, \"disk\": 10, \"id\": null, \"description\": \"desc\"}}",
                ),
                flavor(None, "f3", [1024, 2, 10, 0, 0], 1.0, true, Some("desc")),
            ),
            (
                "string numbers",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"zz\", \"ram\": \"512\", \"vcpus\": \"2\", \"disk\": \"10\"}}",
                ),
                flavor(None, "zz", [512, 2, 10, 0, 0], 1.0, true, None),
            ),
            (
                "id zero",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"zz5\", \"ram\": 512, \"vcpus\": 2, \"disk\": 10, \"id\": 0}}",
                ),
                flavor(None, "zz5", [512, 2, 10, 0, 0], 1.0, true, None),
            ),
            (
                "id fraction",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"zz6\", \"ram\": 512, \"vcpus\": 2, \"disk\": 10, \"id\": 1.5}}",
                ),
                flavor(Some("1.5"), "zz6", [512, 2, 10, 0, 0], 1.0, true, None),
            ),
            (
                "id float zero",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": 0.0}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id negative zero",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": -0.0}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id exponent",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": 100.0}}",
                ),
                flavor(Some("100.0"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id large float",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": 1e+16}}",
                ),
                flavor(Some("1e+16"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id small float",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": 2.5e-07}}",
                ),
                flavor(Some("2.5e-07"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id negative int",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": -7}}",
                ),
                flavor(Some("-7"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id huge int",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": 1000000000000000000000000000000}}",
                ),
                flavor(
                    Some("1000000000000000000000000000000"),
                    "f1",
                    [512, 1, 1, 0, 0],
                    1.0,
                    true,
                    None,
                ),
            ),
            (
                "id infinity",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": Infinity}}",
                ),
                flavor(Some("inf"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id nan",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": NaN}}",
                ),
                flavor(Some("nan"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id trailing newline",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": \"a\\n\"}}",
                ),
                flavor(Some("a\n"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "id string zero",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"id\": \"0\"}}",
                ),
                flavor(Some("0"), "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "name trailing newline",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"ab\\n\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "ab", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "name inner nbsp",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"a\\u00a0b\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "a\u{a0}b", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "name non-ascii",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"\\u65e5\\u672c\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "日本", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "ram trailing newline",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": \"512\\n\", \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "ram leading zero",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": \"0512\", \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "ram max",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 2147483647, \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "f1", [2147483647, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "disk zeros",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": \"00\"}}",
                ),
                flavor(None, "f1", [512, 1, 0, 0, 0], 1.0, true, None),
            ),
            (
                "rxtx string",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"1.5\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.5, true, None),
            ),
            (
                "rxtx string newline",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"1.50\\n\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.5, true, None),
            ),
            (
                "rxtx int",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": 1}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "rxtx tiny",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": 5e-324}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 5e-324, true, None),
            ),
            (
                "rxtx max",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": 3.40282e+38}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 3.40282e+38, true, None),
            ),
            (
                "rxtx string at max",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"rxtx_factor\": \"340282000000000000000000000000000000001\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 3.40282e+38, true, None),
            ),
            (
                "is_public yes",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"os-flavor-access:is_public\": \"yes\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "is_public Off",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"os-flavor-access:is_public\": \"Off\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, false, None),
            ),
            (
                "is_public one",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"os-flavor-access:is_public\": \"1\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "is_public false",
                (2, 1),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"os-flavor-access:is_public\": false}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, false, None),
            ),
            (
                "description null",
                (2, 55),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"description\": null}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "description empty",
                (2, 101),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"description\": \"\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, Some("")),
            ),
            (
                "description newline",
                (2, 104),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"description\": \"a\\n\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, Some("a\n")),
            ),
            (
                "no rxtx at 2.102",
                (2, 102),
                Some(
                    "{\"flavor\": {\"name\": \"f1\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"description\": \"d\"}}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, Some("d")),
            ),
            (
                "body order ignored",
                (2, 1),
                Some("{\"flavor\": {\"disk\": 3, \"vcpus\": 2, \"ram\": 1, \"name\": \"n\"}}"),
                flavor(None, "n", [1, 2, 3, 0, 0], 1.0, true, None),
            ),
            (
                "legacy spaced name and extras",
                (2, 0),
                Some(
                    "{\"flavor\": {\"name\": \"  f1 \", \"ram\": 512, \"vcpus\": 1, \"disk\": 1, \"foo\": 1, \"description\": \"d\"}, \"x\": 2}",
                ),
                flavor(None, "f1", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
            (
                "legacy inner newline name",
                (2, 0),
                Some(
                    "{\"flavor\": {\"name\": \" a\\n\", \"ram\": 512, \"vcpus\": 1, \"disk\": 1}}",
                ),
                flavor(None, "a", [512, 1, 1, 0, 0], 1.0, true, None),
            ),
        ];
        for (case, version, body, expected) in cases {
            let body = parse_body(body);
            assert_eq!(parse_create(body.as_ref(), version), Ok(expected), "{case}");
        }
    }

    #[test]
    fn create_nan_rxtx_factor() {
        let body =
            r#"{"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 0, "rxtx_factor": NaN}}"#;
        let body = parse_body(Some(body));
        let message = parse_create(body.as_ref(), (2, 1))
            .err()
            .unwrap_or_default();
        assert!(message.starts_with(UNEXPECTED_ERROR_PREFIX), "{message}");
    }

    #[test]
    fn create_long_name() {
        let name = "x".repeat(256);
        let body =
            format!(r#"{{"flavor": {{"name": "{name}", "ram": 1, "vcpus": 1, "disk": 0}}}}"#);
        let expected =
            format!("Invalid input for field/attribute name. Value: {name}. '{name}' is too long");
        assert_eq!(create_error((2, 1), &body), expected);
    }

    #[test]
    fn create_name_newline_counts() {
        // The newline passes the pattern but counts toward maxLength.
        let name = "x".repeat(255);
        let body =
            format!(r#"{{"flavor": {{"name": "{name}\n", "ram": 1, "vcpus": 1, "disk": 0}}}}"#);
        let expected = format!(
            "Invalid input for field/attribute name. Value: {name}\n. '{name}\\n' is too long"
        );
        assert_eq!(create_error((2, 1), &body), expected);
    }

    #[test]
    fn create_legacy_long_name() {
        let name = "é".repeat(256);
        let body =
            format!(r#"{{"flavor": {{"name": "{name}", "ram": 1, "vcpus": 1, "disk": 0}}}}"#);
        let expected =
            format!("Invalid input for field/attribute name. Value: {name}. '{name}' is too long");
        assert_eq!(create_error((2, 0), &body), expected);
    }

    #[test]
    fn create_long_id() {
        let id = "x".repeat(256);
        let body = format!(
            r#"{{"flavor": {{"name": "f", "ram": 1, "vcpus": 1, "disk": 0, "id": "{id}"}}}}"#
        );
        let expected =
            format!("Invalid input for field/attribute id. Value: {id}. '{id}' is too long");
        assert_eq!(create_error((2, 1), &body), expected);
    }

    #[test]
    fn create_digits_beyond_int_limit() {
        // int() rejects more than 4300 digits, so Nova compares float("9" * 5000),
        // which is inf.
        let ram = "9".repeat(5000);
        let body =
            format!(r#"{{"flavor": {{"name": "f", "ram": "{ram}", "vcpus": 1, "disk": 0}}}}"#);
        let expected = format!(
            "Invalid input for field/attribute ram. Value: {ram}. inf is greater than the maximum of 2147483647"
        );
        assert_eq!(create_error((2, 1), &body), expected);
    }

    #[test]
    fn create_zeros_beyond_int_limit() {
        // float() of the digits passes the schema, then int() fails in flavors.create.
        let ram = format!("{}1", "0".repeat(4301));
        let body =
            format!(r#"{{"flavor": {{"name": "f", "ram": "{ram}", "vcpus": 1, "disk": 0}}}}"#);
        assert_eq!(create_error((2, 1), &body), INVALID_INPUT);
    }

    #[test]
    fn create_digits_at_int_limit() {
        let ram = format!("{}7", "0".repeat(4299));
        let body =
            format!(r#"{{"flavor": {{"name": "f", "ram": "{ram}", "vcpus": 1, "disk": 0}}}}"#);
        let body = parse_body(Some(&body));
        let flavor = parse_create(body.as_ref(), (2, 1)).map(|flavor| flavor.ram);
        assert_eq!(flavor, Ok(7));
    }

    #[test]
    fn create_long_rxtx_string() {
        let factor = format!("{}.5", "1".repeat(400));
        let body = format!(
            r#"{{"flavor": {{"name": "f", "ram": 1, "vcpus": 1, "disk": 0, "rxtx_factor": "{factor}"}}}}"#
        );
        let expected = format!(
            "Invalid input for field/attribute rxtx_factor. Value: {factor}. inf is greater than the maximum of 3.40282e+38"
        );
        assert_eq!(create_error((2, 1), &body), expected);
    }

    #[test]
    fn create_unprintable_description() {
        let body = r#"{"flavor": {"name": "f", "ram": 1, "vcpus": 1, "disk": 0, "description": "\u0001"}}"#;
        let expected = format!(
            "Invalid input for field/attribute description. Value: \u{1}. '\\x01' does not match {DESCRIPTION_PATTERN_REPR}"
        );
        assert_eq!(create_error((2, 55), body), expected);
    }

    const UPDATE_CASES: &[Case<Result<Option<&str>, &str>>] = &[
        (
            "new description",
            (2, 55),
            Some("{\"flavor\": {\"description\": \"new\"}}"),
            Ok(Some("new")),
        ),
        (
            "null description",
            (2, 61),
            Some("{\"flavor\": {\"description\": null}}"),
            Ok(None),
        ),
        (
            "name only",
            (2, 55),
            Some("{\"flavor\": {\"name\": \"x\"}}"),
            Err(
                "Invalid input for field/attribute flavor. Value: {'name': 'x'}. 'description' is a required property",
            ),
        ),
        (
            "empty body",
            (2, 55),
            None,
            Err("None is not of type 'object'"),
        ),
        (
            "empty object",
            (2, 55),
            Some("{}"),
            Err("'flavor' is a required property"),
        ),
        (
            "flavor not object",
            (2, 55),
            Some("{\"flavor\": []}"),
            Err("Invalid input for field/attribute flavor. Value: []. [] is not of type 'object'"),
        ),
        (
            "empty flavor",
            (2, 55),
            Some("{\"flavor\": {}}"),
            Err(
                "Invalid input for field/attribute flavor. Value: {}. 'description' is a required property",
            ),
        ),
        (
            "description number",
            (2, 55),
            Some("{\"flavor\": {\"description\": 5}}"),
            Err(
                "Invalid input for field/attribute description. Value: 5. 5 is not of type 'string', 'null'",
            ),
        ),
        (
            "description bool",
            (2, 55),
            Some("{\"flavor\": {\"description\": false}}"),
            Err(
                "Invalid input for field/attribute description. Value: False. False is not of type 'string', 'null'",
            ),
        ),
        (
            "extra flavor key",
            (2, 55),
            Some("{\"flavor\": {\"description\": \"x\", \"name\": \"y\"}}"),
            Err(
                "Invalid input for field/attribute flavor. Value: {'description': 'x', 'name': 'y'}. Additional properties are not allowed ('name' was unexpected)",
            ),
        ),
        (
            "extra top-level key",
            (2, 55),
            Some("{\"flavor\": {\"description\": \"x\"}, \"id\": \"f\"}"),
            Err("Additional properties are not allowed ('id' was unexpected)"),
        ),
        (
            "description empty",
            (2, 55),
            Some("{\"flavor\": {\"description\": \"\"}}"),
            Ok(Some("")),
        ),
        (
            "description trailing newline",
            (2, 55),
            Some("{\"flavor\": {\"description\": \"a\\n\"}}"),
            Ok(Some("a\n")),
        ),
        (
            "description nbsp",
            (2, 55),
            Some("{\"flavor\": {\"description\": \"a\\u00a0b\"}}"),
            Ok(Some("a\u{a0}b")),
        ),
    ];

    #[test]
    fn update_table() {
        for (case, version, body, expected) in UPDATE_CASES {
            let body = parse_body(*body);
            let actual = parse_update(body.as_ref(), *version);
            let actual = actual
                .as_ref()
                .map(Option::as_deref)
                .map_err(String::as_str);
            assert_eq!(actual, *expected, "{case}");
        }
    }

    #[test]
    fn update_description_pattern() {
        let cases = [
            ("\t", "'\\t'"),
            ("a\n\n", "'a\\n\\n'"),
            ("\u{1F600}", "'\u{1F600}'"),
            ("\u{FFFF}", "'\\uffff'"),
        ];
        for (description, repr) in cases {
            let mut flavor = Map::new();
            flavor.insert("description".to_owned(), Value::from(description));
            let mut body = Map::new();
            body.insert("flavor".to_owned(), Value::Object(flavor));
            let expected = format!(
                "Invalid input for field/attribute description. Value: {description}. {repr} does not match {DESCRIPTION_PATTERN_REPR}"
            );
            let actual = parse_update(Some(&Value::Object(body)), (2, 55));
            assert_eq!(actual, Err(expected), "{repr}");
        }
    }

    #[test]
    fn update_long_description() {
        let description = "a".repeat(65536);
        let body = parse_body(Some(&format!(
            r#"{{"flavor": {{"description": "{description}"}}}}"#
        )));
        let expected = format!(
            "Invalid input for field/attribute description. Value: {description}. '{description}' is too long"
        );
        assert_eq!(parse_update(body.as_ref(), (2, 55)), Err(expected));
    }

    #[test]
    fn update_longest_description() {
        let description = "a".repeat(65535);
        let body = parse_body(Some(&format!(
            r#"{{"flavor": {{"description": "{description}"}}}}"#
        )));
        assert_eq!(parse_update(body.as_ref(), (2, 55)), Ok(Some(description)));
    }

    const ACTION_CASES: &[Case<Result<(AccessKind, &str), &str>>] = &[
        (
            "add",
            (2, 1),
            Some("{\"addTenantAccess\": {\"tenant\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}}"),
            Ok((AccessKind::Add, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")),
        ),
        (
            "remove",
            (2, 1),
            Some("{\"removeTenantAccess\": {\"tenant\": \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}}"),
            Ok((AccessKind::Remove, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")),
        ),
        (
            "bogus action",
            (2, 1),
            Some("{\"bogusAction\": {}}"),
            Err("There is no such action: bogusAction"),
        ),
        (
            "two actions",
            (2, 1),
            Some("{\"a\": {}, \"b\": {}}"),
            Err("Malformed request body"),
        ),
        ("empty body", (2, 1), None, Err("Malformed request body")),
        (
            "empty object",
            (2, 1),
            Some("{}"),
            Err("Malformed request body"),
        ),
        (
            "action name case",
            (2, 1),
            Some("{\"addtenantaccess\": {\"tenant\": \"a\"}}"),
            Err("There is no such action: addtenantaccess"),
        ),
        (
            "action with extra key",
            (2, 1),
            Some("{\"addTenantAccess\": {\"tenant\": \"a\"}, \"x\": 1}"),
            Err("Malformed request body"),
        ),
        (
            "one-element array",
            (2, 1),
            Some("[1]"),
            Err("The resource could not be found."),
        ),
        (
            "empty array",
            (2, 1),
            Some("[]"),
            Err("Malformed request body"),
        ),
        (
            "two-element array",
            (2, 1),
            Some("[1, 2]"),
            Err("Malformed request body"),
        ),
        (
            "one-character string",
            (2, 1),
            Some("\"a\""),
            Err("The resource could not be found."),
        ),
        (
            "empty string",
            (2, 1),
            Some("\"\""),
            Err("Malformed request body"),
        ),
        (
            "two-character string",
            (2, 1),
            Some("\"ab\""),
            Err("Malformed request body"),
        ),
        (
            "number",
            (2, 1),
            Some("5"),
            Err("The resource could not be found."),
        ),
        (
            "null",
            (2, 1),
            Some("null"),
            Err("The resource could not be found."),
        ),
        (
            "bool",
            (2, 1),
            Some("true"),
            Err("The resource could not be found."),
        ),
        (
            "access not object",
            (2, 1),
            Some("{\"addTenantAccess\": \"x\"}"),
            Err(
                "Invalid input for field/attribute addTenantAccess. Value: x. 'x' is not of type 'object'",
            ),
        ),
        (
            "access null",
            (2, 1),
            Some("{\"removeTenantAccess\": null}"),
            Err(
                "Invalid input for field/attribute removeTenantAccess. Value: None. None is not of type 'object'",
            ),
        ),
        (
            "tenant missing",
            (2, 1),
            Some("{\"addTenantAccess\": {}}"),
            Err(
                "Invalid input for field/attribute addTenantAccess. Value: {}. 'tenant' is a required property",
            ),
        ),
        (
            "tenant empty",
            (2, 1),
            Some("{\"addTenantAccess\": {\"tenant\": \"\"}}"),
            Err("Invalid input for field/attribute tenant. Value: . '' should be non-empty"),
        ),
        (
            "tenant number",
            (2, 1),
            Some("{\"removeTenantAccess\": {\"tenant\": 5}}"),
            Err("Invalid input for field/attribute tenant. Value: 5. 5 is not of type 'string'"),
        ),
        (
            "tenant extra key",
            (2, 1),
            Some("{\"addTenantAccess\": {\"tenant\": \"a\", \"x\": 1}}"),
            Err(
                "Invalid input for field/attribute addTenantAccess. Value: {'tenant': 'a', 'x': 1}. Additional properties are not allowed ('x' was unexpected)",
            ),
        ),
        (
            "required before extra key",
            (2, 1),
            Some("{\"addTenantAccess\": {\"x\": 1}}"),
            Err(
                "Invalid input for field/attribute addTenantAccess. Value: {'x': 1}. 'tenant' is a required property",
            ),
        ),
        (
            "legacy tenant extra key",
            (2, 0),
            Some("{\"addTenantAccess\": {\"tenant\": \"a\", \"x\": 1}}"),
            Ok((AccessKind::Add, "a")),
        ),
        (
            "legacy tenant missing",
            (2, 0),
            Some("{\"addTenantAccess\": {\"x\": 1}}"),
            Err(
                "Invalid input for field/attribute addTenantAccess. Value: {'x': 1}. 'tenant' is a required property",
            ),
        ),
        (
            "non-ascii tenant",
            (2, 104),
            Some("{\"removeTenantAccess\": {\"tenant\": \"\\u00e9\"}}"),
            Ok((AccessKind::Remove, "é")),
        ),
    ];

    #[test]
    fn action_table() {
        for (case, version, body, expected) in ACTION_CASES {
            let body = parse_body(*body);
            let expected = expected
                .map(|(kind, tenant)| kind.action(tenant))
                .map_err(str::to_owned);
            assert_eq!(parse_action(body.as_ref(), *version), expected, "{case}");
        }
    }

    #[test]
    fn action_long_tenant() {
        let tenant = "x".repeat(256);
        let body = parse_body(Some(&format!(
            r#"{{"addTenantAccess": {{"tenant": "{tenant}"}}}}"#
        )));
        let expected = format!(
            "Invalid input for field/attribute tenant. Value: {tenant}. '{tenant}' is too long"
        );
        assert_eq!(parse_action(body.as_ref(), (2, 1)), Err(expected));
    }

    /// The action of an [`ACTION_CASES`] row, which a const cannot build.
    #[derive(Clone, Copy)]
    enum AccessKind {
        Add,
        Remove,
    }

    impl AccessKind {
        fn action(self, tenant: &str) -> AccessAction {
            match self {
                AccessKind::Add => AccessAction::Add(tenant.to_owned()),
                AccessKind::Remove => AccessAction::Remove(tenant.to_owned()),
            }
        }
    }

    #[test]
    fn error_status_table() {
        let cases = [
            (INVALID_INPUT, 500),
            (
                "Unexpected API Error. Please contact the administrator\n<class 'OverflowError'>",
                500,
            ),
            (NOT_FOUND_MESSAGE, 404),
            ("Malformed request body", 400),
            ("There is no such action: x", 400),
            ("None is not of type 'object'", 400),
            ("'flavor' is a required property", 400),
        ];
        for (message, status) in cases {
            assert_eq!(error_status(message), status, "{message}");
        }
    }

    /// Arbitrary JSON values up to three levels deep, with the keys and values
    /// that the schemas look at mixed in.
    fn value_strategy() -> impl Strategy<Value = Value> {
        let text = prop_oneof![
            Just(String::new()),
            Just("0".to_owned()),
            Just("1.5".to_owned()),
            Just("512\n".to_owned()),
            Just("9".repeat(4400)),
            "\\PC{0,12}",
        ];
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            Just(Value::Number(Number::Int("9".repeat(400)))),
            text.prop_map(Value::String),
        ];
        let key = prop_oneof![
            Just("flavor".to_owned()),
            Just("name".to_owned()),
            Just("id".to_owned()),
            Just("ram".to_owned()),
            Just("vcpus".to_owned()),
            Just("disk".to_owned()),
            Just("rxtx_factor".to_owned()),
            Just("os-flavor-access:is_public".to_owned()),
            Just("description".to_owned()),
            Just("addTenantAccess".to_owned()),
            Just("tenant".to_owned()),
            "\\PC{0,6}",
        ];
        leaf.prop_recursive(3, 24, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn parsers_never_panic(
            body in proptest::option::of(value_strategy()),
            minor in prop_oneof![Just(0u32), Just(1), Just(55), Just(102), any::<u32>()],
        ) {
            let version = (2, minor);
            let _ = parse_create(body.as_ref(), version);
            let _ = parse_update(body.as_ref(), version);
            let _ = parse_action(body.as_ref(), version);
        }

        #[test]
        fn flavor_bodies_never_panic(flavor in value_strategy(), minor in 0u32..110) {
            let mut body = Map::new();
            body.insert("flavor".to_owned(), flavor);
            let body = Value::Object(body);
            let _ = parse_create(Some(&body), (2, minor));
            let _ = parse_update(Some(&body), (2, minor));
        }
    }
}
