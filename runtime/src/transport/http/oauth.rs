//! The OAuth 2.1 resource server of the HTTP transport: [`ResourceServer`] checks each
//! request's bearer token with a [`TokenVerifier`], serves the Protected Resource Metadata
//! (RFC 9728) at its well-known locations, and answers `401`/`403` with the
//! `WWW-Authenticate` challenges MCP clients follow (discovery, step-up).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::{header, HeaderMap, StatusCode, Uri};

use super::credentials::{bearer_token, challenge_header, BadCredentials};
use serde_json::{json, Value};

use crate::auth::{AuthInfo, TokenVerifier, VerifyError, INSUFFICIENT_SCOPE};
use crate::jsonrpc::{codes, ErrorObject, Message};
use crate::Error;

/// The well-known path of Protected Resource Metadata (RFC 9728 §3).
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// Protects the MCP endpoint as an OAuth 2.1 resource server; given to
/// [`HttpConfig::oauth`](crate::HttpConfig::oauth).
///
/// Every request to the endpoint must carry `Authorization: Bearer <token>`, checked by the
/// [`TokenVerifier`]; the caller it establishes is what handlers see with
/// [`Context::auth`](crate::Context::auth). Without a token, or with one the verifier refuses,
/// the answer is `401` with `WWW-Authenticate: Bearer resource_metadata="…"`, pointing at the
/// Protected Resource Metadata served (without authentication) at
/// `/.well-known/oauth-protected-resource` followed by the endpoint's path, and at the bare
/// well-known path. A call to a handler whose scopes the token lacks is answered `403` with
/// `error="insufficient_scope"` and the scopes needed.
///
/// ```no_run
/// # async fn f(
/// #     server: toolsmith::Server,
/// #     verifier: impl toolsmith::auth::TokenVerifier,
/// # ) -> Result<(), Box<dyn std::error::Error>> {
/// use toolsmith::{HttpConfig, ResourceServer};
///
/// // With the `auth` feature: `JwtVerifier::new("https://auth.example.com", resource)`.
/// let resource = "https://mcp.example.com/mcp";
/// let oauth = ResourceServer::new(resource, verifier)?
///     .authorization_server("https://auth.example.com")
///     .scopes_supported(["files:read", "files:write"]);
/// server.serve_http_with("0.0.0.0:8080", HttpConfig::default().oauth(oauth)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ResourceServer {
    resource: String,
    /// Where the metadata of `resource` is (from the resource's own URL).
    metadata_url: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
    required_scopes: Vec<String>,
    resource_name: Option<String>,
    verifier: Arc<dyn TokenVerifier>,
    verify_timeout: Duration,
    max_token_bytes: usize,
}

impl ResourceServer {
    /// Protect the resource `resource` (its identifier, RFC 8707: the absolute `http(s)` URL
    /// clients use for the MCP endpoint, e.g. `https://mcp.example.com/mcp`) with `verifier`.
    /// Fails when `resource` is not such a URL (or has a fragment).
    pub fn new(resource: impl Into<String>, verifier: impl TokenVerifier) -> Result<Self, Error> {
        let resource = resource.into();
        let metadata_url = metadata_url(&resource)?;
        Ok(ResourceServer {
            resource,
            metadata_url,
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            required_scopes: Vec::new(),
            resource_name: None,
            verifier: Arc::new(verifier),
            verify_timeout: Duration::from_secs(10),
            max_token_bytes: 8 * 1024,
        })
    }

    /// Name an authorization server (its issuer URL) in the metadata's
    /// `authorization_servers`, where clients go for tokens. Call once per server.
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// The metadata's `scopes_supported` (default none listed).
    pub fn scopes_supported<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Scopes every request must carry, whatever it calls (default none); named in the `401`
    /// challenge's `scope` so clients ask for them.
    pub fn required_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.required_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The metadata's human-readable `resource_name` (default none).
    pub fn resource_name(mut self, name: impl Into<String>) -> Self {
        self.resource_name = Some(name.into());
        self
    }

    /// How long one token's verification may take (fetching keys, introspecting) before the
    /// request is answered `503` (default 10 s).
    pub fn verify_timeout(mut self, timeout: Duration) -> Self {
        self.verify_timeout = timeout;
        self
    }

    /// The longest token accepted, in bytes; a longer one is refused with `400` before any
    /// verification (default 8 KiB).
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// The URL of this resource's Protected Resource Metadata, as `401` challenges name it.
    pub fn metadata_url(&self) -> &str {
        &self.metadata_url
    }

