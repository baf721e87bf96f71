//! What the application tells the client about logging in: [`OAuthConfig`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::assertion::JwtCredentials;
use super::store::{MemoryTokenStore, TokenStore};

/// What the user-facing step returns: the URL the authorization server redirected the user
/// back to (with `code`, `state` and maybe `iss` in its query), or why there is none.
pub type AuthorizeFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;

pub(super) type AuthorizeFn = Arc<dyn Fn(String) -> AuthorizeFuture + Send + Sync>;

/// How the client authenticates at the token endpoint (RFC 6749 §2.3, RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAuthMethod {
    /// A public client: only `client_id` in the request body.
    None,
    /// HTTP Basic with the client id and secret.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the request body.
    ClientSecretPost,
    /// A JWT signed with the client's private key (RFC 7523 §2.2).
    PrivateKeyJwt,
}

impl TokenAuthMethod {
    /// The method's registered name (`none`, `client_secret_basic`, `client_secret_post`).
    pub fn name(self) -> &'static str {
        match self {
            TokenAuthMethod::None => "none",
            TokenAuthMethod::ClientSecretBasic => "client_secret_basic",
            TokenAuthMethod::ClientSecretPost => "client_secret_post",
            TokenAuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// The method of a registered name; `None` for a name this client does not know.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(TokenAuthMethod::None),
            "client_secret_basic" => Some(TokenAuthMethod::ClientSecretBasic),
            "client_secret_post" => Some(TokenAuthMethod::ClientSecretPost),
            "private_key_jwt" => Some(TokenAuthMethod::PrivateKeyJwt),
            _ => None,
        }
    }
}

/// Client credentials registered ahead of time with an authorization server.
#[derive(Clone)]
pub struct ClientSecret {
    /// The client id.
    pub client_id: String,
    /// The client secret (`None` for a public client).
    pub client_secret: Option<String>,
    /// The issuer these credentials belong to; `None`: any (the client talks to one server).
    pub issuer: Option<String>,
}

impl std::fmt::Debug for ClientSecret {
    /// Redacted: secrets never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSecret")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("issuer", &self.issuer)
            .finish()
    }
}

/// How the client logs in to a protected server: given to
/// [`ClientBuilder::oauth`](crate::client::ClientBuilder::oauth).
///
/// ```no_run
/// use toolsmith::client::auth::OAuthConfig;
///
/// let oauth = OAuthConfig::new("http://127.0.0.1:8765/callback", |url: String| async move {
///     // Open `url` in the user's browser, then wait for the authorization server to redirect
///     // the browser to the callback (a local listener on 127.0.0.1:8765) and return the full
///     // URL it was called with.
///     println!("open {url}");
///     Err::<String, String>("no browser here".into())
/// })
/// .client_name("my-app");
/// ```
#[derive(Clone)]
pub struct OAuthConfig {
    pub(super) redirect_uri: String,
    pub(super) authorize: AuthorizeFn,
    pub(super) client_name: String,
    pub(super) metadata_url: Option<String>,
    pub(super) pre_registered: Vec<ClientSecret>,
    pub(super) client_credentials: Option<ClientSecret>,
    pub(super) jwt_credentials: Option<JwtCredentials>,
    pub(super) store: Arc<dyn TokenStore>,
    pub(super) offline_access: bool,
    pub(super) scopes: Option<Vec<String>>,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("redirect_uri", &self.redirect_uri)
            .field("client_name", &self.client_name)
            .field("metadata_url", &self.metadata_url)
            .field("pre_registered", &self.pre_registered)
            .field("client_credentials", &self.client_credentials)
            .field("jwt_credentials", &self.jwt_credentials)
            .field("offline_access", &self.offline_access)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl OAuthConfig {
    /// Log in with the authorization code flow: `authorize` gets the authorization URL to show
    /// the user and returns the URL the authorization server redirected back to, at
    /// `redirect_uri` (registered with the authorization server). In a desktop app that is a
    /// browser and a listener on a loopback port; the conformance client follows the redirect
    /// itself.
    pub fn new<F, Fut>(redirect_uri: impl Into<String>, authorize: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        OAuthConfig {
            redirect_uri: redirect_uri.into(),
            authorize: Arc::new(move |url| Box::pin(authorize(url))),
            client_name: "toolsmith-client".into(),
            metadata_url: None,
            pre_registered: Vec::new(),
            client_credentials: None,
            jwt_credentials: None,
            store: Arc::new(MemoryTokenStore::new()),
            offline_access: true,
            scopes: None,
        }
    }

    /// The `client_name` sent with Dynamic Client Registration (default `toolsmith-client`).
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = name.into();
        self
    }

    /// The HTTPS URL of this client's Client ID Metadata Document, used as its `client_id` at
    /// authorization servers that advertise `client_id_metadata_document_supported` (none by
    /// default: such servers then get Dynamic Client Registration).
    pub fn client_metadata_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_url = Some(url.into());
        self
    }

    /// Credentials registered ahead of time: used at the authorization server whose issuer is
    /// `issuer` (any, with `None`) instead of registering. With a secret, the client uses
    /// `client_secret_basic` unless the server supports only `client_secret_post`.
    pub fn pre_registered(
        mut self,
        client_id: impl Into<String>,
        client_secret: Option<String>,
        issuer: Option<String>,
    ) -> Self {
        self.pre_registered.push(ClientSecret {
            client_id: client_id.into(),
            client_secret,
            issuer,
        });
        self
    }

    /// Log in without a user: the client credentials grant with this client id and secret
    /// (`client_secret_basic`, or `client_secret_post` where that is all the server supports)
    /// instead of the authorization code flow.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.client_credentials = Some(ClientSecret {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            issuer: None,
        });
        self
    }

    /// Log in without a user: the client credentials grant, authenticated with a JWT this
    /// client signs (`private_key_jwt`, RFC 7523) with `private_key_pem` (PKCS#8 PEM) and
    /// `algorithm` (`ES256`, `ES384`, `RS256`..`PS512`, `EdDSA`). A key that cannot be read
    /// fails the login with a clear error.
    pub fn client_credentials_jwt(
        mut self,
        client_id: impl Into<String>,
        private_key_pem: impl Into<String>,
        algorithm: impl Into<String>,
    ) -> Self {
        self.jwt_credentials = Some(JwtCredentials {
            client_id: client_id.into(),
            key_pem: private_key_pem.into(),
            algorithm: algorithm.into(),
        });
        self
    }

    /// True when the client logs in with the client credentials grant.
    pub(super) fn machine(&self) -> bool {
        self.client_credentials.is_some() || self.jwt_credentials.is_some()
    }

    /// Keep tokens in `store` (default: a [`MemoryTokenStore`]).
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Ask for these scopes when logging in, instead of the challenge's or the resource's
    /// `scopes_supported` (a step-up on `403 insufficient_scope` still adds what the server
    /// asks for).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Whether to ask for `offline_access` (a refresh token) where the authorization server
    /// lists it in `scopes_supported` (default `true`).
    pub fn offline_access(mut self, ask: bool) -> Self {
        self.offline_access = ask;
        self
    }
}
