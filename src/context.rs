//! Per-request data for Nova handlers, and the extractors that hand it over.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};

use crate::error::{ApiError, Result};
use crate::identity::Identity;
use crate::microversion::Microversion;
use crate::pyjson::{self, Value};
use crate::state::AppState;
use crate::store::{Store, Viewer};

/// Id of one request, `req-<uuid4>`, sent back in `x-openstack-request-id` and
/// `x-compute-request-id` and written to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// Generates a fresh id.
    pub fn generate(ids: &crate::ids::IdGenerator) -> Self {
        const PREFIX: &[u8] = b"req-";
        let mut text = [0u8; PREFIX.len() + uuid::fmt::Hyphenated::LENGTH];
        text[..PREFIX.len()].copy_from_slice(PREFIX);
        ids.uuid(crate::ids::IdKind::Request)
            .hyphenated()
            .encode_lower(&mut text[PREFIX.len()..]);
        // The text is ASCII letters, digits and dashes, which is a valid value.
        Self(HeaderValue::from_bytes(&text).unwrap_or(HeaderValue::from_static("req-")))
    }

    /// Returns the id as the header value it is sent in.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }

    /// Returns the id as text.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The decoded path parameters of a Nova route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams {
    /// `{project_id}` when the route has it.
    pub project_id: Option<String>,
    /// `{flavor_id}`, shared with the request log.
    pub flavor_id: Option<Arc<str>>,
    /// `{key}`, the extra-spec key, shared with the request log.
    pub key: Option<Arc<str>>,
    /// `{version_id}` of `/versions/{version_id}`.
    pub version_id: Option<String>,
}

/// Where links in responses point: the scheme, host and path prefix in front of
/// the API version, the version the request came through, plus the project id
/// when the request URL contained it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkBase<'a> {
    /// For example `http://127.0.0.1:8774`, with no trailing slash.
    pub root: &'a str,
    /// `v2.1`, or `v2` for the legacy API: Nova builds links from the
    /// application URL the request came through.
    pub api_version: &'static str,
    /// Project id inserted after the API version and after the root in
    /// bookmarks.
    pub project_id: Option<&'a str>,
}

/// The link root of a request, computed from its `Host` header and namespace
/// the first time a handler asks for it.
#[derive(Debug, Clone)]
pub struct LazyRoot {
    value: std::sync::OnceLock<String>,
    public_url: Option<Arc<str>>,
    host: Option<HeaderValue>,
    namespace: Option<Arc<str>>,
    fallback_host: std::net::SocketAddr,
}

impl LazyRoot {
    /// Records what the root is built from.
    pub fn new(
        public_url: Option<Arc<str>>,
        host: Option<HeaderValue>,
        namespace: Option<Arc<str>>,
        fallback_host: std::net::SocketAddr,
    ) -> Self {
        Self {
            value: std::sync::OnceLock::new(),
            public_url,
            host,
            namespace,
            fallback_host,
        }
    }

    /// Returns the root, building it on the first call.
    pub fn get(&self) -> &str {
        self.value.get_or_init(|| {
            let base = match &self.public_url {
                Some(url) => url.trim_end_matches('/').to_owned(),
                None => {
                    let host = self.host.as_ref().and_then(|host| host.to_str().ok());
                    match host {
                        Some(host) => ["http://", host].concat(),
                        None => format!("http://{}", self.fallback_host),
                    }
                }
            };
            match &self.namespace {
                Some(name) => format!("{base}/ns/{name}"),
                None => base,
            }
        })
    }
}

/// Everything a Nova handler needs about its request, established by the compute
/// middleware before the handler runs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// Id of the request.
    pub request_id: RequestId,
    /// Negotiated microversion.
    pub microversion: Microversion,
    /// The caller; `None` only on the unauthenticated version documents.
    pub identity: Option<Arc<Identity>>,
    /// Decoded path parameters.
    pub path: PathParams,
    /// The request's path and query, as received after the namespace prefix.
    pub uri: axum::http::Uri,
    /// Scheme, host and namespace prefix for links; built on first use, since
    /// most answers contain no link.
    pub root: LazyRoot,
    /// Flavor store of this request.
    pub store: Store,
    /// Application state, for configuration and shared services.
    pub state: AppState,
    /// Whether the request came through the legacy `/v2` API.
    pub legacy_v2: bool,
}

