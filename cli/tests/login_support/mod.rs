//! What the login test runs against: a real authorization server (`oidc-provider`, installed
//! by `.ci/setup-oidc.sh`, running tests/oidc/provider.mjs, which approves the user's step at
//! once), `examples/oauth_server.rs` protected by it, and a headless "browser" that follows the
//! authorization URL the CLI prints to the CLI's loopback callback.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::Url;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{example, workspace};

/// The environment variable under which a missing prerequisite fails instead of skipping.
const REQUIRE_ENV: &str = "TOOLSMITH_REQUIRE_INTEROP";

/// The node binary to run the provider with, after installing `oidc-provider`; `None` (after
/// saying why) when it cannot be installed here and the test should be skipped.
pub fn node(test: &str) -> Option<String> {
    let out = Command::new("bash")
        .arg(workspace().join(".ci/setup-oidc.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run bash");
    let text = String::from_utf8_lossy(&out.stdout);
    match text.lines().last().filter(|_| out.status.success()) {
        Some(node) => Some(node.trim().to_owned()),
        None => {
            let why = "oidc-provider could not be installed (`bash .ci/setup-oidc.sh` needs node \
                       >= 20.19, npm and the npm registry)";
            let required = std::env::var_os(REQUIRE_ENV).is_some_and(|v| !v.is_empty() && v != "0");
            assert!(!required, "{test}: {why} ({REQUIRE_ENV} is set)");
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

/// The authorization server; killed on drop.
pub struct Provider {
    _child: tokio::process::Child,
    /// Its issuer identifier (`http://127.0.0.1:PORT`).
    pub issuer: String,
}

impl Provider {
    /// Start tests/oidc/provider.mjs with `node` on a free port.
    pub async fn start(node: &str) -> Provider {
        let root = workspace();
        let mut child = tokio::process::Command::new(node)
            .arg(root.join("tests/oidc/provider.mjs"))
            .arg(root.join(".ci/cache/oidc/node_modules/oidc-provider"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let mut line = String::new();
        tokio::time::timeout(
            Duration::from_secs(30),
            BufReader::new(child.stdout.take().unwrap()).read_line(&mut line),
        )
        .await
        .expect("the provider prints its issuer within 30 s")
        .unwrap();
        let printed: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the provider printed {line:?}: {e}"));
        Provider {
            issuer: printed["issuer"].as_str().expect("an issuer").to_owned(),
            _child: child,
        }
    }
}

/// `examples/oauth_server.rs` trusting `issuer`; killed on drop.
pub struct NotesServer {
    child: Child,
    /// Its MCP endpoint.
    pub url: String,
}

impl NotesServer {
    /// Start it on a free port and wait until it accepts connections.
    pub fn start(issuer: &str) -> NotesServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let url = format!("http://{addr}/mcp");
        let mut child = Command::new(example("oauth_server"))
            .args(["--issuer", issuer, "--resource", &url])
            .args(["--addr", &addr.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start oauth_server");
        let deadline = Instant::now() + Duration::from_secs(20);
        // The server gives no other sign that it listens: try to connect until it does.
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("oauth_server exited with {status} before listening on {addr}");
            }
            assert!(Instant::now() < deadline, "oauth_server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        NotesServer { child, url }
    }
}

impl Drop for NotesServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A user with a browser: GET `url`, keep the cookies, follow each redirect, until a page that
/// does not redirect. Returns that page's URL and status (the CLI's callback: `200`).
pub async fn browse(url: &str) -> (Url, u16) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut cookies: BTreeMap<String, String> = BTreeMap::new();
    let mut at = Url::parse(url).expect("the printed URL is a URL");
    for _ in 0..20 {
        let jar: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let response = http
            .get(at.clone())
            .header(COOKIE, jar.join("; "))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {at}: {e}"));
        for set in response.headers().get_all(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                cookies.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        let status = response.status();
        if !status.is_redirection() {
            return (at, status.as_u16());
        }
        let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
        at = at.join(&location).unwrap();
    }
    panic!("more than 20 redirects from {url}");
}
