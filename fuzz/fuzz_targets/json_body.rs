//! Feeds arbitrary bytes to the request body parser and, for bodies that
//! parse, to the extra-spec and flavor body schemas and the value validators.
//! Besides not panicking, writing a parsed value and parsing it again must
//! give the same text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mock_nova::pyjson;
use mock_nova::schema::{self, Strictness};
use mock_nova::{flavor_schema, validators};

/// Microversions whose flavor body schemas differ.
const VERSIONS: [(u32, u32); 5] = [(2, 0), (2, 1), (2, 55), (2, 75), (2, 102)];

fuzz_target!(|data: &[u8]| {
    let Ok(value) = pyjson::parse(data) else {
        return;
    };
    let text = pyjson::to_json(&value);
    let again = pyjson::parse(text.as_bytes()).expect("written JSON parses again");
    assert_eq!(
        pyjson::to_json(&again),
        text,
        "written JSON changed on a second pass"
    );
    let _ = pyjson::py_repr(&value);
    let _ = pyjson::py_str(&value);

    for strictness in [Strictness::Strict, Strictness::Legacy] {
        if let Ok(specs) = schema::create_extra_specs(Some(&value), strictness) {
            for (key, spec) in specs {
                let _ = validators::catalog().validate(key, &schema::value_text(spec));
            }
        }
        if let Ok((key, spec)) = schema::update_extra_spec(Some(&value), strictness) {
            let _ = validators::catalog().validate(key, &schema::value_text(spec));
        }
    }
    for version in VERSIONS {
        let _ = flavor_schema::parse_create(Some(&value), version);
        let _ = flavor_schema::parse_update(Some(&value), version);
        let _ = flavor_schema::parse_action(Some(&value), version);
    }
});
