//! The real authorization server of the tests: `oidc-provider` (installed by
//! `.ci/setup-oidc.sh` on first use) running tests/oidc/provider.mjs on a free loopback port.
//! See that script for its clients and resources.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use toolsmith_tests::interop::workspace_root;

/// The client the tests get tokens as (client_credentials).
pub const CLIENT: (&str, &str) = ("mcp-client", "client-secret");
/// A client whose tokens live 1 s.
pub const SHORT_LIVED: (&str, &str) = ("short-lived", "short-secret");
/// The resource server's own client, for token introspection.
pub const RESOURCE_SERVER: (&str, &str) = ("mcp-server", "server-secret");

/// The node binary to run the provider with, after installing it (once per test binary).
fn node() -> &'static PathBuf {
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    NODE.get_or_init(|| {
        let root = workspace_root();
        let out = std::process::Command::new("bash")
            .arg(root.join(".ci/setup-oidc.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("bash runs .ci/setup-oidc.sh");
        assert!(
            out.status.success(),
            "`bash .ci/setup-oidc.sh` failed (it installs oidc-provider from the npm registry)"
        );
        let text = String::from_utf8(out.stdout).unwrap();
        PathBuf::from(
            text.lines()
                .last()
                .expect("setup-oidc.sh prints node")
                .trim(),
        )
    })
}

/// One running authorization server; killed when dropped.
pub struct AuthServer {
    pub issuer: String,
    http: reqwest::Client,
    _child: tokio::process::Child,
}

impl AuthServer {
    /// Start a provider on a free loopback port.
    pub async fn start() -> Self {
        let root = workspace_root();
        let node = node().clone();
        let mut child = tokio::process::Command::new(node)
            .arg(root.join("tests/oidc/provider.mjs"))
            .arg(root.join(".ci/cache/oidc/node_modules/oidc-provider"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(stdout).read_line(&mut line),
        )
        .await
        .expect("the provider prints its issuer within 30 s")
        .unwrap();
        let issuer = serde_json::from_str::<Value>(&line)
            .unwrap_or_else(|e| panic!("the provider printed {line:?}: {e}"))["issuer"]
            .as_str()
            .unwrap()
            .to_owned();
        AuthServer {
            issuer,
            http: reqwest::Client::new(),
            _child: child,
        }
    }

    /// The answer of the token endpoint to a client_credentials grant.
    pub async fn token_response(&self, client: (&str, &str), scope: &str, resource: &str) -> Value {
        let mut form = vec![("grant_type", "client_credentials"), ("resource", resource)];
        if !scope.is_empty() {
            form.push(("scope", scope));
        }
        let r = self
            .http
            .post(format!("{}/token", self.issuer))
            .basic_auth(client.0, Some(client.1))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert!(status.is_success(), "token endpoint: {status} {body}");
        body
    }

    /// An access token for `resource` with `scope` (space-separated; "" for none).
    pub async fn token(&self, client: (&str, &str), scope: &str, resource: &str) -> String {
        self.token_response(client, scope, resource).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Make the provider sign with a new key (the old one stays published).
    pub async fn rotate(&self) {
        let r = self
            .http
            .post(format!("{}/__rotate", self.issuer))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    /// The provider's JWK set as it publishes it.
    pub async fn jwks(&self) -> Value {
        self.http
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// The JSON of a JWT's header (part 0) or claims (part 1).
pub fn jwt_part(token: &str, part: usize) -> Value {
    let b64 = token.split('.').nth(part).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// `token` with its header replaced by `header` (the signature no longer matches it).
pub fn with_header(token: &str, header: &Value) -> String {
    let rest = token.split_once('.').unwrap().1;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(header.to_string());
    format!("{b64}.{rest}")
}
