//! Flavor extra-spec validation as Nova does it from microversion 2.86 on: the embedded
//! validator catalog, the lookup of a key's validator and the value checks that produce the
//! message of the `400 badRequest` fault for `POST` and `PUT .../os-extra_specs`.
//!
//! The rules follow `validate()` in Nova's `nova/api/validation/extra_specs/validators.py` and
//! the checks in `base.py` beside it. The catalog's `source` section names the Nova commit.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

mod decimal_digits;
mod keys;
mod python_int;
mod values;

use keys::*;
use python_int::*;
use values::*;

use decimal_digits::DECIMAL_DIGIT_ZEROS;

/// The catalog exported from Nova's validator registry.
const CATALOG_JSON: &str = include_str!("../data/extra-spec-validators.json");

/// CPython's default `sys.get_int_max_str_digits()` since 3.11: `int()` raises `ValueError` for
/// a decimal string with more digits than this, leading zeros included and underscores not.
const PYTHON_INT_MAX_STR_DIGITS: usize = 4300;

/// Values that `oslo_utils.strutils.bool_from_string(strict=True)` accepts after `strip()` and
/// `lower()`.
const BOOLEAN_STRINGS: [&str; 12] = [
    "1", "t", "true", "on", "y", "yes", "0", "f", "false", "off", "n", "no",
];

/// The extra-spec validator catalog of Nova, parsed and compiled once.
///
/// Building it compiles only the regexes that a lookup can need: the value patterns, the
/// namespace prefixes that are not plain text, and one regex per shape of placeholder key. Most
/// placeholder keys differ only in a literal suffix or prefix. Every `trait{group}:NAME` key,
/// for example, is `trait(?P<group>...)` followed by `:NAME`. A key is therefore found with
/// hash lookups of its possible literal parts and one run of the shared regex.
#[derive(Debug)]
pub struct Catalog {
    /// Validators in catalog order, which decides the winner when several key regexes match.
    validators: Vec<Validator>,
    /// Validator names, which are Nova's registry keys, mapped to their index.
    by_name: HashMap<String, usize>,
    /// Key regexes without regex syntax, mapped to the first validator that has them.
    literal_keys: HashMap<String, usize>,
    /// Key regexes split into a shared regex and a literal part.
    affix_groups: Vec<AffixGroup>,
    /// Key regexes that could not be split, ascending by validator index.
    standalone: Vec<(usize, Regex)>,
    /// The namespaces whose unknown keys are rejected.
    namespaces: Namespaces,
}

impl Catalog {
    /// Parses the embedded catalog.
    ///
    /// # Panics
    ///
    /// Panics if the embedded JSON does not have the catalog's schema or one of its regexes
    /// does not compile. The tests build this same catalog, so neither happens with the data
    /// that ships.
    pub fn embedded() -> Catalog {
        let file: CatalogFile = serde_json::from_str(CATALOG_JSON)
            .expect("the embedded extra-spec catalog is JSON in the expected schema");
        Catalog::from_file(file)
    }

    /// Validates one extra spec as Nova does at microversion 2.86+; on failure returns Nova's
    /// exact message (the text that goes into the 400 badRequest fault), e.g.
    /// "Validation failed; 'foo' is not one of: dedicated, shared, mixed."
    ///
    /// `value` is the string as sent, or Python's `str()` of a JSON number. A key that is
    /// neither known nor in a known namespace is accepted, as in Nova.
    ///
    /// # Errors
    ///
    /// Returns the fault message when the key is unknown in a known namespace or when the value
    /// breaks the rule of the key's validator.
    pub fn validate(&self, key: &str, value: &str) -> Result<(), String> {
        // Nova first looks the key up among the validator names. A name with placeholders,
        // such as "hw:numa_cpus.{num}", is found too and then fails its own key regex. Nova's
        // request schema allows only `[a-zA-Z0-9-_:. ]` in keys, so that message never
        // reaches an API client.
        if let Some(&index) = self.by_name.get(key) {
            let validator = &self.validators[index];
            if !self.key_regex_matches(validator, key) {
                return Err(format!(
                    "Validation failed; expected a name of format '{}' but got '{key}'.",
                    validator.name
                ));
            }
            return validator.rule.check(value);
        }

        if let Some(index) = self.first_key_regex_match(key) {
            return self.validators[index].rule.check(value);
        }

        // Without a validator, only keys in a namespace that Nova validates are rejected.
        let Some((prefix, _)) = key.split_once(':') else {
            return Ok(());
        };
        if self.namespaces.contains(prefix) {
            return Err(format!(
                "Validation failed; extra spec '{key}' does not appear to be a valid extra spec."
            ));
        }
        Ok(())
    }

