//! Parsing of `POST /v3/auth/tokens` bodies, with Keystone's checks in
//! Keystone's order: the JSON body, the `token_issue` JSON schema, the "id or
//! name must be present" rules, then the method and scope rules.
//!
//! Messages of schema errors follow the short form of jsonschema's messages
//! ("'methods' is a required property"), prefixed with the field path as
//! Keystone does. Keystone prints jsonschema's long form for errors at the top
//! level, which this module shortens too.

use super::config::Secret;
use super::error::KeystoneError;
use crate::pyjson::{self, Map, Value};

/// Authentication methods this server implements.
pub const SUPPORTED_METHODS: [&str; 2] = ["password", "token"];

/// A reference to a domain, project or user by id or by name. Keystone uses the
/// name when both are given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// The `id` member.
    pub id: Option<String>,
    /// The `name` member.
    pub name: Option<String>,
}

/// The `password` method's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordMethod {
    /// The user by id, or by name within `domain`.
    pub user: Selector,
    /// The user's domain, needed when the user is given by name.
    pub domain: Option<Selector>,
    /// The password; a missing one fails authentication.
    pub password: Option<Secret>,
}

/// The requested scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequest {
    /// No `scope` member: Keystone would scope to the user's default project,
    /// and users here have none, so the token is unscoped.
    Default,
    /// `"scope": "unscoped"` or `{"unscoped": {}}`.
    Unscoped,
    /// A project by id, or by name within `domain`.
    Project {
        /// The project.
        project: Selector,
        /// The project's domain, needed when the project is given by name.
        domain: Option<Selector>,
    },
    /// A domain scope.
    Domain(Selector),
    /// The system scope.
    System,
    /// A trust scope.
    Trust {
        /// The trust id.
        id: Option<String>,
    },
}

/// A parsed token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequest {
    /// Method names without duplicates, in request order.
    pub methods: Vec<String>,
    /// Payload of the `password` method, when listed.
    pub password: Option<PasswordMethod>,
    /// Token of the `token` method, when listed.
    pub token: Option<Secret>,
    /// Requested scope.
    pub scope: ScopeRequest,
}

/// Parses a request body.
///
/// `content_type` is the request's `Content-Type`, if any. An empty `body`
/// counts as no body, as in Keystone.
///
/// # Errors
/// Keystone's 400 for a malformed body and 401 for an unsupported method.
pub fn parse_auth_request(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<AuthRequest, KeystoneError> {
    let document = parse_body(content_type, body)?;
    let auth = document.as_ref().and_then(|document| document.get("auth"));
    let Some(auth) = auth.filter(|auth| !auth.is_null()) else {
        return Err(KeystoneError::expecting("auth", "request body"));
    };
    let auth = check_schema(auth)?;
    check_id_or_name(auth)?;

    let identity = auth
        .get("identity")
        .and_then(Value::as_object)
        .ok_or_else(|| schema_error("", "'identity' is a required property"))?;
    let methods = method_names(identity);
    for method in &methods {
        if !identity.contains_key(method) {
            return Err(KeystoneError::expecting(method, "identity"));
        }
    }
    if methods
        .iter()
        .any(|method| !SUPPORTED_METHODS.contains(&method.as_str()))
    {
        return Err(KeystoneError::UnsupportedMethod);
    }
    let scope = parse_scope(auth.get("scope"))?;

    let password = if methods.iter().any(|method| method == "password") {
        Some(parse_password(identity.get("password"))?)
    } else {
        None
    };
    let token = if methods.iter().any(|method| method == "token") {
        let id = identity
            .get("token")
            .and_then(|token| token.get("id"))
            .and_then(Value::as_str)
            .ok_or_else(|| KeystoneError::expecting("id", "token"))?;
        Some(Secret::new(id))
    } else {
        None
    };
    Ok(AuthRequest {
        methods,
        password,
        token,
        scope,
    })
}

/// Reads the body as Keystone's JSON body check does: an empty body is no
/// document, a JSON body must be an object, and any other Content-Type is
/// rejected.
fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<Option<Value>, KeystoneError> {
    if body.is_empty() {
        return Ok(None);
    }
    let media_type = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let is_json = media_type.is_empty()
        || media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"));
    if !is_json {
        return Err(KeystoneError::expecting(
            "application/json",
            "Content-Type header",
        ));
    }
    match pyjson::parse(body) {
        Ok(value @ Value::Object(_)) => Ok(Some(value)),
        _ => Err(KeystoneError::expecting("valid JSON", "request body")),
    }
}

fn schema_error(path: &str, message: &str) -> KeystoneError {
    if path.is_empty() {
        KeystoneError::BadRequest(message.to_owned())
    } else {
        KeystoneError::BadRequest(format!("Invalid input for field '{path}': {message}"))
    }
}

/// Builds jsonschema's type error. Values of secret fields are not repeated in
/// the message, so that a mistyped password cannot end up in a client's log.
fn type_error(path: &str, value: &Value, expected: &str) -> KeystoneError {
    let secret = path.ends_with("/password") || path.starts_with("identity/token");
    let displayed_value = if secret {
        "The value".to_owned()
    } else {
        pyjson::py_repr(value)
    };
    schema_error(
        path,
        &format!("{displayed_value} is not of type {expected}"),
    )
}

fn expect_object<'a>(value: &'a Value, path: &str) -> Result<&'a Map, KeystoneError> {
    value
        .as_object()
        .ok_or_else(|| type_error(path, value, "'object'"))
}

