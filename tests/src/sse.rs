//! A minimal SSE reader for tests: events as (id, data), read from a streaming HTTP response.

use futures::StreamExt;

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// The `id:` field, if any.
    pub id: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The `retry:` field, if any.
    pub retry: Option<u64>,
}

/// Reads events from a response body as they arrive.
pub struct SseReader {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl SseReader {
    /// Read the events of `response`.
    pub fn new(response: reqwest::Response) -> Self {
        SseReader {
            body: response.bytes_stream().boxed(),
            buf: String::new(),
        }
    }

    /// The next event (comments and keep-alives skipped), or `None` when the stream ended.
    pub async fn next(&mut self) -> Option<SseEvent> {
        self.try_next().await.expect("body chunk")
    }

    /// [`SseReader::next`], or the error that broke the body (a connection cut mid-stream).
    pub async fn try_next(&mut self) -> reqwest::Result<Option<SseEvent>> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut event = SseEvent {
                    id: None,
                    data: String::new(),
                    retry: None,
                };
                let mut has_field = false;
                let mut data_lines = Vec::new();
                for line in block.lines() {
                    if line.starts_with(':') || line.is_empty() {
                        continue;
                    }
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    has_field = true;
                    match field {
                        "id" => event.id = Some(value.to_owned()),
                        "data" => data_lines.push(value.to_owned()),
                        "retry" => event.retry = value.parse().ok(),
                        _ => {}
                    }
                }
                event.data = data_lines.join("\n");
                if has_field {
                    return Ok(Some(event));
                }
                continue;
            }
            let chunk = tokio::time::timeout(crate::WAIT, self.body.next())
                .await
                .expect("timed out waiting for an SSE event");
            let Some(chunk) = chunk else {
                return Ok(None);
            };
            self.buf
                .push_str(&String::from_utf8_lossy(&chunk?).replace("\r\n", "\n"));
        }
    }

    /// The next event that carries a JSON-RPC message (skipping priming events).
    pub async fn next_message(&mut self) -> Option<(Option<String>, serde_json::Value)> {
        loop {
            let e = self.next().await?;
            if e.data.is_empty() {
                continue;
            }
            let v = serde_json::from_str(&e.data)
                .unwrap_or_else(|err| panic!("bad SSE data {:?}: {err}", e.data));
            return Some((e.id, v));
        }
    }
}
