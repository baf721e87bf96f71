//! Bounded HTTP for the verifiers: every request has a timeout, every answer a size cap, and
//! what comes back must be a JSON object. A peer that hangs or answers garbage gives a clear
//! error, never a blocked task or an unbounded buffer.

use std::time::Duration;

use serde_json::{Map, Value};

/// How the verifiers talk to the authorization server.
#[derive(Clone, Debug)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
    max_bytes: usize,
}

impl Fetcher {
    /// Requests time out after `timeout`; answers longer than `max_bytes` are refused.
    pub(crate) fn new(timeout: Duration, max_bytes: usize) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // Keys and metadata come from where the issuer says, not from where a redirect goes.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Fetcher {
            client,
            timeout,
            max_bytes,
        }
    }

    /// GET `url` as a JSON object.
    pub(crate) async fn get_json(&self, url: &str) -> Result<Map<String, Value>, String> {
        self.send(
            self.client.get(url).header("accept", "application/json"),
            url,
        )
        .await
    }

    /// POST the form `fields` to `url` with HTTP basic authentication, as a JSON object.
    pub(crate) async fn post_form(
        &self,
        url: &str,
        basic: (&str, &str),
        fields: &[(&str, &str)],
    ) -> Result<Map<String, Value>, String> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .client
            .post(url)
            .basic_auth(form_encode(basic.0), Some(form_encode(basic.1)))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body);
        self.send(request, url).await
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<Map<String, Value>, String> {
        let late = || {
            format!(
                "`{url}` did not answer within {} ms",
                self.timeout.as_millis()
            )
        };
        let exchange = async {
            let mut response = request.send().await.map_err(|e| {
                if e.is_timeout() {
                    late()
                } else {
                    format!("`{url}` could not be reached: {}", plain(&e))
                }
            })?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("`{url}` answered HTTP {status}"));
            }
            if response
                .content_length()
                .is_some_and(|n| n > self.max_bytes as u64)
            {
                return Err(format!(
                    "`{url}` answered more than {} bytes",
                    self.max_bytes
                ));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                if e.is_timeout() {
                    late()
                } else {
                    format!("`{url}` broke off its answer: {}", plain(&e))
                }
            })? {
                if body.len() + chunk.len() > self.max_bytes {
                    return Err(format!(
                        "`{url}` answered more than {} bytes",
                        self.max_bytes
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Err(format!("`{url}` answered JSON that is not an object")),
                Err(e) => Err(format!("`{url}` answered something that is not JSON ({e})")),
            }
        };
        // reqwest's own timeout covers each phase; this one covers the whole exchange.
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(late()))
    }
}

/// A reqwest error without its URL (already named) and with its cause.
fn plain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `application/x-www-form-urlencoded` encoding of one name or value (also what RFC 6749 §2.3.1
/// asks of client credentials in basic authentication).
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding() {
        assert_eq!(form_encode("a b/c=d&é"), "a+b%2Fc%3Dd%26%C3%A9");
        assert_eq!(form_encode("A-z.0_*"), "A-z.0_*");
    }
}
