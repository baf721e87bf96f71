//! The HTTP requests of a login (metadata, registration, tokens): a client of its own that
//! follows no redirect, with bounded time and bounded bodies.

use std::error::Error as _;
use std::time::Duration;

use futures::StreamExt;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;

/// The largest metadata, registration or token response read.
const MAX_BODY: usize = 256 * 1024;

/// The HTTP client for authorization requests.
pub(super) fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("the HTTP client for authorization could not be built: {e}"))
}

/// An error with its causes.
pub(super) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A response's status and body (at most [`MAX_BODY`] bytes).
pub(super) async fn read(
    what: &str,
    response: reqwest::Response,
) -> Result<(StatusCode, Vec<u8>), String> {
    let status = response.status();
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| format!("reading the {what} failed: {}", describe(&e)))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("the {what} is larger than {MAX_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// GET a JSON document. `Ok(None)` when the server has none there (any 4xx), so the caller
/// can try the next location.
pub(super) async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    what: &str,
    url: &Url,
) -> Result<Option<T>, String> {
    let response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("could not fetch the {what} at {url}: {}", describe(&e)))?;
    let (status, body) = read(what, response).await?;
    if status.is_client_error() {
        tracing::debug!(%url, %status, "no {what} here");
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("fetching the {what} at {url} answered {status}"));
    }
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| format!("the {what} at {url} is not valid: {e}"))
}

/// The `error` and `error_description` of an OAuth error response, for messages.
pub(super) fn oauth_error(status: StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: String,
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(body) {
        Ok(e) => match e.error_description {
            Some(d) => format!("{status}: {} ({})", e.error, snippet(&d)),
            None => format!("{status}: {}", e.error),
        },
        Err(_) => format!("{status}"),
    }
}

/// At most 200 characters of `text`.
fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}
