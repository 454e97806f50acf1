//! The `/ns/{name}` path prefix that routes a request to a namespace.
//!
//! The prefix is removed before routing, so every route of the Nova and Keystone
//! APIs works below it unchanged; links and catalogs built for the request put it
//! back, which keeps a client that only set its auth URL inside its namespace.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;

/// Path segment that introduces a namespace name.
pub const NAMESPACE_SEGMENT: &str = "/ns/";

/// The namespace a request was addressed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace {
    /// Namespace name as it appeared in the path.
    pub name: Arc<str>,
}

impl Namespace {
    /// Returns the path prefix of the namespace, such as `/ns/team-a`.
    pub fn prefix(&self) -> String {
        format!("{NAMESPACE_SEGMENT}{}", self.name)
    }
}

/// Removes a leading `/ns/{name}` from the request path and records the
/// namespace in the request's extensions. Other requests pass unchanged.
pub fn strip_namespace(mut request: Request) -> Request {
    let Some(rest) = request.uri().path().strip_prefix(NAMESPACE_SEGMENT) else {
        return request;
    };
    let (name, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    if name.is_empty() {
        return request;
    }
    let name: Arc<str> = name.into();
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let Ok(path_and_query) = path_and_query.parse::<PathAndQuery>() else {
        return request;
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = Some(path_and_query);
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(Namespace { name });
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn strip(uri: &str) -> (String, Option<String>) {
        let request = strip_namespace(Request::builder().uri(uri).body(Body::empty()).unwrap());
        let namespace = request
            .extensions()
            .get::<Namespace>()
            .map(|namespace| namespace.name.to_string());
        (request.uri().to_string(), namespace)
    }

    #[test]
    fn prefix_is_removed() {
        assert_eq!(
            strip("/ns/team/v2.1/flavors?limit=1"),
            ("/v2.1/flavors?limit=1".to_owned(), Some("team".to_owned()))
        );
    }

    #[test]
    fn bare_namespace_is_root() {
        assert_eq!(strip("/ns/team"), ("/".to_owned(), Some("team".to_owned())));
    }

    #[test]
    fn other_paths_pass() {
        assert_eq!(strip("/v2.1/flavors"), ("/v2.1/flavors".to_owned(), None));
        assert_eq!(strip("/ns/"), ("/ns/".to_owned(), None));
    }
}
