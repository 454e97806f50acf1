//! The most frequent compute routes, matched by hand before the router.
//!
//! Extra-spec and flavor reads and writes under `/v2.1` are most of the traffic
//! a test suite sends. Matching their paths here and calling the handler
//! directly skips the router's generic work per request: its route tree walk,
//! its percent-decoded copies of every path parameter and its matched-path
//! extension. Only paths whose reading is certain take this way. Every other
//! request, and every method these routes do not serve, goes to the router,
//! which returns the same response for the paths matched here (a test checks
//! it).

use std::borrow::Cow;
use std::ops::Range;

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::FromRequest as _;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse as _, Response};
use percent_encoding::percent_decode_str;

use super::{extra_specs, flavors};
use crate::context::{Ctx, JsonBody, RequestContext};
use crate::state::AppState;

/// A path matched here: its route template and where its parameters sit in
/// the path. Put in the request's extensions for the route step.
#[derive(Debug, Clone)]
pub(crate) struct HotMatch {
    /// The template the router would have matched.
    pub template: &'static str,
    endpoint: Endpoint,
    project_id: Option<Range<usize>>,
    flavor_id: Option<Range<usize>>,
    key: Option<Range<usize>>,
}

/// A path parameter's name and decoded value.
pub(crate) type Param<'a> = (&'static str, Cow<'a, str>);

/// The handler a matched path goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    ListFlavors,
    ListFlavorsDetail,
    ShowFlavor,
    ListExtraSpecs,
    CreateExtraSpecs,
    ShowExtraSpec,
    UpdateExtraSpec,
    DeleteExtraSpec,
}

/// The shape of a path below the API root, without the project id.
enum Shape {
    Flavors,
    Detail,
    Flavor,
    ExtraSpecs,
    ExtraSpec,
}

impl HotMatch {
    /// Matches a request, or returns `None` to leave it to the router.
    pub(crate) fn find(method: &Method, path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/v2.1/")?;
        let offset = path.len() - rest.len();
        let mut segments = [0..0, 0..0, 0..0, 0..0, 0..0, 0..0];
        let mut count = 0;
        let mut start = offset;
        for end in
            (offset..=path.len()).filter(|&at| at == path.len() || path.as_bytes()[at] == b'/')
        {
            // An empty segment (`//` or a trailing `/`) is the router's to judge.
            if end == start || count == segments.len() {
                return None;
            }
            segments[count] = start..end;
            count += 1;
            start = end + 1;
        }
        let segments = &segments[..count];
        let text = |range: &Range<usize>| &path[range.clone()];
        // The router prefers static segments: a first segment `flavors` is the
        // collection, never a project id, and `versions` is the version route.
        let (project_id, below) = match text(segments.first()?) {
            "flavors" => (None, segments),
            "versions" => return None,
            _ => (segments.first().cloned(), &segments[1..]),
        };
        let (shape, flavor_id, key) = match below {
            [flavors] if text(flavors) == "flavors" => (Shape::Flavors, None, None),
            [flavors, detail] if text(flavors) == "flavors" && text(detail) == "detail" => {
                (Shape::Detail, None, None)
            }
            [flavors, flavor] if text(flavors) == "flavors" => {
                (Shape::Flavor, Some(flavor.clone()), None)
            }
            [flavors, flavor, specs]
                if text(flavors) == "flavors"
                    && text(flavor) != "detail"
                    && text(specs) == "os-extra_specs" =>
            {
                (Shape::ExtraSpecs, Some(flavor.clone()), None)
            }
            [flavors, flavor, specs, key]
                if text(flavors) == "flavors"
                    && text(flavor) != "detail"
                    && text(specs) == "os-extra_specs" =>
            {
                (Shape::ExtraSpec, Some(flavor.clone()), Some(key.clone()))
            }
            _ => return None,
        };
        let endpoint = match (shape, method) {
            (Shape::Flavors, &Method::GET) => Endpoint::ListFlavors,
            (Shape::Detail, &Method::GET) => Endpoint::ListFlavorsDetail,
            (Shape::Flavor, &Method::GET) => Endpoint::ShowFlavor,
            (Shape::ExtraSpecs, &Method::GET) => Endpoint::ListExtraSpecs,
            (Shape::ExtraSpecs, &Method::POST) => Endpoint::CreateExtraSpecs,
            (Shape::ExtraSpec, &Method::GET) => Endpoint::ShowExtraSpec,
            (Shape::ExtraSpec, &Method::PUT) => Endpoint::UpdateExtraSpec,
            (Shape::ExtraSpec, &Method::DELETE) => Endpoint::DeleteExtraSpec,
            _ => return None,
        };
        Some(Self {
            template: template(endpoint, project_id.is_some()),
            endpoint,
            project_id,
            flavor_id,
            key,
        })
    }