    /// The Protected Resource Metadata document (RFC 9728 §2).
    fn metadata(&self) -> Value {
        let mut doc = json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "bearer_methods_supported": ["header"],
        });
        if !self.scopes_supported.is_empty() {
            doc["scopes_supported"] = json!(self.scopes_supported);
        }
        if let Some(name) = &self.resource_name {
            doc["resource_name"] = json!(name);
        }
        doc
    }

    /// The caller of a request with `headers`, or the refusal to send.
    async fn authenticate(&self, headers: &HeaderMap) -> Result<AuthInfo, Response> {
        let token = match bearer_token(headers, self.max_token_bytes) {
            Ok(t) => t,
            Err(BadCredentials::Missing) => {
                return Err(self.challenge(StatusCode::UNAUTHORIZED, None, None, &[]));
            }
            Err(BadCredentials::Malformed(why)) => {
                tracing::debug!(reason = why, "malformed Authorization header");
                return Err(self.challenge(
                    StatusCode::BAD_REQUEST,
                    Some("invalid_request"),
                    Some(why),
                    &[],
                ));
            }
        };
        let verified = tokio::time::timeout(self.verify_timeout, self.verifier.verify(token)).await;
        let info = match verified {
            Ok(Ok(info)) => info,
            Ok(Err(VerifyError::Invalid(why))) => {
                tracing::debug!(reason = %why, "bearer token refused");
                return Err(self.challenge(
                    StatusCode::UNAUTHORIZED,
                    Some("invalid_token"),
                    Some(&why),
                    &[],
                ));
            }
            Ok(Err(VerifyError::Unavailable(why))) => {
                tracing::warn!(reason = %why, "bearer token could not be verified");
                return Err(unavailable(&why));
            }
            Err(_) => {
                let why = format!(
                    "verification took longer than {} ms",
                    self.verify_timeout.as_millis()
                );
                tracing::warn!(reason = %why, "bearer token could not be verified");
                return Err(unavailable(&why));
            }
        };
        let missing = info.missing_scopes(&self.required_scopes);
        if !missing.is_empty() {
            let why = format!("the token lacks the scopes {missing:?}");
            return Err(self.challenge(
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                Some(&why),
                &[],
            ));
        }
        Ok(info)
    }

    /// A refusal with its `WWW-Authenticate` challenge; `scopes` are added to the required ones
    /// in its `scope`.
    fn challenge(
        &self,
        status: StatusCode,
        error: Option<&str>,
        description: Option<&str>,
        scopes: &[String],
    ) -> Response {
        let mut scope: Vec<&str> = self.required_scopes.iter().map(String::as_str).collect();
        scope.extend(
            scopes
                .iter()
                .map(String::as_str)
                .filter(|s| !self.required_scopes.iter().any(|r| r == s)),
        );
        let header = challenge_header(error, description, &scope, Some(&self.metadata_url));
        let message = match (status, description) {
            (StatusCode::UNAUTHORIZED, None) => {
                "unauthorized: a bearer token is required".to_owned()
            }
            (StatusCode::UNAUTHORIZED, Some(d)) => format!("unauthorized: {d}"),
            (StatusCode::FORBIDDEN, d) => {
                format!("forbidden: {}", d.unwrap_or("insufficient scope"))
            }
            (_, d) => format!("bad request: {}", d.unwrap_or("malformed credentials")),
        };
        let body =
            Message::error(None, ErrorObject::new(codes::INVALID_REQUEST, message)).to_json();
        (
            status,
            [
                (header::WWW_AUTHENTICATE, header),
                (header::CONTENT_TYPE, "application/json".to_owned()),
            ],
            body,
        )
            .into_response()
    }

    /// Wrap `endpoint` (the MCP route) so that every request is authenticated, and add the
    /// metadata routes (unauthenticated) for the endpoint at `path`.
    pub(crate) fn protect(self, endpoint: Router, path: &str) -> Router {
        let metadata =
            Arc::new(serde_json::to_string(&self.metadata()).unwrap_or_else(|_| "{}".to_owned()));
        let mut paths = vec![WELL_KNOWN.to_owned()];
        for suffix in [path, resource_path(&self.resource)] {
            let p = format!("{WELL_KNOWN}{}", suffix.trim_end_matches('/'));
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
        let state = Arc::new(self);
        let mut router = endpoint.layer(axum::middleware::from_fn_with_state(state, require_token));
        for p in paths {
            let doc = Arc::clone(&metadata);
            router = router.route(
                &p,
                get(move || async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                            (header::CACHE_CONTROL, "max-age=3600"),
                        ],
                        doc.as_str().to_owned(),
                    )
                }),
            );
        }
        router
    }
}

