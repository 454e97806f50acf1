//! The JSON-schema checks Nova runs on extra-spec request bodies and on query
//! strings, with jsonschema's error messages and the order in which it finds
//! errors.
//!
//! Nova raises the first error jsonschema yields. jsonschema walks the schema's
//! keywords in the order they were written, so for the extra-spec schemas value
//! errors (from `patternProperties`) come before key errors (from
//! `additionalProperties`), which come before property-count errors.

use crate::error::ApiError;
use crate::pyjson::{self, Map, Value};

/// The extra-spec key pattern of Nova's schema, as it appears in messages.
pub const KEY_PATTERN: &str = "^[a-zA-Z0-9-_:. ]{1,255}$";

/// Maximum length of a string value, counted in Unicode code points.
pub const MAX_VALUE_LENGTH: usize = 255;

/// Tells whether `key` matches [`KEY_PATTERN`] under Python's `re.search`, whose
/// `$` also matches before one trailing newline.
pub fn is_valid_key(key: &str) -> bool {
    let key = key.strip_suffix('\n').unwrap_or(key);
    let allowed =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.' | b' ');
    (1..=255).contains(&key.len()) && key.bytes().all(allowed)
}

/// How strictly unknown properties are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// The v2.1 API: unknown properties are errors.
    Strict,
    /// The legacy v2.0 API: unknown top-level properties are dropped, and keys
    /// failing the key pattern are only an error when some other key passes it.
    Legacy,
}

/// Checks the body of `POST .../os-extra_specs` and returns the `extra_specs` object.
///
/// # Errors
/// Nova's 400 for a body that is not `{"extra_specs": {key: string-or-number}}`.
pub fn create_extra_specs(body: Option<&Value>, strictness: Strictness) -> Result<&Map, ApiError> {
    let top = require_object(body)?;
    // The schema lists `properties` before `required` and `additionalProperties`,
    // so problems inside `extra_specs` are reported first.
    let specs = match top.get("extra_specs") {
        Some(Value::Object(specs)) => Some(specs),
        Some(other) => {
            return Err(field_error(
                "extra_specs",
                other,
                &format!("{} is not of type 'object'", pyjson::py_repr(other)),
            ));
        }
        None => None,
    };
    if let Some(specs) = specs {
        check_values(specs)?;
        if let Some(message) = key_pattern_error(specs, strictness) {
            let value = Value::Object(specs.clone());
            return Err(field_error("extra_specs", &value, &message));
        }
    }
    let Some(specs) = specs else {
        return Err(ApiError::BadRequest(
            "'extra_specs' is a required property".to_owned(),
        ));
    };
    let extras: Vec<&str> = top
        .keys()
        .map(String::as_str)
        .filter(|key| *key != "extra_specs")
        .collect();
    if !extras.is_empty() && strictness == Strictness::Strict {
        return Err(ApiError::BadRequest(additional_properties_message(&extras)));
    }
    Ok(specs)
}

/// Checks the body of `PUT .../os-extra_specs/{key}` and returns its one pair.
///
/// # Errors
/// Nova's 400 for a body that is not an object with exactly one valid pair.
pub fn update_extra_spec(
    body: Option<&Value>,
    strictness: Strictness,
) -> Result<(&str, &Value), ApiError> {
    let top = require_object(body)?;
    check_values(top)?;
    if let Some(message) = key_pattern_error(top, strictness) {
        return Err(ApiError::BadRequest(message));
    }
    let mut pairs = top.iter();
    match (pairs.next(), pairs.next()) {
        (Some((key, value)), None) => Ok((key, value)),
        (None, _) => Err(ApiError::BadRequest("{} should be non-empty".to_owned())),
        (Some(_), Some(_)) => Err(ApiError::BadRequest(format!(
            "{} has too many properties",
            pyjson::py_repr(body.unwrap_or(&Value::Null))
        ))),
    }
}

/// Returns the text Nova stores for a value that passed the schema: strings as
/// they are, numbers as Python's `str()` writes them.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => pyjson::py_str(other),
    }
}

/// Builds jsonschema's message for properties that `additionalProperties: false`
/// rejects, with the names sorted as jsonschema sorts them.
pub fn additional_properties_message(extras: &[&str]) -> String {
    let mut sorted: Vec<&str> = extras.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let verb = if sorted.len() == 1 { "was" } else { "were" };
    let names: Vec<String> = sorted.iter().map(|name| pyjson::repr_str(name)).collect();
    format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        names.join(", ")
    )
}

fn require_object(body: Option<&Value>) -> Result<&Map, ApiError> {
    match body {
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(ApiError::BadRequest(format!(
            "{} is not of type 'object'",
            pyjson::py_repr(other)
        ))),
        None => Err(ApiError::BadRequest(
            "None is not of type 'object'".to_owned(),
        )),
    }
}