/// Checks that each listed member, when present, is a string.
fn expect_strings(object: &Map, path: &str, members: &[&str]) -> Result<(), KeystoneError> {
    for member in members {
        if let Some(value) = object.get(*member)
            && value.as_str().is_none()
        {
            return Err(type_error(&join(path, member), value, "'string'"));
        }
    }
    Ok(())
}

/// Checks an optional `{"id": ..., "name": ...}` member such as `domain`.
fn check_reference(object: &Map, path: &str, member: &str) -> Result<(), KeystoneError> {
    if let Some(value) = object.get(member) {
        let path = join(path, member);
        let reference = expect_object(value, &path)?;
        expect_strings(reference, &path, &["id", "name"])?;
    }
    Ok(())
}

fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_owned()
    } else {
        format!("{path}/{member}")
    }
}

/// Applies the types and required members of Keystone's `token_issue` schema.
fn check_schema(auth: &Value) -> Result<&Map, KeystoneError> {
    let auth = expect_object(auth, "")?;
    let identity_value = auth
        .get("identity")
        .ok_or_else(|| schema_error("", "'identity' is a required property"))?;
    let identity = expect_object(identity_value, "identity")?;
    let Some(methods) = identity.get("methods") else {
        return Err(schema_error("identity", "'methods' is a required property"));
    };
    let items = methods
        .as_array()
        .ok_or_else(|| type_error("identity/methods", methods, "'array'"))?;
    for (index, item) in items.iter().enumerate() {
        if item.as_str().is_none() {
            return Err(type_error(
                &format!("identity/methods/{index}"),
                item,
                "'string'",
            ));
        }
    }
    if let Some(password) = identity.get("password") {
        let password = expect_object(password, "identity/password")?;
        if let Some(user) = password.get("user") {
            let path = "identity/password/user";
            let user = expect_object(user, path)?;
            expect_strings(user, path, &["id", "name", "password"])?;
            check_reference(user, path, "domain")?;
        }
    }
    if let Some(token) = identity.get("token") {
        let token = expect_object(token, "identity/token")?;
        match token.get("id") {
            None => {
                return Err(schema_error(
                    "identity/token",
                    "'id' is a required property",
                ));
            }
            Some(id) if id.as_str().is_none() => {
                return Err(type_error("identity/token/id", id, "'string'"));
            }
            Some(_) => {}
        }
    }
    if let Some(scope) = auth.get("scope") {
        match scope {
            Value::String(_) => {}
            Value::Object(scope) => check_scope_schema(scope)?,
            other => return Err(type_error("scope", other, "'object', 'string'")),
        }
    }
    Ok(auth)
}

fn check_scope_schema(scope: &Map) -> Result<(), KeystoneError> {
    if let Some(project) = scope.get("project") {
        let project = expect_object(project, "scope/project")?;
        expect_strings(project, "scope/project", &["id", "name"])?;
        check_reference(project, "scope/project", "domain")?;
    }
    check_reference(scope, "scope", "domain")?;
    if let Some(trust) = scope.get("OS-TRUST:trust") {
        let trust = expect_object(trust, "scope/OS-TRUST:trust")?;
        expect_strings(trust, "scope/OS-TRUST:trust", &["id"])?;
    }
    if let Some(system) = scope.get("system") {
        let system = expect_object(system, "scope/system")?;
        if let Some(all) = system.get("all")
            && all.as_bool().is_none()
        {
            return Err(type_error("scope/system/all", all, "'boolean'"));
        }
    }
    Ok(())
}

