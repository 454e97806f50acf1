//! A JSON-schema walker for the keywords Nova's flavor schemas use, with
//! jsonschema 4.26's messages and Nova's `_SchemaValidator` behavior.
//!
//! jsonschema checks a schema's keywords in the order they were written and
//! Nova raises the first error, so a schema here is an ordered slice of
//! keywords. `properties` descends into the members in the schema's order,
//! not the body's.

use std::cmp::Ordering;
use std::sync::OnceLock;

use super::numbers::{self, ConversionError, Limit, PyNumber};
use super::printable::{PRINTABLE, SPACE_SEPARATORS};
use crate::pyjson::{self, Number, Value};

/// A schema: its keywords in the order the Python dict lists them.
pub(super) type Schema = &'static [Keyword];

/// One keyword of a schema with its value.
#[derive(Debug)]
pub(super) enum Keyword {
    /// `type`, with the names in the schema's order.
    Type(&'static [JsonType]),
    /// `properties`, in the schema's order.
    Properties(&'static [(&'static str, Schema)]),
    /// `required`, in the schema's order.
    Required(&'static [&'static str]),
    /// `additionalProperties: false`, relative to the sibling `properties`.
    NoAdditionalProperties,
    /// `minLength`, in code points.
    MinLength(usize),
    /// `maxLength`, in code points.
    MaxLength(usize),
    /// `pattern`, applied with Python's `re.search`.
    Pattern(Pattern),
    /// `format`, with one of Nova's name checkers.
    Format(NameFormat),
    /// `enum` over booleans and strings.
    Enum(&'static [EnumItem]),
    /// `minimum`, with Nova's conversion of strings to numbers first.
    Minimum(Limit),
    /// `maximum`, with Nova's conversion of strings to numbers first.
    Maximum(Limit),
    /// `exclusiveMinimum`, jsonschema's own, which skips strings.
    ExclusiveMinimum(Limit),
}

/// A JSON type name of the `type` keyword.
#[derive(Debug, Clone, Copy)]
pub(super) enum JsonType {
    Object,
    String,
    Integer,
    Number,
    Null,
    Boolean,
}

/// A name format that Nova registers with jsonschema's `FormatChecker`.
#[derive(Debug, Clone, Copy)]
pub(super) enum NameFormat {
    /// `name`: printable, with no whitespace at either end.
    Name,
    /// `name_with_leading_trailing_spaces`, of the legacy v2.0 API: printable,
    /// with at least one character that is not a space.
    NameWithSpaces,
}

/// The treatment of unknown properties by `additionalProperties: false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// The v2.1 API: an unknown property is an error.
    Strict,
    /// The legacy v2.0 API, where Nova's `_soft_validate_additional_properties`
    /// deletes unknown properties from the body instead. The parsers here
    /// read only known properties, so skipping the check has the same effect.
    /// That function raises for schemas with `patternProperties`, which no
    /// flavor schema has.
    Legacy,
}

/// A member of an `enum` list.
#[derive(Debug, Clone, Copy)]
pub(super) enum EnumItem {
    Bool(bool),
    Str(&'static str),
}

/// The patterns of the flavor schemas. Each is matched by hand because the
/// `regex` crate has no lookaround, and each follows Python's `$`, which also
/// matches before one newline at the end of the text.
#[derive(Debug, Clone, Copy)]
pub(super) enum Pattern {
    /// `^(?! )[a-zA-Z0-9. _-]+(?<! )$`, the flavor id.
    FlavorId,
    /// `^[0-9]+$`, the integer flavor fields.
    Digits,
    /// `^[0-9]+(\.[0-9]+)?$`, `rxtx_factor`.
    Decimal,
    /// `^[<printable>]*$`, `parameter_types.valid_description_regex`.
    Description,
}

/// Why a body failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// A 400 with Nova's message.
    Invalid(String),
    /// An exception that Nova does not handle, so it answers 500.
    Unexpected(UnexpectedError),
}

