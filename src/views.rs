//! JSON views of flavors as Nova builds them, per microversion, and the JSON
//! response helper every Nova handler uses.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

use crate::context::LinkBase;
use crate::microversion::Microversion;
use crate::pyjson;
use crate::store::Flavor;

/// Builds a 200 response with a JSON body written the way Python's `json.dumps`
/// writes it.
pub fn json<T: Serialize>(body: &T) -> Response {
    json_with_status(StatusCode::OK, body)
}

/// Builds a response with the given status and a Python-style JSON body.
pub fn json_with_status<T: Serialize>(status: StatusCode, body: &T) -> Response {
    raw_json(status, pyjson::to_python_json_string(body))
}

/// Builds the reply of one extra spec, `{"<key>": "<value>"}`, as `json.dumps`
/// writes it, without building a map to serialize.
pub fn one_extra_spec(key: &str, value: &str) -> Response {
    let mut body = String::with_capacity(key.len() + value.len() + 8);
    body.push('{');
    pyjson::push_json_string(&mut body, key);
    body.push_str(": ");
    pyjson::push_json_string(&mut body, value);
    body.push('}');
    raw_json(StatusCode::OK, body)
}

/// Body of `GET .../os-extra_specs`.
#[derive(Serialize)]
struct ExtraSpecsBody<'a> {
    extra_specs: &'a BTreeMap<String, String>,
}

/// Builds the response to `GET .../os-extra_specs`: every extra spec of the
/// flavor, as the flavor keeps it rendered.
pub fn extra_specs(flavor: &Flavor) -> Response {
    let body = flavor.extra_specs_body.get_or_render(|| {
        pyjson::to_python_json_string(&ExtraSpecsBody {
            extra_specs: &flavor.extra_specs,
        })
    });
    raw_json(StatusCode::OK, body)
}

/// Builds a response from JSON text that is already serialized.
pub fn raw_json(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    // Room for the headers every Nova answer gets (content type and length,
    // two version headers, two Vary lines, two request ids), so the map is
    // allocated once.
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.reserve(12);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// One entry of a `links` list.
#[derive(Debug, Serialize)]
pub struct Link {
    /// Relation: `self`, `bookmark` or `next`.
    pub rel: &'static str,
    /// Absolute URL.
    pub href: String,
}

/// A value that Nova renders as a number, or as `""` when the number is zero.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum NumberOrEmpty {
    Integer(u32),
    Float(f64),
    Empty(&'static str),
}

/// The full flavor view of `GET /flavors/{id}`, `/flavors/detail` and writes.
#[derive(Debug, Serialize)]
pub struct FlavorView<'a> {
    id: &'a str,
    name: &'a str,
    ram: u32,
    disk: u32,
    swap: NumberOrEmpty,
    #[serde(rename = "OS-FLV-EXT-DATA:ephemeral")]
    ephemeral: u32,
    #[serde(
        rename = "OS-FLV-DISABLED:disabled",
        skip_serializing_if = "Option::is_none"
    )]
    disabled: Option<bool>,
    vcpus: u32,
    #[serde(rename = "os-flavor-access:is_public")]
    is_public: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rxtx_factor: Option<NumberOrEmpty>,
    links: [Link; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_specs: Option<&'a BTreeMap<String, String>>,
}

/// The brief flavor view of `GET /flavors`.
#[derive(Debug, Serialize)]
pub struct BriefFlavorView<'a> {
    id: &'a str,
    name: &'a str,
    links: [Link; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Option<&'a str>>,
}

/// Builds the full view of a flavor.
///
/// `with_extra_specs` is whether the caller passes the extra-spec index policy;
/// extra specs appear from 2.61 only when it does.
pub fn flavor_view<'a>(
    flavor: &'a Flavor,
    version: Microversion,
    links: &LinkBase<'_>,
    with_extra_specs: bool,
) -> FlavorView<'a> {
    let swap = if flavor.swap == 0 && !version.at_least(2, 75) {
        NumberOrEmpty::Empty("")
    } else {
        NumberOrEmpty::Integer(flavor.swap)
    };
    let rxtx_factor = if flavor.rxtx_factor == 0.0 {
        NumberOrEmpty::Empty("")
    } else {
        NumberOrEmpty::Float(flavor.rxtx_factor)
    };
    let removed_at_2_102 = version.at_least(2, 102);
    FlavorView {
        id: &flavor.flavor_id,
        name: &flavor.name,
        ram: flavor.memory_mb,
        disk: flavor.root_gb,
        swap,
        ephemeral: flavor.ephemeral_gb,
        disabled: (!removed_at_2_102).then_some(flavor.disabled),
        vcpus: flavor.vcpus,
        is_public: flavor.is_public,
        rxtx_factor: (!removed_at_2_102).then_some(rxtx_factor),
        links: links.flavor_links(&flavor.flavor_id),
        description: version
            .at_least(2, 55)
            .then_some(flavor.description.as_deref()),
        extra_specs: (with_extra_specs && version.at_least(2, 61)).then_some(&flavor.extra_specs),
    }
}