    /// Number of validators in the catalog.
    pub fn len(&self) -> usize {
        self.validators.len()
    }

    /// Reports whether the catalog has no validators, which the embedded one never is.
    pub fn is_empty(&self) -> bool {
        self.validators.is_empty()
    }

    fn from_file(file: CatalogFile) -> Catalog {
        let mut builder = Builder::default();
        let validators = file
            .validators
            .into_iter()
            .enumerate()
            .map(|(index, entry)| builder.add_validator(index, entry))
            .collect();
        let namespaces = builder.namespaces(&file.namespaces);
        Catalog {
            validators,
            by_name: builder.by_name,
            literal_keys: builder.literal_keys,
            affix_groups: builder.affix_groups,
            standalone: builder.standalone,
            namespaces,
        }
    }

    /// Returns the first validator in catalog order whose key regex fully matches `key`.
    fn first_key_regex_match(&self, key: &str) -> Option<usize> {
        let mut best = self.literal_keys.get(key).copied();
        for group in &self.affix_groups {
            best = group.first_match(key, best);
        }
        for (index, regex) in &self.standalone {
            if best.is_some_and(|best| best <= *index) {
                break;
            }
            if regex.is_match(key) {
                return Some(*index);
            }
        }
        best
    }

    fn key_regex_matches(&self, validator: &Validator, key: &str) -> bool {
        match &validator.key_matcher {
            KeyMatcher::Literal(text) => key == text,
            KeyMatcher::Affix { group, literal } => {
                self.affix_groups[*group].matches_with(literal, key)
            }
            KeyMatcher::Standalone(position) => self.standalone[*position].1.is_match(key),
        }
    }
}

/// Returns the process-wide catalog, which is built on first use (std::sync::OnceLock).
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::embedded)
}

/// Parses text as Python's int() does: surrounding whitespace, optional sign, '_' between digits,
/// any Unicode decimal digit (category Nd). Returns the canonical decimal text of the value
/// (str(int(text))), or None.
///
/// The whitespace is that of `str.isspace()` except U+001C to U+001F, which `int()` rejects
/// although `str.strip()` removes them. Like CPython's default, more than 4300 digits are
/// rejected.
pub fn parse_python_int(text: &str) -> Option<String> {
    PythonInt::parse(text).map(|number| number.to_string())
}

/// The parts of the catalog file that validation uses; serde skips the other fields.
#[derive(Deserialize)]
struct CatalogFile {
    namespaces: Vec<NamespaceEntry>,
    validators: Vec<ValidatorEntry>,
}

#[derive(Deserialize)]
struct NamespaceEntry {
    prefix_regex: String,
}