/// An exception class in Nova's 500 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnexpectedError {
    /// `OverflowError`, from `int()` of an infinite float.
    Overflow,
    /// `nova.exception.InvalidInput`, from `nova.compute.flavors.create`.
    InvalidInput,
    /// `KeyError`, from a missing member that the schema requires.
    KeyError,
    /// `TypeError`, from a member of a type that the schema excludes.
    TypeError,
}

impl UnexpectedError {
    /// Returns `repr()` of the exception class as Nova's message shows it.
    pub(super) fn class_repr(self) -> &'static str {
        match self {
            UnexpectedError::Overflow => "<class 'OverflowError'>",
            UnexpectedError::InvalidInput => "<class 'nova.exception.InvalidInput'>",
            UnexpectedError::KeyError => "<class 'KeyError'>",
            UnexpectedError::TypeError => "<class 'TypeError'>",
        }
    }
}

/// Start of the message of `nova.exception.InvalidName`, which Nova returns
/// without the field prefix.
const INVALID_NAME_PREFIX: &str = "An invalid 'name' value was provided. The name must be: ";

impl NameFormat {
    /// Returns the reason of the format's `ValidationRegex`, which ends Nova's
    /// `InvalidName` message.
    fn reason(self) -> &'static str {
        match self {
            NameFormat::Name => "printable characters. Can not start or end with whitespace.",
            NameFormat::NameWithSpaces => {
                "printable characters with at least one non space character"
            }
        }
    }
}

/// Checks `instance` against `schema` and returns Nova's detail for the first error.
pub(super) fn validate(schema: Schema, instance: &Value, mode: Mode) -> Result<(), Failure> {
    validate_member(schema, instance, None, mode)
}

/// An error found by one keyword, before Nova adds the field prefix.
enum KeywordError {
    Message(String),
    InvalidName(NameFormat),
    Unexpected(UnexpectedError),
}

/// Checks one member that was reached through the property `key`, or the
/// whole body when `key` is `None`.
fn validate_member(
    schema: Schema,
    instance: &Value,
    key: Option<&str>,
    mode: Mode,
) -> Result<(), Failure> {
    for keyword in schema {
        match keyword {
            Keyword::Properties(properties) => {
                validate_properties(properties, instance, mode)?;
                continue;
            }
            Keyword::NoAdditionalProperties if mode == Mode::Legacy => continue,
            _ => {}
        }
        let error = match check_keyword(keyword, schema, instance) {
            Ok(()) => continue,
            Err(error) => error,
        };
        return Err(match error {
            KeywordError::InvalidName(format) => {
                Failure::Invalid(format!("{INVALID_NAME_PREFIX}{}", format.reason()))
            }
            KeywordError::Unexpected(class) => Failure::Unexpected(class),
            KeywordError::Message(message) => {
                Failure::Invalid(prefix_field(key, instance, &message))
            }
        });
    }
    Ok(())
}

/// Adds Nova's prefix for errors below the top of the body, which names the
/// innermost key (`ex.path.pop()`) and formats the value with `str()`.
fn prefix_field(key: Option<&str>, instance: &Value, message: &str) -> String {
    match key {
        Some(key) => format!(
            "Invalid input for field/attribute {key}. Value: {}. {message}",
            pyjson::py_str(instance)
        ),
        None => message.to_owned(),
    }
}

fn validate_properties(
    properties: &[(&str, Schema)],
    instance: &Value,
    mode: Mode,
) -> Result<(), Failure> {
    let Value::Object(members) = instance else {
        return Ok(());
    };
    for (name, schema) in properties {
        if let Some(member) = members.get(*name) {
            validate_member(schema, member, Some(name), mode)?;
        }
    }
    Ok(())
}

