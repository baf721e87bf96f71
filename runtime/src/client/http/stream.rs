//! Reading SSE streams: a request's answer stream (resumed with `Last-Event-ID` when it
//! breaks before the response), the handshake era's standalone GET stream, and plain bodies.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;

use super::{
    describe, failure, is_event_stream, HttpTransport, DEFAULT_RETRY, MAX_RECONNECTS, MAX_RETRY,
};
use crate::client::connection::{Connection, TransportFailure};
use crate::client::sse::{SseParser, TooLarge};
use crate::jsonrpc::{parse_frame, Message, RequestId};
use crate::transport::Endpoint;

/// Where a stream got to: the last event id seen and the server's reconnection advice.
#[derive(Default)]
struct Cursor {
    last_event_id: Option<String>,
    retry: Option<Duration>,
}

impl Cursor {
    fn delay(&self) -> Duration {
        self.retry.unwrap_or(DEFAULT_RETRY).min(MAX_RETRY)
    }
}

/// How reading a stream ended.
enum Pumped {
    /// The response to the request the stream belongs to arrived.
    Answered,
    /// The stream ended (or broke) first.
    Ended {
        delivered: usize,
        error: Option<String>,
    },
    /// The stream cannot be read on (an oversized event).
    Failed(String),
}

impl HttpTransport {
    /// Read a request's SSE stream to its response, resuming it with `Last-Event-ID` when it
    /// breaks first.
    pub(super) async fn follow(
        &self,
        connection: &Arc<Connection>,
        id: &RequestId,
        response: reqwest::Response,
    ) -> Result<(), TransportFailure> {
        let mut cursor = Cursor::default();
        let mut response = response;
        let mut attempts = 0;
        loop {
            let (delivered, error) =
                match self.pump(connection, response, Some(id), &mut cursor).await {
                    Pumped::Answered => return Ok(()),
                    Pumped::Failed(reason) => return Err(failure(None, reason)),
                    Pumped::Ended { delivered, error } => (delivered, error),
                };
            let why = error.map(|e| format!(" ({e})")).unwrap_or_default();
            let Some(last) = cursor.last_event_id.clone() else {
                return Err(failure(
                    None,
                    format!("the response stream ended before the response{why}"),
                ));
            };
            if delivered > 0 {
                attempts = 0;
            }
            tracing::debug!(%id, last_event_id = last, "the response stream ended early{why}; resuming");
            response = loop {
                attempts += 1;
                if attempts > MAX_RECONNECTS {
                    return Err(failure(
                        None,
                        format!(
                            "the response stream ended before the response{why}, and \
                             {MAX_RECONNECTS} attempts to resume it after event `{last}` failed"
                        ),
                    ));
                }
                tokio::time::sleep(cursor.delay()).await;
                match self.get(Some(&last)).send().await {
                    Ok(r) if r.status().is_success() && is_event_stream(&r) => break r,
                    Ok(r) => {
                        let status = r.status();
                        return Err(failure(
                            Some(status),
                            format!(
                                "the response stream ended before the response{why}, and the \
                                 server refused to resume it after event `{last}` ({status})"
                            ),
                        ));
                    }
                    Err(e) => {
                        tracing::debug!(error = describe(&e), "resuming failed; trying again")
                    }
                }
            };
        }
    }

    /// Deliver a stream's messages to the connection, in order, until it ends or, when
    /// `answers` is set, until the response to that request went by.
    async fn pump(
        &self,
        connection: &Arc<Connection>,
        response: reqwest::Response,
        answers: Option<&RequestId>,
        cursor: &mut Cursor,
    ) -> Pumped {
        let mut body = response.bytes_stream();
        let mut parser = SseParser::new(self.options.max_message_bytes);
        let mut events = Vec::new();
        let mut delivered = 0;
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    return Pumped::Ended {
                        delivered,
                        error: Some(describe(&e)),
                    }
                }
            };
            if let Err(TooLarge(max)) = parser.feed(&chunk, &mut events) {
                return Pumped::Failed(format!(
                    "the server sent an event larger than the {max}-byte message limit"
                ));
            }
            for event in events.drain(..) {
                if let Some(id) = event.id {
                    cursor.last_event_id = Some(id);
                }
                if let Some(ms) = event.retry {
                    cursor.retry = Some(Duration::from_millis(ms));
                }
                if event.data.trim().is_empty() {
                    continue; // a priming event
                }
                delivered += 1;
                match parse_frame(&event.data) {
                    Ok(message) => {
                        let answered = matches!(
                            (&message, answers),
                            (Message::Response(r), Some(id)) if r.id.as_ref() == Some(id)
                        );
                        connection.on_message(message);
                        if answered {
                            return Pumped::Answered;
                        }
                    }
                    Err(e) => connection.on_frame_error(e),
                }
            }
        }
        Pumped::Ended {
            delivered,
            error: None,
        }
    }

    pub(super) async fn read_body(&self, response: reqwest::Response) -> Result<Vec<u8>, String> {
        let max = self.options.max_message_bytes;
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk =
                chunk.map_err(|e| format!("reading the response failed: {}", describe(&e)))?;
            if body.len() + chunk.len() > max {
                return Err(format!(
                    "the response is larger than the {max}-byte message limit"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Open the session's GET stream for messages not tied to a request (handshake era). A
    /// server without one (`405`) is fine; a stream that ends is reopened after the server's
    /// `retry` advice, from the last event seen.
    ///
    /// Resolves once the server has answered the first GET (or after a few seconds), so that
    /// what the server sends on that stream right after the handshake (a request made by a
    /// tool the client calls next, say) is not sent before the stream exists.
    pub(crate) async fn open_standalone(self: &Arc<Self>, connection: Arc<Connection>) {
        const OPEN_WAIT: Duration = Duration::from_secs(5);
        let transport = Arc::clone(self);
        let (opened_tx, opened) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut opened_tx = Some(opened_tx);
            let mut cursor = Cursor::default();
            let mut failures = 0;
            loop {
                let last = cursor.last_event_id.clone();
                let answered = transport.get(last.as_deref()).send().await;
                if let Some(tx) = opened_tx.take() {
                    let _ = tx.send(());
                }
                match answered {
                    Ok(r) if r.status() == StatusCode::METHOD_NOT_ALLOWED => {
                        tracing::debug!("the server offers no GET stream");
                        return;
                    }
                    Ok(r) if r.status().is_success() && is_event_stream(&r) => {
                        failures = 0;
                        if let Pumped::Failed(reason) =
                            transport.pump(&connection, r, None, &mut cursor).await
                        {
                            tracing::warn!(reason, "the GET stream failed");
                            return;
                        }
                    }
                    Ok(r) => {
                        tracing::debug!(status = %r.status(), "the GET stream was refused");
                        return;
                    }
                    Err(e) => {
                        failures += 1;
                        if failures > MAX_RECONNECTS {
                            tracing::warn!(error = describe(&e), "giving up on the GET stream");
                            return;
                        }
                    }
                }
                if connection.is_closed() {
                    return;
                }
                tokio::time::sleep(cursor.delay()).await;
            }
        });
        *self.standalone.lock().expect("standalone lock") = Some(task.abort_handle());
        // An error means the task ended first: nothing to wait for.
        let _ = tokio::time::timeout(OPEN_WAIT, opened).await;
    }
}