    /// Returns the path parameters as the router names and decodes them, taken
    /// from `path`, the path this match was made on. Returns `None` when one
    /// does not decode to UTF-8, which the router rejects too.
    pub(crate) fn params<'a>(&self, path: &'a str) -> Option<[Option<Param<'a>>; 3]> {
        let decode = |name: &'static str, range: &Option<Range<usize>>| {
            let Some(range) = range.clone() else {
                return Ok(None);
            };
            let raw = path.get(range).unwrap_or_default();
            if !raw.contains('%') {
                return Ok(Some((name, Cow::Borrowed(raw))));
            }
            percent_decode_str(raw)
                .decode_utf8()
                .map(|value| Some((name, value)))
        };
        Some([
            decode("project_id", &self.project_id).ok()?,
            decode("flavor_id", &self.flavor_id).ok()?,
            decode("key", &self.key).ok()?,
        ])
    }

    /// Calls the matched handler with the context of the route step and the
    /// rest of the request.
    ///
    /// The handler is called as a function with its arguments, in the order
    /// and with the rejections that axum's handler adapter would use, but
    /// without that adapter's boxed future and the copies of the request into
    /// it.
    pub(crate) async fn serve(
        &self,
        context: RequestContext,
        parts: Parts,
        body: Body,
        state: &AppState,
    ) -> Response {
        let ctx = Ctx(context);
        match self.endpoint {
            Endpoint::ListFlavors => flavors::list_flavors(ctx).await,
            Endpoint::ListFlavorsDetail => flavors::list_flavors_detail(ctx).await,
            Endpoint::ShowFlavor => flavors::show_flavor(ctx).await,
            Endpoint::ListExtraSpecs => extra_specs::list_extra_specs(ctx).await,
            Endpoint::CreateExtraSpecs => match json_body(parts, body, state).await {
                Ok(body) => extra_specs::create_extra_specs(ctx, body).await,
                Err(rejection) => return rejection,
            },
            Endpoint::ShowExtraSpec => extra_specs::show_extra_spec(ctx).await,
            Endpoint::UpdateExtraSpec => match json_body(parts, body, state).await {
                Ok(body) => extra_specs::update_extra_spec(ctx, body).await,
                Err(rejection) => return rejection,
            },
            Endpoint::DeleteExtraSpec => extra_specs::delete_extra_spec(ctx).await,
        }
        .into_response()
    }
}

