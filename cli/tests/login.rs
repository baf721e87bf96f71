//! Logging in to an OAuth-protected server (`examples/oauth_server.rs` behind a real
//! `oidc-provider`): the CLI prints the authorization URL, a headless browser follows it back to
//! the CLI's loopback listener, the call succeeds; later runs use the kept token (refreshed when
//! it expires) without logging in; `--no-login` without a token exits 3; `logout` forgets the
//! token; no token is ever printed.

mod common;
mod login_support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use login_support::{browse, node, NotesServer, Provider};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// What the CLI prints before the authorization URL.
const PROMPT: &str = "open this URL in a browser: ";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Whether the CLI asked the user to log in (and the browser did).
    logged_in: bool,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Run `toolsmith ARGS`; when it prints an authorization URL, follow it as a browser would.
async fn toolsmith(args: &[&str]) -> Run {
    toolsmith_with_user(args, Some(Duration::ZERO)).await
}

/// [`toolsmith`], with a user who takes `slow` before following the URL (`None`: who never
/// does).
async fn toolsmith_with_user(args: &[&str], slow: Option<Duration>) -> Run {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_toolsmith"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start toolsmith");
    let mut stdout = child.stdout.take().unwrap();
    let reading = tokio::spawn(async move {
        let mut out = String::new();
        stdout.read_to_string(&mut out).await.unwrap();
        out
    });
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    let mut logged_in = false;
    while let Some(line) = lines.next_line().await.unwrap() {
        if let (Some(url), Some(slow)) = (line.strip_prefix(PROMPT), slow) {
            tokio::time::sleep(slow).await;
            // Browsers open connections ahead and leave some idle: one to the callback must
            // not hold up the redirect.
            let _idle = tokio::net::TcpStream::connect(callback_address(url))
                .await
                .unwrap();
            let (page, status) = browse(url).await;
            assert_eq!((page.path(), status), ("/callback", 200), "{page}");
            logged_in = true;
        }
        stderr.push_str(&line);
        stderr.push('\n');
    }
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .expect("toolsmith ends within 60 s")
        .unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout: reading.await.unwrap(),
        stderr,
        logged_in,
    }
}

/// The address of the CLI's callback listener: the `redirect_uri` of the authorization URL.
fn callback_address(authorization: &str) -> String {
    let url = reqwest::Url::parse(authorization).unwrap();
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| reqwest::Url::parse(&v).unwrap())
        .expect("the authorization URL has a redirect_uri");
    format!(
        "{}:{}",
        redirect.host_str().unwrap(),
        redirect.port().unwrap()
    )
}

/// The stored tokens of `url` in the token store at `path`.
fn stored(path: &Path, url: &str) -> Value {
    let file: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    file["tokens"][url].clone()
}

/// Every token the store has ever held must stay out of what the CLI printed.
fn assert_no_token(run: &Run, seen: &[String]) {
    for token in seen {
        assert!(
            !run.stdout.contains(token.as_str()) && !run.stderr.contains(token.as_str()),
            "a token was printed:\n{run:?}"
        );
    }
}