impl RequestContext {
    /// Returns the caller.
    ///
    /// # Errors
    /// A 401-equivalent fault if the route was served without authentication,
    /// which only happens for a routing mistake.
    pub fn identity(&self) -> Result<&Identity> {
        self.identity.as_deref().ok_or(ApiError::Other {
            status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            message: "Unexpected API Error. The request reached a handler without an identity."
                .to_owned(),
        })
    }

    /// Returns the caller as the store sees it.
    ///
    /// # Errors
    /// As [`Self::identity`].
    pub fn viewer(&self) -> Result<Viewer<'_>> {
        self.identity().map(Viewer::from)
    }

    /// Returns the microversion as a `(major, minor)` pair, `(2, 0)` on the legacy
    /// `/v2` API, whose body schemas differ from those of 2.1.
    pub fn version_pair(&self) -> (u32, u32) {
        if self.legacy_v2 {
            (2, 0)
        } else {
            self.microversion.parts()
        }
    }

    /// Returns how strictly body schemas treat unknown properties on this route.
    pub fn strictness(&self) -> crate::schema::Strictness {
        if self.legacy_v2 {
            crate::schema::Strictness::Legacy
        } else {
            crate::schema::Strictness::Strict
        }
    }

    /// Returns the `{flavor_id}` path parameter.
    pub fn flavor_id(&self) -> &str {
        self.path.flavor_id.as_deref().unwrap_or_default()
    }

    /// Returns the `{key}` path parameter.
    pub fn key(&self) -> &str {
        self.path.key.as_deref().unwrap_or_default()
    }

    /// Rejects a project id in the URL that is not the caller's project.
    ///
    /// # Errors
    /// Nova's 400 `Malformed request URL`.
    pub fn check_url_project(&self) -> Result<()> {
        let (Some(url_project), Some(identity)) = (&self.path.project_id, &self.identity) else {
            return Ok(());
        };
        if *url_project == identity.project_id {
            return Ok(());
        }
        Err(ApiError::BadRequest(format!(
            "Malformed request URL: URL's project_id '{url_project}' doesn't match Context's \
             project_id '{}'",
            identity.project_id
        )))
    }

    /// Returns where links of this response point. Nova inserts the caller's project
    /// id whenever that id occurs anywhere in the request URL.
    pub fn link_base(&self) -> LinkBase<'_> {
        self.link_base_with_query(self.uri.query())
    }

    /// Returns where links of this response point when the query string Nova
    /// looks at is `query`. A query schema below 2.75 strips unknown parameters
    /// before the links are built, which rewrites the query string.
    pub fn link_base_with_query(&self, query: Option<&str>) -> LinkBase<'_> {
        let root = self.root();
        let path = self.uri.path();
        let project_id = self
            .identity
            .as_ref()
            .map(|identity| identity.project_id.as_str())
            .filter(|project| {
                !project.is_empty()
                    && (root.contains(project)
                        || path.contains(project)
                        || query.is_some_and(|query| query.contains(project)))
            });
        LinkBase {
            root,
            api_version: if self.legacy_v2 { "v2" } else { "v2.1" },
            project_id,
        }
    }

    /// Returns the scheme, host and namespace prefix that links start with.
    pub fn root(&self) -> &str {
        self.root.get()
    }

    /// Returns the query parameters in order, decoded as webob decodes them.
    ///
    /// # Errors
    /// Nova's 400 when the query string is not UTF-8 once percent-decoded.
    pub fn query_params(&self) -> Result<Vec<(String, String)>> {
        match self.uri.query() {
            Some(query) => parse_query(query),
            None => Ok(Vec::new()),
        }
    }

    /// Rejects every query parameter, as the query schemas of 2.102 do on the
    /// extra-spec and flavor show routes. Below 2.102 parameters are ignored.
    ///
    /// # Errors
    /// Nova's 400 `Additional properties are not allowed`.
    pub fn reject_query_from_2_102(&self) -> Result<()> {
        if !self.microversion.at_least(2, 102) {
            return Ok(());
        }
        let params = self.query_params()?;
        if params.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = params.iter().map(|(name, _)| name.as_str()).collect();
        Err(ApiError::BadRequest(
            crate::schema::additional_properties_message(&names),
        ))
    }
}