fn check_keyword(keyword: &Keyword, schema: Schema, instance: &Value) -> Result<(), KeywordError> {
    match keyword {
        Keyword::Type(types) => check_type(types, instance),
        // validate_member descends into the properties itself.
        Keyword::Properties(_) => Ok(()),
        Keyword::Required(names) => check_required(names, instance),
        Keyword::NoAdditionalProperties => check_additional_properties(schema, instance),
        Keyword::MinLength(minimum) => check_min_length(*minimum, instance),
        Keyword::MaxLength(maximum) => check_max_length(*maximum, instance),
        Keyword::Pattern(pattern) => check_pattern(*pattern, instance),
        Keyword::Format(format) => check_name(*format, instance),
        Keyword::Enum(items) => check_enum(items, instance),
        Keyword::Minimum(limit) => check_bound(*limit, instance, Bound::Minimum),
        Keyword::Maximum(limit) => check_bound(*limit, instance, Bound::Maximum),
        Keyword::ExclusiveMinimum(limit) => check_exclusive_minimum(*limit, instance),
    }
}

impl JsonType {
    fn name(self) -> &'static str {
        match self {
            JsonType::Object => "object",
            JsonType::String => "string",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
        }
    }

    /// Applies jsonschema's Draft 2020-12 type checker, where a bool is no
    /// number and a float with an integral value is an integer.
    fn accepts(self, instance: &Value) -> bool {
        match (self, instance) {
            (JsonType::Object, Value::Object(_))
            | (JsonType::String, Value::String(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::Null, Value::Null)
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Integer, Value::Number(Number::Int(_))) => true,
            (JsonType::Integer, Value::Number(Number::Float(value))) => {
                value.is_finite() && value.fract() == 0.0
            }
            _ => false,
        }
    }
}

fn check_type(types: &[JsonType], instance: &Value) -> Result<(), KeywordError> {
    if types.iter().any(|kind| kind.accepts(instance)) {
        return Ok(());
    }
    let names: Vec<String> = types
        .iter()
        .map(|kind| pyjson::repr_str(kind.name()))
        .collect();
    Err(KeywordError::Message(format!(
        "{} is not of type {}",
        pyjson::py_repr(instance),
        names.join(", ")
    )))
}

fn check_required(names: &[&str], instance: &Value) -> Result<(), KeywordError> {
    let Value::Object(members) = instance else {
        return Ok(());
    };
    match names.iter().find(|name| !members.contains_key(**name)) {
        Some(name) => Err(KeywordError::Message(format!(
            "{} is a required property",
            pyjson::repr_str(name)
        ))),
        None => Ok(()),
    }
}

fn check_additional_properties(schema: Schema, instance: &Value) -> Result<(), KeywordError> {
    let Value::Object(members) = instance else {
        return Ok(());
    };
    let known: &[(&str, Schema)] = schema
        .iter()
        .find_map(|keyword| match keyword {
            Keyword::Properties(properties) => Some(*properties),
            _ => None,
        })
        .unwrap_or(&[]);
    let mut extras: Vec<&str> = members
        .keys()
        .map(String::as_str)
        .filter(|key| !known.iter().any(|(name, _)| name == key))
        .collect();
    if extras.is_empty() {
        return Ok(());
    }
    // jsonschema sorts the names with `sorted(extras, key=str)`, which orders
    // by code point as Rust's `str` ordering does.
    extras.sort_unstable();
    let verb = if extras.len() == 1 { "was" } else { "were" };
    let names: Vec<String> = extras.iter().map(|name| pyjson::repr_str(name)).collect();
    Err(KeywordError::Message(format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        names.join(", ")
    )))
}

fn check_min_length(minimum: usize, instance: &Value) -> Result<(), KeywordError> {
    let Value::String(text) = instance else {
        return Ok(());
    };
    if text.chars().count() >= minimum {
        return Ok(());
    }
    let message = if minimum == 1 {
        "should be non-empty"
    } else {
        "is too short"
    };
    Err(KeywordError::Message(format!(
        "{} {message}",
        pyjson::repr_str(text)
    )))
}

