//! Temporary stand-in for the flavor-management body checks.
#![allow(missing_docs)]

use crate::pyjson::{Number, Value};

pub struct FlavorCreate {
    pub id: Option<String>,
    pub name: String,
    pub ram: u32,
    pub vcpus: u32,
    pub disk: u32,
    pub ephemeral: u32,
    pub swap: u32,
    pub rxtx_factor: f64,
    pub is_public: bool,
    pub description: Option<String>,
}

pub enum AccessAction {
    Add(String),
    Remove(String),
}

fn num(v: Option<&Value>) -> u32 {
    match v {
        Some(Value::Number(Number::Int(t))) => t.parse().unwrap_or(0),
        Some(Value::String(t)) => t.parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn parse_create(body: Option<&Value>, _version: (u32, u32)) -> Result<FlavorCreate, String> {
    let Some(Value::Object(top)) = body else {
        return Err("None is not of type 'object'".into());
    };
    let Some(Value::Object(f)) = top.get("flavor") else {
        return Err("'flavor' is a required property".into());
    };
    Ok(FlavorCreate {
        id: match f.get("id") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) if n.py_str() != "0" => Some(n.py_str()),
            _ => None,
        },
        name: f
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned(),
        ram: num(f.get("ram")),
        vcpus: num(f.get("vcpus")),
        disk: num(f.get("disk")),
        ephemeral: num(f.get("OS-FLV-EXT-DATA:ephemeral")),
        swap: num(f.get("swap")),
        rxtx_factor: 1.0,
        is_public: !matches!(
            f.get("os-flavor-access:is_public"),
            Some(Value::Bool(false))
        ),
        description: f
            .get("description")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    })
}

pub fn parse_update(body: Option<&Value>, _version: (u32, u32)) -> Result<Option<String>, String> {
    let Some(Value::Object(top)) = body else {
        return Err("None is not of type 'object'".into());
    };
    let Some(Value::Object(f)) = top.get("flavor") else {
        return Err("'flavor' is a required property".into());
    };
    Ok(f.get("description")
        .and_then(|v| v.as_str())
        .map(str::to_owned))
}

pub fn parse_action(body: Option<&Value>, _version: (u32, u32)) -> Result<AccessAction, String> {
    let Some(Value::Object(top)) = body else {
        return Err("Malformed request body".into());
    };
    if top.len() != 1 {
        return Err("Malformed request body".into());
    }
    let (name, inner) = top.iter().next().unwrap();
    let tenant = inner
        .get("tenant")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    match name.as_str() {
        "addTenantAccess" => Ok(AccessAction::Add(tenant)),
        "removeTenantAccess" => Ok(AccessAction::Remove(tenant)),
        other => Err(format!("There is no such action: {other}")),
    }
}