/// Splits a query string as Python's `parse_qsl(keep_blank_values=True)` does: on
/// `&`, with `+` meaning space and percent escapes decoded as UTF-8.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>> {
    let decode = |text: &str| -> Result<String> {
        let bytes = percent_decode(&text.replace('+', " "));
        String::from_utf8(bytes)
            .map_err(|_| ApiError::BadRequest("Query string is not UTF-8 encoded".to_owned()))
    };
    let mut params = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((decode(name)?, decode(value)?));
    }
    Ok(params)
}

/// Decodes `%XX` escapes; malformed escapes stay as they are.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escape = bytes.get(index + 1..index + 3).and_then(|hex| {
            let hex = std::str::from_utf8(hex).ok()?;
            u8::from_str_radix(hex, 16).ok()
        });
        match (bytes[index], escape) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                index += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    decoded
}

/// Extractor for the [`RequestContext`]: runs the per-route steps of Nova's
/// pipeline (see [`crate::middleware::route_context`]) and rejects the request
/// with their error response.
pub struct Ctx(pub RequestContext);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, axum::response::Response> {
        crate::middleware::route_context(parts, state)
            .await
            .map(Ctx)
    }
}

/// A request body that the request log already read for the journal, left for
/// the handler so that it is read only once.
#[derive(Debug, Clone)]
pub struct CapturedBody(pub axum::body::Bytes);

/// A request body read as Nova reads it: an empty body or one without
/// `Content-Length` is JSON `null`, anything else must parse as JSON. The
/// Content-Type was already checked by the compute middleware.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBody(pub Option<Value>);

impl JsonBody {
    /// Returns the parsed body, `None` standing for Python's `None`.
    pub fn value(&self) -> Option<&Value> {
        self.0.as_ref()
    }
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = axum::response::Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;

        let (has_length, bytes) = match request.extensions().get::<CapturedBody>() {
            // The request log reads only bodies with a Content-Length, and
            // hyper delivers exactly that many bytes, so the length is the
            // body's.
            Some(CapturedBody(bytes)) => (!bytes.is_empty(), bytes.clone()),
            None => {
                let (parts, body) = request.into_parts();
                let has_length = content_length(&parts.headers).is_some_and(|length| length > 0);
                (has_length, read_body(body, &parts.headers, state).await?)
            }
        };
        // Nova reads the body only when Content-Length is present and non-zero;
        // a chunked body without it counts as no body at all.
        if !has_length {
            return Ok(Self(None));
        }
        pyjson::parse(&bytes)
            .map(|value| Self(Some(value)))
            .map_err(|_| ApiError::malformed_body().into_response())
    }
}

/// The reason a request body could not be read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyReadFailure {
    /// The body passed the size limit.
    TooLarge,
    /// The client did not send the body within the body read timeout.
    TimedOut,
    /// The body could not be read, for example broken chunked framing or a
    /// connection closed before `Content-Length` bytes arrived.
    Broken,
}

impl std::fmt::Display for BodyReadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::TooLarge => "request body larger than the limit",
            Self::TimedOut => "request body not received within the body read timeout",
            Self::Broken => "request body could not be read",
        })
    }
}

impl std::error::Error for BodyReadFailure {}

impl BodyReadFailure {
    /// Returns Nova's response to the failure: 413 past the size limit, 408 past
    /// the deadline, 400 for a body that cannot be read.
    pub fn response(self, headers: &HeaderMap) -> axum::response::Response {
        use axum::response::IntoResponse;

        match self {
            Self::TooLarge => crate::error::request_too_large(headers),
            Self::TimedOut => body_timeout_page(headers),
            Self::Broken => ApiError::malformed_body().into_response(),
        }
    }

    /// Classifies a failed body read by the errors in its source chain.
    fn of(error: &axum::Error) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(current) = source {
            if current.is::<http_body_util::LengthLimitError>() {
                return Self::TooLarge;
            }
            if current.is::<tower_http::timeout::TimeoutError>() {
                tracing::info!("request body stalled longer than the body read timeout");
                return Self::TimedOut;
            }
            if let Some(replayed) = current.downcast_ref::<Self>() {
                return *replayed;
            }
            source = current.source();
        }
        tracing::debug!(%error, "failed to read a request body");
        Self::Broken
    }
}

/// A body whose first read fails as an earlier read of the request's body
/// did. The request log reads bodies for the journal before the token and
/// route checks, and puts this back when that read fails, so that the request
/// gets the response it would get without the journal.
#[derive(Debug)]
pub struct FailedBody(Option<BodyReadFailure>);