/// Adds `Content-Length` to a response of a route matched here, where the
/// router would: before the version and request id headers, so that the
/// header order is the router's.
pub(crate) fn set_content_length(response: &mut Response) {
    if !response.headers().contains_key(header::CONTENT_LENGTH)
        && let Some(length) = response.body().size_hint().exact()
    {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
}

/// Reads the body of a handler that takes one, after its context, as axum's
/// handler adapter does.
async fn json_body(parts: Parts, body: Body, state: &AppState) -> Result<JsonBody, Response> {
    JsonBody::from_request(Request::from_parts(parts, body), state).await
}

/// Returns the router's template for an endpoint, with or without the project
/// id.
fn template(endpoint: Endpoint, with_project: bool) -> &'static str {
    macro_rules! both {
        ($suffix:literal) => {
            if with_project {
                concat!("/v2.1/{project_id}", $suffix)
            } else {
                concat!("/v2.1", $suffix)
            }
        };
    }
    match endpoint {
        Endpoint::ListFlavors => both!("/flavors"),
        Endpoint::ListFlavorsDetail => both!("/flavors/detail"),
        Endpoint::ShowFlavor => both!("/flavors/{flavor_id}"),
        Endpoint::ListExtraSpecs | Endpoint::CreateExtraSpecs => {
            both!("/flavors/{flavor_id}/os-extra_specs")
        }
        Endpoint::ShowExtraSpec | Endpoint::UpdateExtraSpec | Endpoint::DeleteExtraSpec => {
            both!("/flavors/{flavor_id}/os-extra_specs/{key}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AppState;

    fn found(method: &Method, path: &str) -> Option<(&'static str, Vec<(&'static str, String)>)> {
        let found = HotMatch::find(method, path)?;
        let params = found
            .params(path)?
            .into_iter()
            .flatten()
            .map(|(name, value)| (name, value.into_owned()))
            .collect();
        Some((found.template, params))
    }

    #[test]
    fn extra_spec_paths_with_and_without_project() {
        assert_eq!(
            found(
                &Method::PUT,
                "/v2.1/abc/flavors/f%201/os-extra_specs/hw:cpu"
            ),
            Some((
                "/v2.1/{project_id}/flavors/{flavor_id}/os-extra_specs/{key}",
                vec![
                    ("project_id", "abc".to_owned()),
                    ("flavor_id", "f 1".to_owned()),
                    ("key", "hw:cpu".to_owned())
                ]
            ))
        );
        assert_eq!(
            found(&Method::GET, "/v2.1/flavors/1/os-extra_specs"),
            Some((
                "/v2.1/flavors/{flavor_id}/os-extra_specs",
                vec![("flavor_id", "1".to_owned())]
            ))
        );
        assert_eq!(
            found(&Method::GET, "/v2.1/flavors/flavors/os-extra_specs/k").map(|found| found.1),
            Some(vec![
                ("flavor_id", "flavors".to_owned()),
                ("key", "k".to_owned())
            ])
        );
        assert_eq!(
            found(&Method::GET, "/v2.1/flavors/detail").map(|found| found.0),
            Some("/v2.1/flavors/detail")
        );
        assert_eq!(
            found(&Method::GET, "/v2.1/p/flavors/detail").map(|found| found.0),
            Some("/v2.1/{project_id}/flavors/detail")
        );
    }

    #[test]
    fn params_without_utf8_are_none() {
        let path = "/v2.1/flavors/1/os-extra_specs/%FF";
        let found = HotMatch::find(&Method::GET, path).expect("the path matches");
        assert!(found.params(path).is_none());
    }

    #[test]
    fn find_leaves_doubtful_paths_to_router() {
        for (method, path) in [
            (Method::HEAD, "/v2.1/flavors/1/os-extra_specs/k"),
            (Method::PATCH, "/v2.1/flavors/1/os-extra_specs/k"),
            (Method::POST, "/v2.1/flavors/1/os-extra_specs/k"),
            (Method::PUT, "/v2.1/flavors/1/os-extra_specs"),
            (Method::GET, "/v2.1/flavors/1/os-extra_specs/"),
            (Method::GET, "/v2.1/flavors//os-extra_specs/k"),
            (Method::GET, "/v2.1/flavors/detail/os-extra_specs"),
            (Method::GET, "/v2.1/versions/v2.1"),
            (Method::GET, "/v2.1/flavors/1/os-flavor-access"),
            (Method::GET, "/v2.1/flavors/1/os-extra_specs/k/more"),
            (Method::GET, "/v2/flavors/1/os-extra_specs/k"),
            (Method::GET, "/v2.1"),
            (Method::GET, "/v2.1/"),
        ] {
            assert!(found(&method, path).is_none(), "{method} {path}");
        }
    }

    /// Responds to every matched route with its template and decoded
    /// parameters instead of calling the handler.
    async fn probe(
        matched: axum::extract::MatchedPath,
        params: Result<
            axum::extract::RawPathParams,
            axum::extract::rejection::RawPathParamsRejection,
        >,
        _request: Request,
        _next: axum::middleware::Next,
    ) -> String {
        let params: Option<Vec<String>> = params.ok().map(|params| {
            params
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect()
        });
        format!("{} {params:?}", matched.as_str())
    }

    /// Every path the hot routes match, the router matches to the same route
    /// with the same parameters: checked over all paths of up to five
    /// segments below `/v2.1/` made of the words that decide a match.
    #[tokio::test]
    async fn router_agrees_on_matched_paths() {
        use tower::ServiceExt as _;

        let state = AppState::new(crate::config::Config::default()).expect("default state");
        let router = super::super::router(state).route_layer(axum::middleware::from_fn(probe));
        let words = [
            "flavors",
            "detail",
            "os-extra_specs",
            "versions",
            "ab1",
            "a%20b",
            "%FF",
            "",
        ];
        let methods = [Method::GET, Method::PUT, Method::POST, Method::DELETE];
        let mut paths = vec![String::new()];
        let mut compared = 0;
        for _ in 0..5 {
            paths = paths
                .iter()
                .flat_map(|path| words.iter().map(move |word| format!("{path}/{word}")))
                .collect();
            for suffix in &paths {
                let path = format!("/v2.1{suffix}");
                for method in &methods {
                    let Some(found) = HotMatch::find(method, &path) else {
                        continue;
                    };
                    let params: Option<Vec<String>> = found.params(&path).map(|params| {
                        params
                            .into_iter()
                            .flatten()
                            .map(|(name, value)| format!("{name}={value}"))
                            .collect()
                    });
                    let request = Request::builder()
                        .method(method)
                        .uri(&path)
                        .body(axum::body::Body::empty())
                        .expect("valid request");
                    let response = router.clone().oneshot(request).await.expect("infallible");
                    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
                        .await
                        .expect("body");
                    let expected = format!("{} {params:?}", found.template);
                    assert_eq!(String::from_utf8_lossy(&body), expected, "{method} {path}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 800, "only {compared} paths matched");
    }
}