/// Checks the values of keys that match the key pattern, in body order: each must
/// be a string of at most 255 characters or a number.
fn check_values(specs: &Map) -> Result<(), ApiError> {
    for (key, value) in specs.iter().filter(|(key, _)| is_valid_key(key)) {
        match value {
            Value::String(text) if text.chars().count() > MAX_VALUE_LENGTH => {
                let message = format!("{} is too long", pyjson::repr_str(text));
                return Err(field_error(key, value, &message));
            }
            Value::String(_) | Value::Number(_) => {}
            other => {
                let message = format!(
                    "{} is not of type 'string', 'number'",
                    pyjson::py_repr(other)
                );
                return Err(field_error(key, value, &message));
            }
        }
    }
    Ok(())
}

/// Returns jsonschema's message for keys that fail the key pattern, if any.
///
/// In legacy mode this follows Nova's relaxed check, which ignores the bad keys
/// when no key passes (a guard meant for `oneOf` schemas) and words the error as
/// an additional-properties error.
fn key_pattern_error(specs: &Map, strictness: Strictness) -> Option<String> {
    let mut bad: Vec<&str> = specs
        .keys()
        .map(String::as_str)
        .filter(|key| !is_valid_key(key))
        .collect();
    if bad.is_empty() {
        return None;
    }
    if strictness == Strictness::Legacy {
        return (bad.len() < specs.len()).then(|| additional_properties_message(&bad));
    }
    bad.sort_unstable();
    let verb = if bad.len() == 1 { "does" } else { "do" };
    let keys: Vec<String> = bad.iter().map(|key| pyjson::repr_str(key)).collect();
    Some(format!(
        "{} {verb} not match any of the regexes: {}",
        keys.join(", "),
        pyjson::repr_str(KEY_PATTERN)
    ))
}

/// Builds Nova's message for a schema error below the top level of a body.
fn field_error(field: &str, value: &Value, message: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "Invalid input for field/attribute {field}. Value: {}. {message}",
        pyjson::py_str(value)
    ))
}