impl FailedBody {
    /// Returns a body that fails with `failure` when read.
    pub fn new(failure: BodyReadFailure) -> Self {
        Self(Some(failure))
    }
}

impl hyper::body::Body for FailedBody {
    type Data = axum::body::Bytes;
    type Error = BodyReadFailure;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(Err))
    }
}

/// Reads a whole request body within the size limit and the body deadline,
/// which bounds the whole transfer, not just each gap between reads.
///
/// # Errors
/// The response to send instead: see [`BodyReadFailure::response`].
pub async fn read_body(
    body: axum::body::Body,
    headers: &HeaderMap,
    state: &AppState,
) -> Result<axum::body::Bytes, axum::response::Response> {
    read_body_bytes(body, state)
        .await
        .map_err(|failure| failure.response(headers))
}

/// Reads a whole request body as [`read_body`] does, and returns the failure
/// instead of a response, for callers that respond in another API's shape.
///
/// # Errors
/// The [`BodyReadFailure`].
pub async fn read_body_bytes(
    body: axum::body::Body,
    state: &AppState,
) -> std::result::Result<axum::body::Bytes, BodyReadFailure> {
    let limit = state.config.max_request_body_size;
    let deadline = std::time::Duration::from_secs(state.config.limits.body_read_timeout_seconds);
    let mut reading = std::pin::pin!(axum::body::to_bytes(body, limit));
    // A small body usually arrives with the request head, so one poll reads it
    // all; only a body still on its way needs the timer.
    let first =
        std::future::poll_fn(|context| std::task::Poll::Ready(reading.as_mut().poll(context)))
            .await;
    let read = match first {
        std::task::Poll::Ready(result) => Ok(result),
        std::task::Poll::Pending => tokio::time::timeout(deadline, reading).await,
    };
    match read {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => Err(BodyReadFailure::of(&error)),
        Err(_) => {
            tracing::info!("request body not received within the body read timeout");
            Err(BodyReadFailure::TimedOut)
        }
    }
}

fn body_timeout_page(headers: &HeaderMap) -> axum::response::Response {
    crate::error::webob_error(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        "Request Timeout",
        "The server timed out waiting for the request body.",
        headers,
    )
}

/// Tells whether Nova reads a body for this method.
pub fn method_has_body(method: &axum::http::Method) -> bool {
    matches!(*method, axum::http::Method::POST | axum::http::Method::PUT)
}

/// Returns the value of `Content-Length`, if present and numeric.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Rejects a Content-Type other than Nova's two JSON types, `text/plain` or none.
/// Parameters such as `charset` are ignored. Nova checks this on every method,
/// so a GET with `Content-Type: application/xml` gets 415 too.
///
/// # Errors
/// Nova's 415 `Unsupported Content-Type`.
pub fn check_content_type(headers: &HeaderMap) -> Result<()> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    // Clients nearly always send exactly this, which needs no decoding.
    if value.as_bytes() == b"application/json" {
        return Ok(());
    }
    let value = String::from_utf8_lossy(value.as_bytes());
    let media_type = value.split(';').next().unwrap_or_default().trim();
    match media_type {
        "" | "text/plain" | "application/json" | "application/vnd.openstack.compute+json" => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keeps_order_and_blanks() {
        let params = parse_query("b=1&a&c=x+y&d=%2F").unwrap();
        assert_eq!(
            params,
            [
                ("b".to_owned(), "1".to_owned()),
                ("a".to_owned(), String::new()),
                ("c".to_owned(), "x y".to_owned()),
                ("d".to_owned(), "/".to_owned()),
            ]
        );
    }

    #[test]
    fn query_rejects_invalid_utf8() {
        let error = parse_query("a=%FF").unwrap_err();
        assert_eq!(error.to_string(), "Query string is not UTF-8 encoded");
    }

    #[test]
    fn percent_decode_keeps_bad_escapes() {
        assert_eq!(percent_decode("a%2"), b"a%2");
        assert_eq!(percent_decode("a%zz"), b"a%zz");
        assert_eq!(percent_decode("a%20b"), b"a b");
    }

    #[test]
    fn content_type_accepts_json_with_charset() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/json; charset=UTF-8".parse().unwrap(),
        );
        assert!(check_content_type(&headers).is_ok());
    }

    #[test]
    fn content_type_rejects_form() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        assert_eq!(
            check_content_type(&headers),
            Err(ApiError::UnsupportedMediaType)
        );
    }
}