impl fmt::Debug for ResourceServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceServer")
            .field("resource", &self.resource)
            .field("authorization_servers", &self.authorization_servers)
            .field("required_scopes", &self.required_scopes)
            .finish_non_exhaustive()
    }
}

/// The middleware: authenticate, then hand the caller to the endpoint as an extension.
async fn require_token(
    State(rs): State<Arc<ResourceServer>>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    match rs.authenticate(req.headers()).await {
        Ok(info) => {
            req.extensions_mut().insert(Arc::new(info));
            next.run(req).await
        }
        Err(refusal) => refusal,
    }
}

fn unavailable(why: &str) -> Response {
    let body = Message::error(
        None,
        ErrorObject::new(
            codes::INTERNAL_ERROR,
            format!("service unavailable: the bearer token could not be verified ({why})"),
        ),
    )
    .to_json();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::RETRY_AFTER, "5"),
        ],
        body,
    )
        .into_response()
}

/// The `403 insufficient_scope` answer to a call the dispatcher refused for lacking scopes
/// (its response `frame` has error code [`INSUFFICIENT_SCOPE`]), or `None` for any other frame.
pub(crate) fn step_up(frame: &str, oauth: Option<&ResourceServer>) -> Option<Response> {
    if !frame.contains(&INSUFFICIENT_SCOPE.to_string()) {
        return None;
    }
    let value: Value = serde_json::from_str(frame).ok()?;
    let error = &value["error"];
    if error["code"].as_i64() != Some(INSUFFICIENT_SCOPE) {
        return None;
    }
    let needed: Vec<String> = error["data"]["requiredScopes"]
        .as_array()?
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let description = error["message"].as_str();
    let header = match oauth {
        Some(rs) => {
            let mut scope: Vec<&str> = rs.required_scopes.iter().map(String::as_str).collect();
            for s in &needed {
                if !scope.contains(&s.as_str()) {
                    scope.push(s);
                }
            }
            challenge_header(
                Some("insufficient_scope"),
                description,
                &scope,
                Some(&rs.metadata_url),
            )
        }
        None => {
            let scope: Vec<&str> = needed.iter().map(String::as_str).collect();
            challenge_header(Some("insufficient_scope"), description, &scope, None)
        }
    };
    Some(
        (
            StatusCode::FORBIDDEN,
            [
                (header::WWW_AUTHENTICATE, header),
                (header::CONTENT_TYPE, "application/json".to_owned()),
            ],
            frame.to_owned(),
        )
            .into_response(),
    )
}

/// The path of the resource identifier `resource` ("" for none).
fn resource_path(resource: &str) -> &str {
    let after_scheme = resource
        .split_once("://")
        .map_or(resource, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("")
}

/// The metadata URL of `resource`: its origin, the well-known path, then its path (RFC 9728 §3.1).
fn metadata_url(resource: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::Config(format!("OAuth resource `{resource}` {why}"));
    let uri: Uri = resource.parse().map_err(|_| bad("is not a URL"))?;
    let scheme = uri
        .scheme_str()
        .ok_or_else(|| bad("is not an absolute URL"))?;
    if scheme != "https" && scheme != "http" {
        return Err(bad("must be an http or https URL"));
    }
    let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
    if resource.contains('#') {
        return Err(bad("must not have a fragment (RFC 8707)"));
    }
    let path = uri.path().trim_end_matches('/');
    Ok(format!("{scheme}://{authority}{WELL_KNOWN}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metadata_url_follows_the_resource() {
        assert_eq!(
            metadata_url("https://mcp.example.com/mcp").unwrap(),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            metadata_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/.well-known/oauth-protected-resource"
        );
        assert!(metadata_url("mcp.example.com/mcp").is_err());
        assert!(metadata_url("ftp://x/y").is_err());
        assert!(metadata_url("https://x/y#f").is_err());
        assert_eq!(resource_path("https://x:1/a/b?q"), "/a/b");
        assert_eq!(resource_path("https://x"), "");
    }
}