#[derive(Deserialize)]
struct ValidatorEntry {
    key: String,
    key_regex: String,
    #[serde(rename = "type")]
    value_type: ValueType,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    allowed: Option<Vec<String>>,
    min: Option<i64>,
    max: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum ValueType {
    String,
    Integer,
    Boolean,
}

#[derive(Debug)]
struct Validator {
    /// Nova's name for the validator, with placeholders such as `{group}`.
    name: String,
    key_matcher: KeyMatcher,
    rule: ValueRule,
}

/// The place of a validator's key regex in the lookup tables of [`Catalog`].
#[derive(Debug)]
enum KeyMatcher {
    /// The regex is plain text, so a full match is string equality.
    Literal(String),
    /// The regex is the shared regex of `affix_groups[group]` plus `literal`.
    Affix { group: usize, literal: String },
    /// The regex is `standalone[position]`.
    Standalone(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outcomes of real Nova, at the commit named in the catalog's `source`, for
    /// `PUT /v2.1/flavors/{id}/os-extra_specs/{key}` at microversion 2.86 and later, keyed by
    /// the body's key and value. `extract_cases.py` prints this table from the recorded calls.
    const OBSERVED_CASES: &[(&str, &str, Result<(), &str>)] = &[
        (
            "hw:cpu_policy",
            "foo",
            Err("Validation failed; 'foo' is not one of: dedicated, shared, mixed."),
        ),
        (
            "hw:foo",
            "x",
            Err("Validation failed; extra spec 'hw:foo' does not appear to be a valid extra spec."),
        ),
        ("custom:foo", "x", Ok(())),
        ("nonamespace", "x", Ok(())),
        (
            "hw:numa_nodes",
            "abc",
            Err("Validation failed; 'abc' is not a valid integer value."),
        ),
        (
            "hw:numa_nodes",
            "0",
            Err("Validation failed; '0' is less than the min value of '1'."),
        ),
        ("hw:numa_nodes", "2", Ok(())),
        (
            "hw:redirected_usb_ports",
            "16",
            Err("Validation failed; '16' is greater than the max value of '15'."),
        ),
        (
            "hw:cpu_realtime",
            "maybe",
            Err("Validation failed; 'maybe' is not a valid boolean-like value."),
        ),
        ("hw:cpu_realtime", "Yes", Ok(())),
        (
            "hw:mem_page_size",
            "huge",
            Err(
                r"Validation failed; 'huge' is not of the format '(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'.",
            ),
        ),
        ("hw:mem_page_size", "2MB", Ok(())),
        ("hw:numa_cpus.0", "0-3,^2", Ok(())),
        (
            "hw:numa_cpus.x",
            "0",
            Err(
                "Validation failed; extra spec 'hw:numa_cpus.x' does not appear to be a valid extra spec.",
            ),
        ),
        ("resources:VCPU", "2", Ok(())),
        (
            "resources1:CUSTOM_FOO",
            "x",
            Err("Validation failed; 'x' is not a valid integer value."),
        ),
        (
            "resources:FOO",
            "1",
            Err(
                "Validation failed; extra spec 'resources:FOO' does not appear to be a valid extra spec.",
            ),
        ),
        ("trait:HW_CPU_X86_AVX", "required", Ok(())),
        (
            "trait:HW_CPU_X86_AVX",
            "yes",
            Err("Validation failed; 'yes' is not one of: required, forbidden."),
        ),
        (
            "trait:NOT_A_TRAIT",
            "required",
            Err(
                "Validation failed; extra spec 'trait:NOT_A_TRAIT' does not appear to be a valid extra spec.",
            ),
        ),
        (
            "hw_rng:rate_bytes",
            "-1",
            Err("Validation failed; '-1' is less than the min value of '0'."),
        ),
        (
            "group_policy",
            "bogus",
            Err("Validation failed; 'bogus' is not one of: isolate, none."),
        ),
        // The URL names hw:cpu_policy, but Nova validates the body before comparing.
        (
            "hw:other",
            "dedicated",
            Err(
                "Validation failed; extra spec 'hw:other' does not appear to be a valid extra spec.",
            ),
        ),
        // The URL names hw:cpu_policy, but Nova validates the body before comparing.
        (
            "hw:bogus",
            "dedicated",
            Err(
                "Validation failed; extra spec 'hw:bogus' does not appear to be a valid extra spec.",
            ),
        ),
        ("qp", "x", Ok(())),
        ("hw:numa_nodes", " 5 ", Ok(())),
        ("hw:numa_nodes", "+5", Ok(())),
        ("hw:numa_nodes", "1_0", Ok(())),
        ("hw:numa_nodes", "\u{663}", Ok(())),
        (
            "hw:numa_nodes",
            "2.0",
            Err("Validation failed; '2.0' is not a valid integer value."),
        ),
        (
            "hw:numa_nodes",
            "",
            Err("Validation failed; '' is not a valid integer value."),
        ),
        (
            "hw:numa_nodes",
            " 16x",
            Err("Validation failed; ' 16x' is not a valid integer value."),
        ),
        (
            "hw:redirected_usb_ports",
            " 16 ",
            Err("Validation failed; '16' is greater than the max value of '15'."),
        ),
        ("hw:cpu_realtime", " yes ", Ok(())),
        ("hw:cpu_realtime", "T", Ok(())),
        ("hw:cpu_realtime", "1", Ok(())),
        (
            "hw:cpu_realtime",
            "2",
            Err("Validation failed; '2' is not a valid boolean-like value."),
        ),
        (
            "hw:cpu_realtime",
            "",
            Err("Validation failed; '' is not a valid boolean-like value."),
        ),
        (
            "hw:cpu_policy",
            "Dedicated",
            Err("Validation failed; 'Dedicated' is not one of: dedicated, shared, mixed."),
        ),
        (
            "hw:cpu_policy",
            " dedicated",
            Err("Validation failed; ' dedicated' is not one of: dedicated, shared, mixed."),
        ),
        (
            "hw:cpu_policy",
            "",
            Err("Validation failed; '' is not one of: dedicated, shared, mixed."),
        ),
        (
            "hw:mem_page_size",
            "2MB ",
            Err(
                r"Validation failed; '2MB ' is not of the format '(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'.",
            ),
        ),
        (
            "hw:mem_page_size",
            "",
            Err(
                r"Validation failed; '' is not of the format '(large|small|any|\d+([kKMGT]i?)?(b|bit|B)?)'.",
            ),
        ),
        ("accel:device_profile", "", Ok(())),
        ("pci_passthrough:alias", "a:1, b:2", Ok(())),
        (
            "pci_passthrough:alias",
            "a",
            Err(r"Validation failed; 'a' is not of the format '[^:]+:\d+(?:\s*,\s*[^:]+:\d+)*'."),
        ),
        ("hw:tpm_version", "2.0", Ok(())),
        ("capabilities:cpu_info:arch", "x86_64", Ok(())),
        ("capabilities:cpu_info", "x", Ok(())),
        (
            "capabilities:cpu_info:",
            "x",
            Err(
                "Validation failed; extra spec 'capabilities:cpu_info:' does not appear to be a valid extra spec.",
            ),
        ),
        (
            "capabilities:bogus",
            "x",
            Err(
                "Validation failed; extra spec 'capabilities:bogus' does not appear to be a valid extra spec.",
            ),
        ),
        ("aggregate_instance_extra_specs:anything", "x", Ok(())),
        (
            "aggregate_instance_extra_specs:",
            "x",
            Err(
                "Validation failed; extra spec 'aggregate_instance_extra_specs:' does not appear to be a valid extra spec.",
            ),
        ),
        ("resources_g1:VCPU", "1", Ok(())),
        ("resourcesX:VCPU", "1", Ok(())),
        ("resources-:VCPU", "1", Ok(())),
        (
            "resourcesaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:VCPU",
            "1",
            Ok(()),
        ),
        ("traitfoo:HW_CPU_X86_AVX", "required", Ok(())),
        ("trait1:CUSTOM_ABC", "forbidden", Ok(())),
        (
            "trait:custom_abc",
            "required",
            Err(
                "Validation failed; extra spec 'trait:custom_abc' does not appear to be a valid extra spec.",
            ),
        ),
        (
            "hw_video:ram_max_mb",
            "-5",
            Err("Validation failed; '-5' is less than the min value of '0'."),
        ),
        ("os:secure_boot", "required", Ok(())),
        ("vmware:hw_version", "vmx-13", Ok(())),
        (
            "vmware:bogus",
            "x",
            Err(
                "Validation failed; extra spec 'vmware:bogus' does not appear to be a valid extra spec.",
            ),
        ),
        ("quota:cpu_quota", "-1", Ok(())),
        (
            "quota:disk_read_bytes_sec",
            "-1",
            Err("Validation failed; '-1' is less than the min value of '0'."),
        ),
        (
            "hide_hypervisor_id",
            "maybe",
            Err("Validation failed; 'maybe' is not a valid boolean-like value."),
        ),
        ("group_policy", "none", Ok(())),
        (
            "hw:numa_mem.0",
            "0",
            Err("Validation failed; '0' is less than the min value of '1'."),
        ),
        ("hw:numa_mem.12", "512", Ok(())),
        ("hw:cpu_realtime_mask", "^0-1", Ok(())),
        ("hw:cpu_dedicated_mask", "^0-1", Ok(())),
        ("HW:cpu_policy", "x", Ok(())),
        ("powervm:proc_units", "x", Ok(())),
        ("hw", "x", Ok(())),
        (":hw", "x", Ok(())),
        (
            "hw:",
            "x",
            Err("Validation failed; extra spec 'hw:' does not appear to be a valid extra spec."),
        ),
    ];

    /// Nova's message for a key in a validated namespace that no validator matches.
    fn unknown_key(key: &str) -> Result<(), String> {
        Err(format!(
            "Validation failed; extra spec '{key}' does not appear to be a valid extra spec."
        ))
    }

    #[test]
    fn validate_matches_observed_nova() {
        for &(key, value, expected) in OBSERVED_CASES {
            assert_eq!(
                catalog().validate(key, value),
                expected.map_err(str::to_owned),
                "key {key:?}, value {value:?}"
            );
        }
    }

    #[test]
    fn validate_accepts_unknown_namespaces() {
        let long_group = format!("resources{}:VCPU", "a".repeat(65));
        let keys = [
            "custom:foo",
            "powervm:x",
            "HW:cpu_policy",
            "foo",
            "hw",
            ":hw",
            // A group suffix of 65 characters makes the prefix no known namespace.
            &long_group,
        ];
        for key in keys {
            assert_eq!(catalog().validate(key, "x"), Ok(()), "key {key:?}");
        }
    }

    #[test]
    fn validate_resource_group_suffix() {
        assert_eq!(catalog().validate("resourcesX:VCPU", "1"), Ok(()));
        assert_eq!(
            catalog().validate("resourcesX:VCPU", "x"),
            Err("Validation failed; 'x' is not a valid integer value.".to_owned())
        );
    }

    #[test]
    fn validate_rejects_unknown_keys_in_namespaces() {
        for key in [
            "hw:",
            "hw:foo",
            "capabilities:bogus",
            "resources:FOO",
            "trait1:FOO",
        ] {
            assert_eq!(
                catalog().validate(key, "1"),
                unknown_key(key),
                "key {key:?}"
            );
        }
    }

    /// Real Nova rejected a POST of hw:cpu_policy=dedicated and this pair with this message.
    #[test]
    fn validate_second_pair_of_post() {
        assert_eq!(
            catalog().validate("hw:cpu_thread_policy", "nope"),
            Err("Validation failed; 'nope' is not one of: prefer, isolate, require.".to_owned())
        );
    }

    #[test]
    fn validate_numa_key_dot_matches_any_character() {
        assert_eq!(
            catalog().validate("hw:numa_cpus-0", "x"),
            Err(
                r"Validation failed; 'x' is not of the format '\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*'."
                    .to_owned()
            )
        );
        assert_eq!(
            catalog().validate("hw:numa_memX1", "0"),
            Err("Validation failed; '0' is less than the min value of '1'.".to_owned())
        );
    }

    #[test]
    fn validate_template_names() {
        assert_eq!(
            catalog().validate("hw:numa_cpus.{num}", "0"),
            Err(
                "Validation failed; expected a name of format 'hw:numa_cpus.{num}' but got \
                 'hw:numa_cpus.{num}'."
                    .to_owned()
            )
        );
        // ".+" also matches the braces, so this template name validates like any other key.
        assert_eq!(
            catalog().validate("aggregate_instance_extra_specs:{key}", "x"),
            Ok(())
        );
    }

    #[test]
    fn validate_integer_bounds() {
        let cases = [
            (
                "hw:redirected_usb_ports",
                "999999999999999999999999",
                Err(
                    "Validation failed; '999999999999999999999999' is greater than the max \
                     value of '15'.",
                ),
            ),
            (
                "hw:numa_nodes",
                "-99999999999999999999",
                Err(
                    "Validation failed; '-99999999999999999999' is less than the min value of \
                     '1'.",
                ),
            ),
            (
                "hw:redirected_usb_ports",
                "\u{661}\u{666}",
                Err("Validation failed; '16' is greater than the max value of '15'."),
            ),
            ("hw:redirected_usb_ports", "015", Ok(())),
            ("hw:redirected_usb_ports", "-0", Ok(())),
            ("hw:redirected_usb_ports", "0", Ok(())),
            ("quota:cpu_quota", "-99999999999999999999999", Ok(())),
            (
                "hw:numa_nodes",
                "5\u{1C}",
                Err("Validation failed; '5\u{1C}' is not a valid integer value."),
            ),
        ];
        for (key, value, expected) in cases {
            assert_eq!(
                catalog().validate(key, value),
                expected.map_err(str::to_owned),
                "key {key:?}, value {value:?}"
            );
        }
    }

    #[test]
    fn validate_integer_digit_limit() {
        let at_limit = "1".repeat(PYTHON_INT_MAX_STR_DIGITS);
        let over_limit = "1".repeat(PYTHON_INT_MAX_STR_DIGITS + 1);
        assert_eq!(catalog().validate("hw:numa_nodes", &at_limit), Ok(()));
        assert_eq!(
            catalog().validate("hw:numa_nodes", &over_limit),
            Err(format!(
                "Validation failed; '{over_limit}' is not a valid integer value."
            ))
        );
    }

    #[test]
    fn validate_boolean_strings() {
        for value in ["YES", "Off", "\u{1C}yes\u{3000}", " t ", "N", "0"] {
            assert_eq!(
                catalog().validate("hw:cpu_realtime", value),
                Ok(()),
                "value {value:?}"
            );
        }
        for value in ["tru", "yes!", "2", "y e s", "\u{130}"] {
            assert_eq!(
                catalog().validate("hw:cpu_realtime", value),
                Err(format!(
                    "Validation failed; '{value}' is not a valid boolean-like value."
                )),
                "value {value:?}"
            );
        }
    }

    #[test]
    fn validate_patterns_use_python_classes() {
        // Python's \s includes U+001C to U+001F and its \d is every Nd digit.
        assert_eq!(
            catalog().validate("pci_passthrough:alias", "a:1\u{1C},b:2"),
            Ok(())
        );
        assert_eq!(catalog().validate("hw:mem_page_size", "\u{662}MB"), Ok(()));
        // Python's \w includes the category No (U+00B2) but not marks (U+0301).
        assert_eq!(
            catalog().validate("capabilities:cpu_info:\u{B2}", "x"),
            Ok(())
        );
        let with_mark = "capabilities:cpu_info:e\u{301}";
        assert_eq!(catalog().validate(with_mark, "x"), unknown_key(with_mark));
    }

    #[test]
    fn validate_odd_input_returns_nova_messages() {
        let long_key = format!("{}:VCPU", "resources".repeat(20_000));
        let keys = [
            "hw:cpu_policy",
            "hw:numa_nodes",
            "hw:cpu_realtime",
            "hw:mem_page_size",
            "accel:device_profile",
            "",
            ":",
            "\u{0}:\u{0}",
            "trait\u{301}:HW_CPU_X86_AVX",
            "hw:numa_cpus.\u{663}",
            "\u{10FFFF}",
            &long_key,
        ];
        let long_value = "9".repeat(100_000);
        let values = [
            "",
            " ",
            "\u{1C}",
            "-",
            "+",
            "_",
            "\u{FFFF}",
            "a\nb",
            &long_value,
        ];
        for key in keys {
            for value in values {
                let result = catalog().validate(key, value);
                assert!(
                    result
                        .as_ref()
                        .err()
                        .is_none_or(|message| message.starts_with("Validation failed; ")),
                    "key {key:?}, value {value:?}"
                );
            }
        }
    }

    #[test]
    fn parse_python_int_cases() {
        let long = "9".repeat(200);
        let cases = [
            (" 5 ", Some("5")),
            ("+5", Some("5")),
            ("1_0", Some("10")),
            ("\u{663}", Some("3")),
            ("-0", Some("0")),
            ("007", Some("7")),
            ("-007", Some("-7")),
            ("0_0", Some("0")),
            ("\u{FF11}\u{FF12}", Some("12")),
            ("\u{1D7D8}\u{1D7D9}", Some("1")),
            ("\u{A0}-12\u{2003}", Some("-12")),
            ("\t\n5\r\u{B}\u{C}", Some("5")),
            (&long, Some(&long)),
            ("2.0", None),
            ("", None),
            ("  ", None),
            ("-", None),
            ("_1", None),
            ("1_", None),
            ("1__0", None),
            ("+_1", None),
            ("1 0", None),
            ("- 1", None),
            ("+-1", None),
            ("\u{B2}", None),
            ("\u{1C}5", None),
            ("1\u{0}", None),
            ("0x10", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_python_int(text).as_deref(), expected, "text {text:?}");
        }
    }

    #[test]
    fn parse_python_int_digit_limit() {
        let at_limit = "7".repeat(PYTHON_INT_MAX_STR_DIGITS);
        let leading_zeros = format!("0{at_limit}");
        let underscores = format!("1_{}", "1".repeat(PYTHON_INT_MAX_STR_DIGITS - 1));
        assert_eq!(parse_python_int(&at_limit), Some(at_limit.clone()));
        assert_eq!(parse_python_int(&leading_zeros), None);
        assert!(parse_python_int(&underscores).is_some());
    }

    #[test]
    fn python_int_order() {
        let numbers = [
            "-100",
            "-99",
            "-1",
            "0",
            "1",
            "9",
            "10",
            "99999999999999999999999",
        ];
        for pair in numbers.windows(2) {
            let lower = PythonInt::parse(pair[0]).expect("the test numbers parse");
            let higher = PythonInt::parse(pair[1]).expect("the test numbers parse");
            assert!(lower < higher, "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn catalog_len() {
        assert_eq!(catalog().len(), 525);
    }

    #[test]
    fn catalog_names_unique() {
        assert_eq!(catalog().by_name.len(), catalog().len());
    }

    #[test]
    fn catalog_built_once() {
        assert!(std::ptr::eq(catalog(), catalog()));
    }

    #[test]
    fn catalog_compiles_few_regexes() {
        let catalog = Catalog::embedded();
        let value_patterns =
            catalog
                .validators
                .iter()
                .filter_map(|validator| match &validator.rule {
                    ValueRule::Pattern { regex, .. } => Some(regex.as_str()),
                    _ => None,
                });
        let compiled: HashSet<&str> = catalog
            .affix_groups
            .iter()
            .map(|group| group.shared.as_str())
            .chain(catalog.standalone.iter().map(|(_, regex)| regex.as_str()))
            .chain(catalog.namespaces.patterns.iter().map(Regex::as_str))
            .chain(value_patterns)
            .collect();
        assert_eq!(compiled.len(), 12);
    }

    #[test]
    fn key_shape_splits_literal_ends() {
        let cases = [
            ("hw:cpu_policy", KeyShape::Literal),
            (
                "trait(?P<group>([a-z_-]{1,64})?):COMPUTE_NODE",
                KeyShape::Affix {
                    side: Side::Tail,
                    literal: ":COMPUTE_NODE",
                    shared: "trait(?P<group>([a-z_-]{1,64})?)",
                },
            ),
            (
                r"hw:numa_cpus.(?P<num>\d+)",
                KeyShape::Affix {
                    side: Side::Head,
                    literal: "hw:numa_cpus",
                    shared: r".(?P<num>\d+)",
                },
            ),
            (
                "ab*(c)",
                KeyShape::Affix {
                    side: Side::Head,
                    literal: "a",
                    shared: "b*(c)",
                },
            ),
            (
                "[]a]:X",
                KeyShape::Affix {
                    side: Side::Tail,
                    literal: ":X",
                    shared: "[]a]",
                },
            ),
            (
                r"x\d:Y",
                KeyShape::Affix {
                    side: Side::Head,
                    literal: "x",
                    shared: r"\d:Y",
                },
            ),
            ("a|b:X", KeyShape::Opaque),
            ("(?i)a(b):X", KeyShape::Opaque),
            ("(a)$:X", KeyShape::Opaque),
            (r"(a)\b:X", KeyShape::Opaque),
            ("a(?=b)b:X", KeyShape::Opaque),
            (r"\x41:B", KeyShape::Opaque),
            ("(a))(:X", KeyShape::Opaque),
            ("[a[b]]:X", KeyShape::Opaque),
        ];
        for (regex, expected) in cases {
            assert_eq!(KeyShape::of(regex), expected, "regex {regex:?}");
        }
    }

    #[test]
    fn rust_syntax_python_classes() {
        let cases = [
            (r"a\s", r"a[\s\x1C-\x1F]"),
            (r"[\w,]", r"[[\p{L}\p{N}_],]"),
            (r"\S\W", r"[^\s\x1C-\x1F][^\p{L}\p{N}_]"),
            (r"\d\\s", r"\d\\s"),
            ("plain", "plain"),
        ];
        for (python, rust) in cases {
            assert_eq!(to_rust_syntax(python), rust, "regex {python:?}");
        }
    }

    /// Keys built from every validator name by filling its placeholders, plus variants one
    /// character longer or shorter, to compare the split lookup with whole-regex matching.
    fn sample_keys(names: &[&str]) -> Vec<String> {
        let long_filler = "a".repeat(65);
        let fillers = [
            "",
            "0",
            "g1",
            ":arch",
            "{x}",
            "\u{B2}",
            &long_filler[..64],
            &long_filler,
        ];
        let mut keys = Vec::new();
        for name in names {
            for filler in fillers {
                let key = fill_placeholders(name, filler);
                let mut shorter = key.clone();
                shorter.pop();
                keys.push(shorter);
                keys.push(format!("{key}X"));
                keys.push(key);
            }
        }
        let extra_keys = [
            "hw:numa_cpusX12",
            "trait:CUSTOM_",
            "traitA:B:COMPUTE_NODE",
            "",
            ":",
        ];
        keys.extend(extra_keys.map(str::to_owned));
        keys
    }

    fn fill_placeholders(name: &str, filler: &str) -> String {
        let mut key = String::new();
        let mut rest = name;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            key.push_str(&rest[..open]);
            key.push_str(filler);
            rest = &rest[open + close + 1..];
        }
        key.push_str(rest);
        key
    }

    /// Compares the lookup with Nova's loop over every key regex in catalog order.
    #[test]
    fn key_lookup_matches_whole_regexes() {
        let file: CatalogFile =
            serde_json::from_str(CATALOG_JSON).expect("the embedded catalog parses");
        let whole_regexes: Vec<Regex> = file
            .validators
            .iter()
            .map(|entry| compile_full_match(&entry.key_regex))
            .collect();
        let names: Vec<&str> = file.validators.iter().map(|entry| &entry.key[..]).collect();
        for key in sample_keys(&names) {
            assert_eq!(
                catalog().first_key_regex_match(&key),
                whole_regexes.iter().position(|regex| regex.is_match(&key)),
                "key {key:?}"
            );
        }
    }
}