/// The variant of a flavor's full view that a request gets: the fields its
/// microversion and the extra-spec policy select, and its links' root, API
/// version and project.
pub struct ViewVariant<'a> {
    version: Microversion,
    with_extra_specs: bool,
    links: &'a LinkBase<'a>,
    /// A code of the microversion thresholds at which [`flavor_view`] changes
    /// its fields, and of the API version in its links.
    shape: u8,
}

impl<'a> ViewVariant<'a> {
    /// Describes the variant of a request at `version` whose links start at `links`.
    pub fn new(version: Microversion, links: &'a LinkBase<'a>, with_extra_specs: bool) -> Self {
        let shape = u8::from(version.at_least(2, 55))
            | u8::from(with_extra_specs && version.at_least(2, 61)) << 1
            | u8::from(version.at_least(2, 75)) << 2
            | u8::from(version.at_least(2, 102)) << 3
            | u8::from(links.api_version != "v2.1") << 4;
        Self {
            version,
            with_extra_specs,
            links,
            shape,
        }
    }

    /// Returns the flavor's view in JSON if the flavor keeps it rendered.
    pub fn kept<'f>(&self, flavor: &'f Flavor) -> Option<&'f [u8]> {
        flavor
            .views
            .get(self.shape, self.links.root, self.links.project())
    }

    /// Returns the flavor's view in JSON, rendering it and keeping it in the
    /// flavor when it is not kept yet.
    pub fn json(&self, flavor: &Flavor) -> Bytes {
        flavor
            .views
            .get_or_render(self.shape, self.links.root, self.links.project(), || {
                pyjson::to_python_json_string(&flavor_view(
                    flavor,
                    self.version,
                    self.links,
                    self.with_extra_specs,
                ))
            })
    }
}

/// Builds the response to a flavor list: `{"flavors": [...]}` from views
/// already in JSON, and the `flavors_links` of the next page when there is one.
pub fn flavor_list<V: AsRef<[u8]>>(views: &[V], next: Option<&[Link; 1]>) -> Response {
    let length = views
        .iter()
        .map(|view| view.as_ref().len() + 2)
        .sum::<usize>();
    let mut body = Vec::with_capacity(length + 256);
    body.extend_from_slice(b"{\"flavors\": [");
    for (index, view) in views.iter().enumerate() {
        if index > 0 {
            body.extend_from_slice(b", ");
        }
        body.extend_from_slice(view.as_ref());
    }
    body.push(b']');
    if let Some(next) = next {
        body.extend_from_slice(b", \"flavors_links\": ");
        body.extend_from_slice(pyjson::to_python_json_string(next).as_bytes());
    }
    body.push(b'}');
    raw_json(StatusCode::OK, body)
}

/// Builds the response to a flavor show: `{"flavor": ...}` from a view in JSON.
pub fn flavor_body(view: &Bytes) -> Response {
    let mut body = Vec::with_capacity(view.len() + 12);
    body.extend_from_slice(b"{\"flavor\": ");
    body.extend_from_slice(view);
    body.push(b'}');
    raw_json(StatusCode::OK, body)
}

/// Builds the brief view of a flavor.
pub fn brief_flavor_view<'a>(
    flavor: &'a Flavor,
    version: Microversion,
    links: &LinkBase<'_>,
) -> BriefFlavorView<'a> {
    BriefFlavorView {
        id: &flavor.flavor_id,
        name: &flavor.name,
        links: links.flavor_links(&flavor.flavor_id),
        description: version
            .at_least(2, 55)
            .then_some(flavor.description.as_deref()),
    }
}

impl LinkBase<'_> {
    /// Builds the `self` and `bookmark` links of a flavor.
    pub fn flavor_links(&self, flavor_id: &str) -> [Link; 2] {
        [
            Link {
                rel: "self",
                href: self.versioned(&format!("flavors/{flavor_id}")),
            },
            Link {
                rel: "bookmark",
                href: url_join(&[self.root, self.project(), "flavors", flavor_id]),
            },
        ]
    }

    /// Builds the URL of `collection` under the API version, with the project
    /// id when the request carried it.
    pub fn versioned(&self, collection: &str) -> String {
        url_join(&[self.root, self.api_version, self.project(), collection])
    }

    fn project(&self) -> &str {
        self.project_id.unwrap_or_default()
    }
}

/// Joins URL parts with `/` after trimming their slashes, skipping empty parts, as
/// Nova's `url_join` does.
fn url_join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|part| !part.is_empty())
        .map(|part| part.trim_matches('/'))
        .collect::<Vec<_>>()
        .join("/")
}