/// Builds Nova's message for a schema error in a query parameter.
pub fn query_error(name: &str, value: &str, message: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "Invalid input for query parameters {name}. Value: {value}. {message}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        pyjson::parse(text.as_bytes()).unwrap()
    }

    fn create_error(text: &str) -> String {
        let body = parse(text);
        create_extra_specs(Some(&body), Strictness::Strict)
            .unwrap_err()
            .to_string()
    }

    fn update_error(text: &str) -> String {
        let body = parse(text);
        update_extra_spec(Some(&body), Strictness::Strict)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn key_pattern_accepts_allowed_characters() {
        assert!(is_valid_key("hw:cpu_policy"));
        assert!(is_valid_key("a b.c-d_e:f"));
    }

    #[test]
    fn key_pattern_rejects_slash() {
        assert!(!is_valid_key("a/b"));
    }

    #[test]
    fn key_pattern_rejects_empty_and_long() {
        assert!(!is_valid_key(""));
        assert!(!is_valid_key(&"k".repeat(256)));
        assert!(is_valid_key(&"k".repeat(255)));
    }

    #[test]
    fn key_pattern_accepts_one_trailing_newline() {
        assert!(is_valid_key("nl\n"));
        assert!(!is_valid_key("nl\n\n"));
        assert!(!is_valid_key("\n"));
    }

    #[test]
    fn key_pattern_rejects_non_ascii() {
        assert!(!is_valid_key("é"));
    }

    #[test]
    fn create_accepts_strings_and_numbers() {
        let body = parse(r#"{"extra_specs": {"a": "1", "b": 2, "c": 1.5}}"#);
        assert_eq!(
            create_extra_specs(Some(&body), Strictness::Strict)
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn create_without_body() {
        assert_eq!(
            create_extra_specs(None, Strictness::Strict)
                .unwrap_err()
                .to_string(),
            "None is not of type 'object'"
        );
    }

    #[test]
    fn create_with_array_body() {
        assert_eq!(create_error("[1, 2]"), "[1, 2] is not of type 'object'");
    }

    #[test]
    fn create_with_string_body() {
        assert_eq!(create_error(r#""str""#), "'str' is not of type 'object'");
    }

    #[test]
    fn create_missing_extra_specs() {
        assert_eq!(create_error("{}"), "'extra_specs' is a required property");
        assert_eq!(
            create_error(r#"{"foo": {}}"#),
            "'extra_specs' is a required property"
        );
    }

    #[test]
    fn create_extra_top_level_property() {
        assert_eq!(
            create_error(r#"{"extra_specs": {}, "x": 1}"#),
            "Additional properties are not allowed ('x' was unexpected)"
        );
        assert_eq!(
            create_error(r#"{"extra_specs": {}, "b": 1, "a": 2}"#),
            "Additional properties are not allowed ('a', 'b' were unexpected)"
        );
    }

    #[test]
    fn create_extra_specs_not_object() {
        assert_eq!(
            create_error(r#"{"extra_specs": "x"}"#),
            "Invalid input for field/attribute extra_specs. Value: x. 'x' is not of type 'object'"
        );
        assert_eq!(
            create_error(r#"{"extra_specs": [1]}"#),
            "Invalid input for field/attribute extra_specs. Value: [1]. [1] is not of type 'object'"
        );
    }

    #[test]
    fn create_bool_value() {
        assert_eq!(
            create_error(r#"{"extra_specs": {"k": true}}"#),
            "Invalid input for field/attribute k. Value: True. True is not of type 'string', 'number'"
        );
    }

    #[test]
    fn create_object_value() {
        assert_eq!(
            create_error(r#"{"extra_specs": {"k": {"a": null}}}"#),
            "Invalid input for field/attribute k. Value: {'a': None}. {'a': None} is not of type 'string', 'number'"
        );
    }

    #[test]
    fn create_long_value() {
        let value = "v".repeat(256);
        let message = create_error(&format!(r#"{{"extra_specs": {{"k": "{value}"}}}}"#));
        assert_eq!(
            message,
            format!("Invalid input for field/attribute k. Value: {value}. '{value}' is too long")
        );
    }

    #[test]
    fn create_counts_code_points() {
        let value = "é".repeat(255);
        let body = parse(&format!(r#"{{"extra_specs": {{"k": "{value}"}}}}"#));
        assert!(create_extra_specs(Some(&body), Strictness::Strict).is_ok());
    }

    #[test]
    fn create_bad_key() {
        assert_eq!(
            create_error(r#"{"extra_specs": {"a/b": "x"}}"#),
            "Invalid input for field/attribute extra_specs. Value: {'a/b': 'x'}. 'a/b' does not \
             match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"
        );
    }

    #[test]
    fn create_several_bad_keys_are_sorted() {
        assert_eq!(
            create_error(r#"{"extra_specs": {"z/": "x", "a/": "y"}}"#),
            "Invalid input for field/attribute extra_specs. Value: {'z/': 'x', 'a/': 'y'}. \
             'a/', 'z/' do not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"
        );
    }

    #[test]
    fn create_value_error_beats_key_error() {
        assert_eq!(
            create_error(r#"{"extra_specs": {"a/b": "x", "c": true}}"#),
            "Invalid input for field/attribute c. Value: True. True is not of type 'string', 'number'"
        );
    }

    #[test]
    fn create_first_bad_value_wins() {
        assert_eq!(
            create_error(r#"{"extra_specs": {"a": null, "b": true}}"#),
            "Invalid input for field/attribute a. Value: None. None is not of type 'string', 'number'"
        );
    }

    #[test]
    fn create_inner_error_beats_extra_property() {
        assert_eq!(
            create_error(r#"{"x": 1, "extra_specs": {"k": false}}"#),
            "Invalid input for field/attribute k. Value: False. False is not of type 'string', 'number'"
        );
    }

    #[test]
    fn update_returns_pair() {
        let body = parse(r#"{"hw:numa_nodes": "2"}"#);
        let (key, value) = update_extra_spec(Some(&body), Strictness::Strict).unwrap();
        assert_eq!(key, "hw:numa_nodes");
        assert_eq!(value, &Value::String("2".into()));
    }

    #[test]
    fn update_empty_object() {
        assert_eq!(update_error("{}"), "{} should be non-empty");
    }

    #[test]
    fn update_two_keys() {
        assert_eq!(
            update_error(r#"{"key1": "v", "other": "v"}"#),
            "{'key1': 'v', 'other': 'v'} has too many properties"
        );
    }

    #[test]
    fn update_bad_key_beats_count() {
        assert_eq!(
            update_error(r#"{"a/b": "x", "c": "d"}"#),
            "'a/b' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"
        );
    }

    #[test]
    fn update_wrapped_in_extra_specs() {
        assert_eq!(
            update_error(r#"{"extra_specs": {"k": "v"}}"#),
            "Invalid input for field/attribute extra_specs. Value: {'k': 'v'}. {'k': 'v'} is \
             not of type 'string', 'number'"
        );
    }

    #[test]
    fn update_null_body() {
        assert_eq!(update_error("null"), "None is not of type 'object'");
    }

    #[test]
    fn legacy_create_drops_extra_property() {
        let body = parse(r#"{"extra_specs": {"k": "v"}, "x": 1}"#);
        let specs = create_extra_specs(Some(&body), Strictness::Legacy).unwrap();
        assert_eq!(specs.len(), 1);
    }

    #[test]
    fn legacy_bad_key_next_to_good_key() {
        let body = parse(r#"{"a/b": "x", "c": "d"}"#);
        let error = update_extra_spec(Some(&body), Strictness::Legacy).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Additional properties are not allowed ('a/b' was unexpected)"
        );
    }

    #[test]
    fn legacy_only_bad_keys_pass_pattern_check() {
        let body = parse(r#"{"a/b": "x"}"#);
        let (key, _) = update_extra_spec(Some(&body), Strictness::Legacy).unwrap();
        assert_eq!(key, "a/b");
    }

    #[test]
    fn value_text_formats_numbers() {
        assert_eq!(value_text(&parse("1")), "1");
        assert_eq!(value_text(&parse("1e16")), "1e+16");
        assert_eq!(value_text(&parse(r#""x""#)), "x");
    }
}