fn check_max_length(maximum: usize, instance: &Value) -> Result<(), KeywordError> {
    let Value::String(text) = instance else {
        return Ok(());
    };
    // Counting stops early, so a huge string costs no more than the limit.
    if text.chars().nth(maximum).is_none() {
        return Ok(());
    }
    let message = if maximum == 0 {
        "is expected to be empty"
    } else {
        "is too long"
    };
    Err(KeywordError::Message(format!(
        "{} {message}",
        pyjson::repr_str(text)
    )))
}

fn check_pattern(pattern: Pattern, instance: &Value) -> Result<(), KeywordError> {
    let Value::String(text) = instance else {
        return Ok(());
    };
    if pattern.is_match(text) {
        return Ok(());
    }
    Err(KeywordError::Message(format!(
        "{} does not match {}",
        pyjson::repr_str(text),
        pyjson::repr_str(pattern.source())
    )))
}

/// Applies one of Nova's name format checkers, which raise `InvalidName` for
/// any value that their pattern does not match, strings or not.
fn check_name(format: NameFormat, instance: &Value) -> Result<(), KeywordError> {
    let valid = match (format, instance) {
        (NameFormat::Name, Value::String(text)) => is_valid_name(text),
        (NameFormat::NameWithSpaces, Value::String(text)) => is_valid_spaced_name(text),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(KeywordError::InvalidName(format))
    }
}

fn check_enum(items: &[EnumItem], instance: &Value) -> Result<(), KeywordError> {
    // jsonschema's `equal` keeps booleans apart from numbers, so only a bool
    // or a string can equal one of these items.
    let found = items.iter().any(|item| match (item, instance) {
        (EnumItem::Bool(expected), Value::Bool(flag)) => expected == flag,
        (EnumItem::Str(expected), Value::String(text)) => expected == text,
        _ => false,
    });
    if found {
        return Ok(());
    }
    let reprs: Vec<String> = items
        .iter()
        .map(|item| match item {
            EnumItem::Bool(true) => "True".to_owned(),
            EnumItem::Bool(false) => "False".to_owned(),
            EnumItem::Str(text) => pyjson::repr_str(text),
        })
        .collect();
    Err(KeywordError::Message(format!(
        "{} is not one of [{}]",
        pyjson::py_repr(instance),
        reprs.join(", ")
    )))
}

#[derive(Clone, Copy)]
enum Bound {
    Minimum,
    Maximum,
}

/// Applies Nova's `_validate_minimum` or `_validate_maximum`: the value is
/// converted with `int()`, else `float()`, and skipped when neither works.
/// The message shows the converted number, as jsonschema sees only that.
fn check_bound(limit: Limit, instance: &Value, bound: Bound) -> Result<(), KeywordError> {
    let number = match numbers::number_from_value(instance) {
        Ok(Some(number)) => number,
        Ok(None) => return Ok(()),
        Err(ConversionError::Overflow) => {
            return Err(KeywordError::Unexpected(UnexpectedError::Overflow));
        }
        Err(ConversionError::Invalid) => return Ok(()),
    };
    let ordering = number.compare(limit);
    let message = match (bound, ordering) {
        (Bound::Minimum, Some(Ordering::Less)) => "is less than the minimum of",
        (Bound::Maximum, Some(Ordering::Greater)) => "is greater than the maximum of",
        _ => return Ok(()),
    };
    Err(KeywordError::Message(format!(
        "{} {message} {}",
        number.repr(),
        limit.repr()
    )))
}

fn check_exclusive_minimum(limit: Limit, instance: &Value) -> Result<(), KeywordError> {
    let Value::Number(number) = instance else {
        return Ok(());
    };
    let converted = match number {
        Number::Int(text) => PyNumber::Int(text.clone()),
        Number::Float(value) => PyNumber::Float(*value),
    };
    match converted.compare(limit) {
        Some(Ordering::Less | Ordering::Equal) => Err(KeywordError::Message(format!(
            "{} is less than or equal to the minimum of {}",
            number.py_str(),
            limit.repr()
        ))),
        _ => Ok(()),
    }
}

