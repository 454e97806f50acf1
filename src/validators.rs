//! Temporary stand-in for the extra-spec validator catalog.
#![allow(missing_docs)]

pub struct Catalog;

impl Catalog {
    pub fn validate(&self, _key: &str, _value: &str) -> Result<(), String> {
        Ok(())
    }
}

pub fn catalog() -> &'static Catalog {
    &Catalog
}

pub fn parse_python_int(text: &str) -> Option<String> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let stripped = digits.trim_start_matches('0');
    let body = if stripped.is_empty() { "0" } else { stripped };
    Some(if neg && body != "0" {
        format!("-{body}")
    } else {
        body.to_owned()
    })
}