/// Applies Keystone's checks after the schema: each user, project and domain
/// reference names an id or a name.
fn check_id_or_name(auth: &Map) -> Result<(), KeystoneError> {
    let missing = |field: &str| {
        KeystoneError::BadRequest(format!(
            "Invalid input for field {field}: id or name must be present."
        ))
    };
    let has_id_or_name = |object: &Map| object.contains_key("id") || object.contains_key("name");

    let user = auth
        .get("identity")
        .and_then(|identity| identity.get("password"))
        .and_then(|password| password.get("user"))
        .and_then(Value::as_object);
    if let Some(user) = user {
        if !has_id_or_name(user) {
            return Err(missing("identity/password/user"));
        }
        if let Some(domain) = user.get("domain").and_then(Value::as_object)
            && !has_id_or_name(domain)
        {
            return Err(missing("identity/password/user/domain"));
        }
    }

    let Some(scope) = auth.get("scope").and_then(Value::as_object) else {
        return Ok(());
    };
    if let Some(project) = scope.get("project").and_then(Value::as_object) {
        if !has_id_or_name(project) {
            return Err(missing("scope/project"));
        }
        if let Some(domain) = project.get("domain").and_then(Value::as_object)
            && !has_id_or_name(domain)
        {
            return Err(missing("scope/project/domain"));
        }
    }
    if let Some(domain) = scope.get("domain").and_then(Value::as_object)
        && !has_id_or_name(domain)
    {
        return Err(missing("scope/domain"));
    }
    Ok(())
}