impl Pattern {
    /// Returns the pattern text as Nova's schema spells it.
    fn source(self) -> &'static str {
        match self {
            Pattern::FlavorId => "^(?! )[a-zA-Z0-9. _-]+(?<! )$",
            Pattern::Digits => "^[0-9]+$",
            Pattern::Decimal => r"^[0-9]+(\.[0-9]+)?$",
            Pattern::Description => description_pattern(),
        }
    }

    fn is_match(self, text: &str) -> bool {
        let body = strip_final_newline(text);
        match self {
            Pattern::FlavorId => {
                let allowed =
                    |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ' ' | '_' | '-');
                !body.is_empty()
                    && body.chars().all(allowed)
                    && !body.starts_with(' ')
                    && !body.ends_with(' ')
            }
            Pattern::Digits => is_digits(body),
            Pattern::Decimal => match body.split_once('.') {
                Some((integer, fraction)) => is_digits(integer) && is_digits(fraction),
                None => is_digits(body),
            },
            Pattern::Description => body.chars().all(is_nova_printable),
        }
    }
}

/// Returns the text that a pattern ending in Python's `$` must match: `$`
/// also matches before a newline that ends the text, and none of these
/// character classes contains a newline.
fn strip_final_newline(text: &str) -> &str {
    text.strip_suffix('\n').unwrap_or(text)
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Applies `valid_name_regex`, which is
/// `^(?![<space or unprintable>])[<printable>]*(?<![<space or unprintable>])$`.
///
/// The empty string matches, so that `minLength` reports it. A lone newline
/// does not, because the lookahead sees it.
fn is_valid_name(text: &str) -> bool {
    let body = strip_final_newline(text);
    let (Some(first), Some(last)) = (body.chars().next(), body.chars().next_back()) else {
        return text.is_empty();
    };
    body.chars().all(is_nova_printable) && !is_space_separator(first) && !is_space_separator(last)
}

/// Applies `valid_name_leading_trailing_spaces_regex`, whose first
/// alternative `^[<printable>]*[<printable, no space>]+[<printable>]*$` already
/// matches everything that the second matches.
fn is_valid_spaced_name(text: &str) -> bool {
    let body = strip_final_newline(text);
    body.chars().all(is_nova_printable) && body.chars().any(|c| !is_space_separator(c))
}

/// Returns whether Nova's `_is_printable` accepts the character and it is
/// below 0xFFFF, the end of the range `_build_regex_range` covers.
fn is_nova_printable(c: char) -> bool {
    in_ranges(PRINTABLE, c)
}

fn is_space_separator(c: char) -> bool {
    in_ranges(SPACE_SEPARATORS, c)
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let code_point = u32::from(c);
    ranges
        .binary_search_by(|&(first, last)| {
            if last < code_point {
                Ordering::Less
            } else if first > code_point {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Returns `valid_description_regex` as Nova builds it, which error messages
/// quote in full.
fn description_pattern() -> &'static str {
    static PATTERN: OnceLock<String> = OnceLock::new();
    PATTERN.get_or_init(|| {
        let mut pattern = String::from("^[");
        for &(first, last) in PRINTABLE {
            push_escaped(&mut pattern, first);
            if last != first {
                pattern.push('-');
                push_escaped(&mut pattern, last);
            }
        }
        pattern.push_str("]*$");
        pattern
    })
}

/// Appends a character as Python 3.11's `re.escape` writes it: a backslash
/// before the ASCII characters that can be special in a pattern.
fn push_escaped(out: &mut String, code_point: u32) {
    let Some(c) = char::from_u32(code_point) else {
        return;
    };
    if "()[]{}?*+-|^$\\.&~# \t\n\r\u{b}\u{c}".contains(c) {
        out.push('\\');
    }
    out.push(c);
}