/// Builds the `next` link of a list page: the request's query parameters sorted by
/// name, with `marker` set to the last item, encoded as Python's `urlencode`
/// does.
///
/// Nova fills an ordered dict from the parameter pairs sorted by name and
/// value, so of a repeated name the value that sorts last wins. The page itself
/// uses the value given last, which can differ.
pub fn next_link(
    links: &LinkBase<'_>,
    collection: &str,
    params: &[(String, String)],
    marker: &str,
) -> Link {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    pairs.sort_unstable();
    let mut sorted: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, value) in pairs {
        sorted.insert(name, value);
    }
    let mut pairs: Vec<(&str, &str)> = sorted.into_iter().collect();
    match pairs.iter_mut().find(|(name, _)| *name == "marker") {
        Some(pair) => pair.1 = marker,
        None => pairs.push(("marker", marker)),
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", quote_plus(name), quote_plus(value)))
        .collect();
    Link {
        rel: "next",
        href: format!("{}?{}", links.versioned(collection), query.join("&")),
    }
}

/// Percent-encodes as Python's `urllib.parse.quote_plus`: letters, digits and
/// `_.-~` stay, spaces become `+`, everything else is `%XX`.
pub fn quote_plus(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                encoded.push(char::from(byte));
            }
            b' ' => encoded.push('+'),
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(project: Option<&str>) -> LinkBase<'_> {
        LinkBase {
            root: "http://HOST",
            api_version: "v2.1",
            project_id: project,
        }
    }

    #[tokio::test]
    async fn one_extra_spec_matches_the_serialized_map() {
        let cases = [
            ("hw:cpu_policy", "dedicated"),
            ("quota:\"quoted\"", "back\\slash"),
            ("caf\u{e9}", "\u{1F600} emoji"),
            ("", "\u{7f}\n\t"),
        ];
        for (key, value) in cases {
            let direct = one_extra_spec(key, value);
            let mapped = json(&BTreeMap::from([(key, value)]));
            let direct = axum::body::to_bytes(direct.into_body(), usize::MAX).await;
            let mapped = axum::body::to_bytes(mapped.into_body(), usize::MAX).await;
            assert_eq!(direct.ok(), mapped.ok(), "{key:?}: {value:?}");
        }
    }

    #[test]
    fn links_without_project() {
        let [own, bookmark] = base(None).flavor_links("f1");
        assert_eq!(own.href, "http://HOST/v2.1/flavors/f1");
        assert_eq!(bookmark.href, "http://HOST/flavors/f1");
    }

    #[test]
    fn links_with_project() {
        let [own, bookmark] = base(Some("abc")).flavor_links("f1");
        assert_eq!(own.href, "http://HOST/v2.1/abc/flavors/f1");
        assert_eq!(bookmark.href, "http://HOST/abc/flavors/f1");
    }

    #[test]
    fn next_link_sorts_and_appends_marker() {
        let params = [
            ("minRam".to_owned(), "1".to_owned()),
            ("limit".to_owned(), "1".to_owned()),
        ];
        let link = next_link(&base(None), "flavors/detail", &params, "1.5");
        assert_eq!(
            link.href,
            "http://HOST/v2.1/flavors/detail?limit=1&minRam=1&marker=1.5"
        );
    }

    #[test]
    fn next_link_replaces_marker_in_place() {
        let params = [
            ("marker".to_owned(), "a".to_owned()),
            ("limit".to_owned(), "1".to_owned()),
        ];
        let link = next_link(&base(None), "flavors", &params, "b");
        assert_eq!(link.href, "http://HOST/v2.1/flavors?limit=1&marker=b");
    }

    #[test]
    fn next_link_keeps_value_sorting_last() {
        let params = [
            ("limit".to_owned(), "5".to_owned()),
            ("sort_key".to_owned(), "name".to_owned()),
            ("limit".to_owned(), "2".to_owned()),
            ("sort_key".to_owned(), "id".to_owned()),
        ];
        let link = next_link(&base(None), "flavors", &params, "b");
        assert_eq!(
            link.href,
            "http://HOST/v2.1/flavors?limit=5&sort_key=name&marker=b"
        );
    }

    #[test]
    fn links_under_legacy_api() {
        let legacy = LinkBase {
            api_version: "v2",
            ..base(Some("abc"))
        };
        let [own, bookmark] = legacy.flavor_links("f1");
        assert_eq!(own.href, "http://HOST/v2/abc/flavors/f1");
        assert_eq!(bookmark.href, "http://HOST/abc/flavors/f1");
    }

    #[test]
    fn quote_plus_encodes_reserved() {
        assert_eq!(quote_plus("a b/c^"), "a+b%2Fc%5E");
    }
}
