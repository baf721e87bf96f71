//! Bearer-token authentication as a tower layer: `Authorization: Bearer <token>` compared in
//! constant time (a [`StaticToken`]); anything else gets `401` with `WWW-Authenticate: Bearer`.

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use http::{header, HeaderValue, Request, StatusCode};
use tower::{Layer, Service};

use crate::auth::{AuthInfo, StaticToken};

/// Requires `Authorization: Bearer <token>` on every request of the wrapped service. The
/// caller it lets through is the [`StaticToken`]'s (subject `bearer`, no scopes, unless built
/// with [`BearerAuth::with_token`]), as handlers see with [`Context::auth`](crate::Context::auth).
///
/// ```no_run
/// # fn f(router: axum::Router) -> axum::Router {
/// router.layer(toolsmith::BearerAuth::new("s3cret"))
/// # }
/// ```
#[derive(Clone)]
pub struct BearerAuth {
    token: Arc<StaticToken>,
    caller: Arc<AuthInfo>,
    realm: Arc<str>,
}

impl BearerAuth {
    /// Accept requests carrying `token`.
    pub fn new(token: impl AsRef<[u8]>) -> Self {
        Self::with_token(StaticToken::new(token))
    }

    /// Accept requests carrying `token`'s token, as its caller.
    pub fn with_token(token: StaticToken) -> Self {
        let caller = Arc::new(token.caller().clone());
        BearerAuth {
            token: Arc::new(token),
            caller,
            realm: Arc::from("mcp"),
        }
    }

    /// The realm named in `WWW-Authenticate` (default `mcp`).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Arc::from(realm.into());
        self
    }

    fn allows(&self, value: Option<&HeaderValue>) -> bool {
        let Some(token) = value.and_then(|v| v.to_str().ok()).and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        }) else {
            return false;
        };
        self.token.matches(token.trim().as_bytes())
    }

    fn refusal(&self, had_credentials: bool) -> Response {
        let challenge = if had_credentials {
            format!("Bearer realm=\"{}\", error=\"invalid_token\"", self.realm)
        } else {
            format!("Bearer realm=\"{}\"", self.realm)
        };
        let body = r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"unauthorized: a valid bearer token is required"}}"#;
        (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, challenge),
                (header::CONTENT_TYPE, "application/json".to_owned()),
            ],
            body,
        )
            .into_response()
    }
}

impl std::fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerAuth")
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for BearerAuth {
    type Service = BearerAuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerAuthService {
            auth: self.clone(),
            inner,
        }
    }
}

/// The service [`BearerAuth`] wraps around another.
#[derive(Clone)]
pub struct BearerAuthService<S> {
    auth: BearerAuth,
    inner: S,
}

impl<S, B> Service<Request<B>> for BearerAuthService<S>
where
    S: Service<Request<B>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let value = req.headers().get(header::AUTHORIZATION);
        if self.auth.allows(value) {
            req.extensions_mut().insert(Arc::clone(&self.auth.caller));
            // Call the instance that was polled ready; leave a fresh clone in its place.
            let clone = self.inner.clone();
            let mut ready = std::mem::replace(&mut self.inner, clone);
            Box::pin(async move { ready.call(req).await })
        } else {
            let refusal = self.auth.refusal(value.is_some());
            Box::pin(async move { Ok(refusal) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_the_token() {
        let a = BearerAuth::new("s3cret");
        assert!(a.allows(Some(&HeaderValue::from_static("Bearer s3cret"))));
        assert!(!a.allows(Some(&HeaderValue::from_static("Bearer s3crex"))));
        assert!(!a.allows(Some(&HeaderValue::from_static("Basic s3cret"))));
        assert!(!a.allows(Some(&HeaderValue::from_static("Bearer "))));
        assert!(!a.allows(None));
    }
}
