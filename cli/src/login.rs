//! Logging in to an OAuth-protected `--url` server: the authorization URL printed on stderr (and
//! opened in a browser with `--open`), the redirect received on a loopback listener
//! (`http://127.0.0.1:PORT/callback`, RFC 8252), tokens kept in a [`TokenFile`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use toolsmith::client::auth::OAuthConfig;

use crate::args::LoginArgs;
use crate::error::Failure;
use crate::token_file::TokenFile;

/// The longest request line and headers the callback listener reads.
const MAX_HEAD: usize = 16 * 1024;

/// How long one connection to the callback listener may take to send its request.
const IDLE: Duration = Duration::from_secs(60);

/// The store at `path`, or the default one.
pub fn token_file(path: Option<&PathBuf>) -> Result<TokenFile, Failure> {
    let path = match path {
        Some(path) => path.clone(),
        None => TokenFile::default_path().ok_or_else(|| {
            Failure::Local(
                "no place to keep logins: set HOME or XDG_CONFIG_HOME, or give --token-store PATH"
                    .into(),
            )
        })?,
    };
    Ok(TokenFile::new(path))
}

/// How this run logs in to the server at `url`, with a loopback listener for the redirect.
/// `wait` bounds how long the user has to log in.
pub async fn oauth_config(
    args: &LoginArgs,
    url: &str,
    wait: Duration,
) -> Result<OAuthConfig, Failure> {
    if args.client_secret.is_some() && args.client_id.is_none() {
        return Err(Failure::Usage("--client-secret needs --client-id".into()));
    }
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Failure::Local(format!("could not listen on 127.0.0.1 for the login: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Failure::Local(format!("the login listener has no address: {e}")))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let listener = Arc::new(tokio::sync::Mutex::new(listener));
    let server = url.to_owned();
    let no_login = args.no_login;
    let open = args.open;
    // A login that failed (not finished in time, refused) is not offered again in this run:
    // the protocol probe's fallback would otherwise ask the user a second time.
    let failed: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let mut config = OAuthConfig::new(redirect_uri.clone(), move |authorization: String| {
        let listener = Arc::clone(&listener);
        let server = server.clone();
        let redirect_uri = redirect_uri.clone();
        let failed = Arc::clone(&failed);
        async move {
            if no_login {
                return Err(format!(
                    "{server} needs a login and --no-login was given (run without --no-login \
                     to log in)"
                ));
            }
            let remember = |reason: String| {
                *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(reason.clone());
                reason
            };
            if let Some(reason) = failed.lock().unwrap_or_else(|e| e.into_inner()).clone() {
                return Err(reason);
            }
            eprintln!("{server} needs you to log in.");
            eprintln!("open this URL in a browser: {authorization}");
            if open {
                open_browser(&authorization);
            }
            eprintln!("waiting for the browser to come back to {redirect_uri} ...");
            let listener = listener.lock().await;
            let back = tokio::time::timeout(wait, receive(&listener, port))
                .await
                .map_err(|_| remember(format!("no login within {} s", wait.as_secs())))?
                .map_err(remember)?;
            if back.contains("error=") {
                remember("the authorization server refused the login".into());
            }
            eprintln!("the browser came back; finishing the login");
            Ok(back)
        }
    })
    .client_name("toolsmith (command line)")
    .token_store(token_file(args.token_store.as_ref())?);
    if let Some(id) = &args.client_id {
        config = config.pre_registered(id.clone(), args.client_secret.clone(), None);
    }
    if let Some(scope) = &args.scope {
        config = config.scopes(scope.split_whitespace().map(str::to_owned));
    }
    Ok(config)
}

/// Wait for the browser's request to `/callback` and answer it; other requests (a favicon)
/// get `404`. Each connection is served on its own task, so that one a browser opened ahead
/// and left idle does not hold up the others. Returns the URL the callback was called with.
async fn receive(listener: &TcpListener, port: u16) -> Result<String, String> {
    let (found, mut callbacks) = tokio::sync::mpsc::channel::<String>(1);
    loop {
        tokio::select! {
            Some(target) = callbacks.recv() => {
                return Ok(format!("http://127.0.0.1:{port}{target}"));
            }
            accepted = listener.accept() => {
                let (stream, _) =
                    accepted.map_err(|e| format!("the login listener failed: {e}"))?;
                let found = found.clone();
                tokio::spawn(async move {
                    if let Ok(Some(target)) = tokio::time::timeout(IDLE, serve(stream)).await {
                        let _ = found.send(target).await;
                    }
                });
            }
        }
    }
}

/// Answer one connection: the callback's target, or `None` for anything else.
async fn serve(mut stream: tokio::net::TcpStream) -> Option<String> {
    let target = read_target(&mut stream).await?;
    if target == "/callback" || target.starts_with("/callback?") {
        let page = if target.contains("error=") {
            "The login was refused. You can close this window."
        } else {
            "Logged in. You can close this window and go back to the terminal."
        };
        respond(&mut stream, "200 OK", page).await;
        return Some(target);
    }
    respond(&mut stream, "404 Not Found", "Not found.").await;
    None
}

/// The target of a `GET` request, or `None` for anything else.
async fn read_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.lines().next()?.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) => Some(target.to_owned()),
        _ => None,
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, text: &str) {
    let body = format!("<!doctype html><title>toolsmith</title><p>{text}</p>\n");
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Ask the desktop to open `url`; a failure is a warning (the URL is printed anyway).
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let started = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = started {
        eprintln!("warning: could not open a browser ({e}); open the URL above yourself");
    }
}

/// `toolsmith logout --url URL`: forget the tokens kept for the server.
pub fn logout(url: &str, token_store: Option<&PathBuf>) -> Result<(), Failure> {
    let parsed =
        url::Url::parse(url).map_err(|e| Failure::Usage(format!("`{url}` is not a URL: {e}")))?;
    let store = token_file(token_store)?;
    match store.forget(parsed.as_str()).map_err(Failure::Local)? {
        true => eprintln!("forgot the login to {parsed}"),
        false => eprintln!("no login to {parsed} was kept"),
    }
    Ok(())
}