fn method_names(identity: &Map) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let listed = identity
        .get("methods")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for name in listed.iter().filter_map(Value::as_str) {
        if !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn selector(object: Option<&Value>) -> Selector {
    let member = |name: &str| {
        object
            .and_then(|object| object.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    Selector {
        id: member("id"),
        name: member("name"),
    }
}

/// Reads the scope as Keystone does: exactly one of its five kinds.
fn parse_scope(scope: Option<&Value>) -> Result<ScopeRequest, KeystoneError> {
    const KINDS: [&str; 5] = ["system", "project", "domain", "OS-TRUST:trust", "unscoped"];
    let wrong_count = || {
        KeystoneError::expecting(
            "system, project, domain, OS-TRUST:trust or unscoped",
            "scope",
        )
    };
    let scope = match scope {
        None => return Ok(ScopeRequest::Default),
        // Keystone tests the string with `in`, a substring match, so only the
        // documented "unscoped" selects a scope.
        Some(Value::String(text)) => {
            let count = KINDS.iter().filter(|kind| text.contains(**kind)).count();
            return if count == 1 && text.contains("unscoped") {
                Ok(ScopeRequest::Unscoped)
            } else {
                Err(wrong_count())
            };
        }
        Some(Value::Object(scope)) => scope,
        Some(_) => return Err(wrong_count()),
    };
    if KINDS
        .iter()
        .filter(|kind| scope.contains_key(**kind))
        .count()
        != 1
    {
        return Err(wrong_count());
    }
    if scope.contains_key("system") {
        return Ok(ScopeRequest::System);
    }
    if scope.contains_key("unscoped") {
        return Ok(ScopeRequest::Unscoped);
    }
    if let Some(project) = scope.get("project") {
        return Ok(ScopeRequest::Project {
            project: selector(Some(project)),
            domain: project.get("domain").map(|domain| selector(Some(domain))),
        });
    }
    if let Some(domain) = scope.get("domain") {
        return Ok(ScopeRequest::Domain(selector(Some(domain))));
    }
    let trust = scope.get("OS-TRUST:trust");
    Ok(ScopeRequest::Trust {
        id: selector(trust).id,
    })
}

fn parse_password(payload: Option<&Value>) -> Result<PasswordMethod, KeystoneError> {
    let user = payload
        .and_then(|payload| payload.get("user"))
        .ok_or_else(|| KeystoneError::expecting("user", "password"))?;
    Ok(PasswordMethod {
        user: selector(Some(user)),
        domain: user.get("domain").map(|domain| selector(Some(domain))),
        password: user
            .get("password")
            .and_then(Value::as_str)
            .map(Secret::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<AuthRequest, KeystoneError> {
        parse_auth_request(Some("application/json"), body.as_bytes())
    }

    fn message(body: &str) -> String {
        parse(body).unwrap_err().to_string()
    }

    const PASSWORD_BODY: &str = r#"{"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "admin", "password": "secret",
        "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}"#;

    #[test]
    fn password_request_parses() {
        let request = parse(PASSWORD_BODY).unwrap();
        assert_eq!(request.methods, ["password"]);
        let password = request.password.unwrap();
        assert_eq!(password.user.name.as_deref(), Some("admin"));
        assert_eq!(password.password.unwrap().expose(), "secret");
        assert_eq!(
            request.scope,
            ScopeRequest::Project {
                project: Selector {
                    id: None,
                    name: Some("admin".to_owned())
                },
                domain: Some(Selector {
                    id: Some("default".to_owned()),
                    name: None
                }),
            }
        );
    }

    #[test]
    fn empty_body_needs_auth() {
        let error = parse_auth_request(None, b"").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Expecting to find auth in request body.")
        );
    }

    #[test]
    fn malformed_json_is_rejected() {
        assert!(message("{").starts_with("Expecting to find valid JSON in request body."));
    }

    #[test]
    fn json_array_is_rejected() {
        assert!(message("[]").starts_with("Expecting to find valid JSON in request body."));
    }

    #[test]
    fn form_content_type_is_rejected() {
        let error =
            parse_auth_request(Some("application/x-www-form-urlencoded"), b"a=b").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Expecting to find application/json in Content-Type header.")
        );
    }

    #[test]
    fn missing_methods_names_field() {
        assert_eq!(
            message(r#"{"auth": {"identity": {}}}"#),
            "Invalid input for field 'identity': 'methods' is a required property"
        );
    }

    #[test]
    fn methods_must_be_array() {
        assert_eq!(
            message(r#"{"auth": {"identity": {"methods": "password"}}}"#),
            "Invalid input for field 'identity/methods': 'password' is not of type 'array'"
        );
    }

    #[test]
    fn mistyped_password_is_not_echoed() {
        let text = message(
            r#"{"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": "a", "password": 12345}}}}}"#,
        );
        assert!(!text.contains("12345"), "{text}");
        assert!(text.contains("identity/password/user/password"), "{text}");
    }

    #[test]
    fn mistyped_token_is_not_echoed() {
        let text = message(
            r#"{"auth": {"identity": {"methods": ["token"], "token": "0123456789abcdef"}}}"#,
        );
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(text.contains("identity/token"), "{text}");
    }

    #[test]
    fn user_needs_id_or_name() {
        assert_eq!(
            message(
                r#"{"auth": {"identity": {"methods": ["password"],
                "password": {"user": {"password": "x"}}}}}"#
            ),
            "Invalid input for field identity/password/user: id or name must be present."
        );
    }

    #[test]
    fn listed_method_needs_payload() {
        assert!(
            message(r#"{"auth": {"identity": {"methods": ["password"]}}}"#)
                .starts_with("Expecting to find password in identity.")
        );
    }

    #[test]
    fn unknown_method_is_unsupported() {
        let error =
            parse(r#"{"auth": {"identity": {"methods": ["totp"], "totp": {}}}}"#).unwrap_err();
        assert_eq!(error, KeystoneError::UnsupportedMethod);
    }

    #[test]
    fn two_scopes_are_rejected() {
        let text = message(
            r#"{"auth": {"identity": {"methods": ["token"], "token": {"id": "t"}},
            "scope": {"project": {"id": "p"}, "domain": {"id": "d"}}}}"#,
        );
        assert!(text.starts_with(
            "Expecting to find system, project, domain, OS-TRUST:trust or unscoped in scope."
        ));
    }

    #[test]
    fn unscoped_string_is_unscoped() {
        let request = parse(
            r#"{"auth": {"identity": {"methods": ["token"], "token": {"id": "t"}},
            "scope": "unscoped"}}"#,
        )
        .unwrap();
        assert_eq!(request.scope, ScopeRequest::Unscoped);
        assert_eq!(request.token.unwrap().expose(), "t");
    }

    #[test]
    fn duplicate_methods_are_merged() {
        let request = parse(
            r#"{"auth": {"identity": {"methods": ["token", "token"], "token": {"id": "t"}}}}"#,
        )
        .unwrap();
        assert_eq!(request.methods, ["token"]);
        assert_eq!(request.scope, ScopeRequest::Default);
    }
}
