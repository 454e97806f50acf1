//! JSON documents of the Keystone API: version discovery, token bodies and the
//! service catalog, with members in Keystone's order.

use serde_json::{Value, json};

use super::token::{TokenData, format_timestamp};

/// Version of the identity API that discovery advertises: v3.14, the newest,
/// served by every Keystone release since Ussuri.
const VERSION_ID: &str = "v3.14";

/// Date Keystone gives v3.14.
const VERSION_UPDATED: &str = "2020-04-07T00:00:00Z";

/// Namespace of the UUIDv5 service and endpoint ids; any fixed value works.
const CATALOG_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6d6f_636b_6e6f_7661_6361_7461_6c6f_0001);

/// Endpoint interfaces, each listed for every service as devstack does.
const INTERFACES: [&str; 3] = ["public", "internal", "admin"];

/// Returns the discovery entry of v3, whose self link is `{v3_url}/`.
fn version_entry(v3_url: &str) -> Value {
    json!({
        "id": VERSION_ID,
        "status": "stable",
        "updated": VERSION_UPDATED,
        "links": [{"rel": "self", "href": format!("{v3_url}/")}],
        "media-types": [{
            "base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json",
        }],
    })
}

/// Returns the version list served at the unversioned identity URL.
pub fn version_list(v3_url: &str) -> Value {
    json!({"versions": {"values": [version_entry(v3_url)]}})
}

/// Returns the version document served at the v3 URL.
pub fn version_document(v3_url: &str) -> Value {
    json!({"version": version_entry(v3_url)})
}

/// Endpoint URLs and region of the services in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogUrls {
    /// Compute endpoint, such as `http://127.0.0.1:8774/v2.1`.
    pub compute: String,
    /// Identity endpoint, such as `http://127.0.0.1:8774/identity`.
    pub identity: String,
    /// Region of every endpoint.
    pub region: String,
}

fn stable_id(name: &str) -> String {
    uuid::Uuid::new_v5(&CATALOG_ID_NAMESPACE, name.as_bytes())
        .simple()
        .to_string()
}

fn service(kind: &str, name: &str, url: &str, region: &str) -> Value {
    let endpoints: Vec<Value> = INTERFACES
        .iter()
        .map(|interface| {
            json!({
                "id": stable_id(&format!("{kind}/{interface}")),
                "interface": interface,
                "region_id": region,
                "url": url,
                "region": region,
            })
        })
        .collect();
    json!({
        "endpoints": endpoints,
        "id": stable_id(kind),
        "type": kind,
        "name": name,
    })
}

/// Returns the service catalog: Nova as `compute` and Keystone as `identity`.
pub fn catalog(urls: &CatalogUrls) -> Value {
    json!([
        service("compute", "nova", &urls.compute, &urls.region),
        service("identity", "keystone", &urls.identity, &urls.region),
    ])
}

/// Returns the body of a token response. A scoped token carries its project,
/// roles and, when `catalog` is given, the catalog; an unscoped token carries
/// none of them, as from Keystone.
pub fn token_body(token: &TokenData, catalog: Option<Value>) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("methods".into(), json!(token.methods));
    body.insert(
        "user".into(),
        json!({
            "domain": {"id": token.user.domain.id, "name": token.user.domain.name},
            "id": token.user.id,
            "name": token.user.name,
            "password_expires_at": null,
        }),
    );
    body.insert("audit_ids".into(), json!(token.audit_ids));
    body.insert(
        "expires_at".into(),
        json!(format_timestamp(token.expires_at)),
    );
    body.insert("issued_at".into(), json!(format_timestamp(token.issued_at)));
    if let Some(project) = &token.project {
        body.insert(
            "project".into(),
            json!({
                "domain": {"id": project.domain.id, "name": project.domain.name},
                "id": project.id,
                "name": project.name,
            }),
        );
        body.insert("is_domain".into(), json!(false));
        let roles: Vec<Value> = token
            .roles
            .iter()
            .map(|role| json!({"id": role.id, "name": role.name}))
            .collect();
        body.insert("roles".into(), Value::Array(roles));
        if let Some(catalog) = catalog {
            body.insert("catalog".into(), catalog);
        }
    }
    json!({ "token": body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> CatalogUrls {
        CatalogUrls {
            compute: "http://h/v2.1".to_owned(),
            identity: "http://h/identity".to_owned(),
            region: "RegionOne".to_owned(),
        }
    }

    #[test]
    fn catalog_lists_three_interfaces_per_service() {
        let catalog = catalog(&urls());
        let services = catalog.as_array().unwrap();
        assert_eq!(services.len(), 2);
        for service in services {
            let interfaces: Vec<&str> = service["endpoints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|endpoint| endpoint["interface"].as_str().unwrap())
                .collect();
            assert_eq!(interfaces, INTERFACES);
        }
    }

    #[test]
    fn catalog_ids_are_stable() {
        assert_eq!(catalog(&urls()), catalog(&urls()));
        assert_eq!(stable_id("compute").len(), 32);
    }

    #[test]
    fn version_links_end_with_slash() {
        let document = version_document("http://h/identity/v3");
        assert_eq!(
            document["version"]["links"][0]["href"],
            "http://h/identity/v3/"
        );
    }
}