fn tokens_of(entry: &Value) -> Vec<String> {
    ["access_token", "refresh_token"]
        .iter()
        .filter_map(|k| entry[k].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_logs_in_once_then_uses_and_refreshes_the_kept_token() {
    let Some(node) = tokio::task::spawn_blocking(|| node("login")).await.unwrap() else {
        return;
    };
    let provider = Provider::start(&node).await;
    let issuer = provider.issuer.clone();
    let server = tokio::task::spawn_blocking(move || NotesServer::start(&issuer))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("credentials.json");
    let store_arg = store.to_str().unwrap();
    let url = server.url.as_str();

    // Nothing kept yet: --no-login fails clearly instead of logging in.
    let refused = toolsmith(&[
        "call",
        "whoami",
        "--url",
        url,
        "--token-store",
        store_arg,
        "--no-login",
    ])
    .await;
    assert_eq!(refused.code, 3, "{refused:?}");
    assert!(!refused.logged_in, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("needs a login and --no-login was given"),
        "{refused:?}"
    );

    // The first call logs in through the browser, with a user slower than the runtime's 10 s
    // era probe: the login is not cut short.
    let first = toolsmith_with_user(
        &["call", "whoami", "--url", url, "--token-store", store_arg],
        Some(Duration::from_secs(11)),
    )
    .await;
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.logged_in, "{first:?}");
    assert!(
        first.stdout.starts_with("cli-user with scopes"),
        "{first:?}"
    );
    let kept = stored(&store, url);
    assert!(kept["access_token"].is_string(), "no access token kept");
    let mut seen = tokens_of(&kept);
    assert_no_token(&first, &seen);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // The next command uses the kept token: no login (--no-login would fail it), JSON output
    // without the token either.
    let second = toolsmith(&[
        "call",
        "add_note",
        "text=milk",
        "--url",
        url,
        "--token-store",
        store_arg,
        "--no-login",
        "--json",
    ])
    .await;
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        !second.logged_in && !second.stderr.contains(PROMPT),
        "{second:?}"
    );
    assert!(second.stdout.contains("1 notes in `main`"), "{second:?}");
    assert_no_token(&second, &seen);
    assert!(
        stored(&store, url)["access_token"] == kept["access_token"],
        "the kept token was replaced"
    );

    // An expired token is refreshed with the kept refresh token and registration, not logged
    // in again.
    assert!(
        kept["refresh_token"].is_string(),
        "no refresh token kept (scope {})",
        kept["scope"]
    );
    let mut file: Value = serde_json::from_slice(&std::fs::read(&store).unwrap()).unwrap();
    file["tokens"][url]["expires_at"] = Value::from(1);
    std::fs::write(&store, serde_json::to_vec(&file).unwrap()).unwrap();
    let third = toolsmith(&[
        "call",
        "list_notes",
        "--url",
        url,
        "--token-store",
        store_arg,
        "--no-login",
    ])
    .await;
    assert_eq!(third.code, 0, "{third:?}");
    assert!(third.stdout.contains("milk"), "{third:?}");
    let refreshed = stored(&store, url);
    assert!(
        refreshed["access_token"] != kept["access_token"],
        "the expired token was not refreshed"
    );
    assert!(
        refreshed["expires_at"].as_u64() > Some(1),
        "{}",
        refreshed["expires_at"]
    );
    seen.extend(tokens_of(&refreshed));
    assert_no_token(&third, &seen);

    // logout forgets it: --no-login fails again.
    let out = toolsmith(&["logout", "--url", url, "--token-store", store_arg]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(stored(&store, url).is_null());
    let again = toolsmith(&[
        "call",
        "whoami",
        "--url",
        url,
        "--token-store",
        store_arg,
        "--no-login",
    ])
    .await;
    assert_eq!(again.code, 3, "{again:?}");
    assert_no_token(&again, &seen);
}

#[tokio::test]
async fn login_options_are_for_url_servers_and_logout_needs_a_url() {
    let run = toolsmith(&["tools", "--no-login", "--", "/nonexistent/server"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("the login options are for --url servers"),
        "{run:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("credentials.json");
    let run = toolsmith(&[
        "logout",
        "--url",
        "not a url",
        "--token-store",
        store.to_str().unwrap(),
    ])
    .await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is not a URL"), "{run:?}");
    let run = toolsmith(&[
        "logout",
        "--url",
        "http://127.0.0.1:9/mcp",
        "--token-store",
        store.to_str().unwrap(),
    ])
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("no login to http://127.0.0.1:9/mcp was kept"),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pre_registered_client_logs_in_with_the_scopes_asked_for() {
    let Some(node) = tokio::task::spawn_blocking(|| node("login")).await.unwrap() else {
        return;
    };
    let provider = Provider::start(&node).await;
    let issuer = provider.issuer.clone();
    let server = tokio::task::spawn_blocking(move || NotesServer::start(&issuer))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("credentials.json");
    let store_arg = store.to_str().unwrap();
    let url = server.url.as_str();
    let pre_registered = ["--client-id", "cli-public", "--scope", "notes:read"];

    // A user who never comes back: the login fails once --timeout has passed, asked once.
    let away = toolsmith_with_user(
        &[
            &["call", "whoami", "--url", url, "--token-store", store_arg][..],
            &pre_registered,
            &["--timeout", "3"],
        ]
        .concat(),
        None,
    )
    .await;
    assert_eq!(away.code, 3, "{away:?}");
    assert_eq!(away.stderr.matches(PROMPT).count(), 1, "{away:?}");
    assert!(away.stderr.contains("no login within 3 s"), "{away:?}");

    let first = toolsmith(
        &[
            &["call", "whoami", "--url", url, "--token-store", store_arg][..],
            &pre_registered,
        ]
        .concat(),
    )
    .await;
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.logged_in, "{first:?}");
    assert!(first.stdout.contains(r#"["notes:read"]"#), "{first:?}");
    // Nothing registered, so nothing kept but the tokens.
    let file: Value = serde_json::from_slice(&std::fs::read(&store).unwrap()).unwrap();
    assert_eq!(file["clients"], serde_json::json!({}));
    assert_eq!(file["tokens"][url]["scope"], "notes:read");

    // Writing needs notes:write: the server asks for more (403 insufficient_scope), which is
    // a new login, refused under --no-login.
    let write = toolsmith(
        &[
            &[
                "call",
                "add_note",
                "text=x",
                "--url",
                url,
                "--token-store",
                store_arg,
            ][..],
            &pre_registered,
            &["--no-login"],
        ]
        .concat(),
    )
    .await;
    assert_eq!(write.code, 3, "{write:?}");
    assert!(write.stderr.contains("403"), "{write:?}");
    assert_no_token(&write, &tokens_of(&file["tokens"][url]));
}
