//! The HTTP scenarios' load client: one HTTP/1.1 connection per stream of requests, spoken to
//! through hyper's connection API (no pool, no URL parsing, no redirect or proxy logic per
//! request as with reqwest), and an SSE reader that scans its buffer in place. The driver's own
//! CPU per call bounds what calls/s can show of the servers, so this path is kept lean.

use hyper::body::{Body as _, Incoming as IncomingBody};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderValue, ACCEPT, CONTENT_TYPE, HOST};
use hyper::{Request, Response};

use super::*;

type RequestBody = http_body_util::Full<hyper::body::Bytes>;

/// One keep-alive HTTP/1.1 connection to the server's MCP endpoint, inside a session.
pub(crate) struct Conn {
    send: SendRequest<RequestBody>,
    path: Arc<str>,
    host: HeaderValue,
    session: HeaderValue,
}

impl Conn {
    /// A new connection to the server at `url` (`http://HOST:PORT/PATH`) for session `session`.
    pub(crate) async fn open(url: &str, session: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("`{url}`: not an http:// URL"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .map_err(|e| format!("connect {authority}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (send, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| format!("HTTP handshake with {authority}: {e}"))?;
        tokio::spawn(conn);
        Ok(Conn {
            send,
            path: format!("/{path}").into(),
            host: HeaderValue::from_str(authority).map_err(|e| e.to_string())?,
            session: HeaderValue::from_str(session).map_err(|e| e.to_string())?,
        })
    }

    /// POST `body` (JSON) on this connection, once the previous exchange on it is over.
    pub(crate) async fn post(&mut self, body: String) -> Result<Response<IncomingBody>, String> {
        let req = Request::post(&*self.path)
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(
                ACCEPT,
                HeaderValue::from_static("application/json, text/event-stream"),
            )
            .header("mcp-session-id", self.session.clone())
            .header("mcp-protocol-version", HeaderValue::from_static(PROTOCOL))
            .body(RequestBody::new(body.into()))
            .map_err(|e| e.to_string())?;
        tokio::time::timeout(READ_TIMEOUT, async {
            self.send.ready().await.map_err(|e| e.to_string())?;
            self.send.send_request(req).await.map_err(|e| e.to_string())
        })
        .await
        .map_err(|_| format!("no response for {READ_TIMEOUT:?}"))?
    }
}

/// The next chunk of `body`: `Ok(None)` at its end; an error after [`READ_TIMEOUT`] without one.
pub(crate) async fn next_chunk(
    body: &mut IncomingBody,
) -> Result<Option<hyper::body::Bytes>, String> {
    loop {
        let frame = tokio::time::timeout(
            READ_TIMEOUT,
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut *body).poll_frame(cx)),
        )
        .await
        .map_err(|_| format!("nothing from the server for {READ_TIMEOUT:?}"))?;
        match frame {
            None => return Ok(None),
            Some(Err(e)) => return Err(e.to_string()),
            // Trailers carry nothing for us.
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// The whole of `body`.
pub(crate) async fn read_all(body: &mut IncomingBody) -> Result<Vec<u8>, String> {
    let mut all = Vec::new();
    while let Some(chunk) = next_chunk(body).await? {
        all.extend_from_slice(&chunk);
    }
    Ok(all)
}

/// True when `resp` is an SSE stream.
pub(crate) fn is_event_stream(resp: &Response<IncomingBody>) -> bool {
    resp.headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"))
}

/// One echo call with id `id` on `conn`: its latency in nanoseconds, and whether the result was
/// right (a JSON body, or the response on an SSE stream).
pub(crate) async fn echo_on(conn: &mut Conn, id: u64) -> Result<(u64, bool), String> {
    let t0 = Instant::now();
    let mut resp = conn
        .post(Call::Echo.frame(id))
        .await
        .map_err(|e| format!("tools/call: {e}"))?;
    let status = resp.status();
    let sse = is_event_stream(&resp);
    let body = read_all(resp.body_mut()).await?;
    if !status.is_success() {
        let body = String::from_utf8_lossy(&body);
        return Err(format!("tools/call: HTTP {status}: {body:.300}"));
    }
    let frame = if sse {
        let mut reader = SseReader::default();
        reader.push(&body);
        std::iter::from_fn(|| reader.next_event())
            .find(|data| {
                serde_json::from_slice::<Incoming<'_>>(data)
                    .is_ok_and(|m| m.method.is_none() && m.id.is_some())
            })
            .ok_or("the SSE stream ended without the response")?
    } else {
        body
    };
    let nanos = t0.elapsed().as_nanos() as u64;
    let msg: Incoming<'_> = serde_json::from_slice(&frame).map_err(|e| {
        let frame = String::from_utf8_lossy(&frame);
        format!("tools/call: bad response ({e}): {frame:.300}")
    })?;
    let ok = msg.method.is_none()
        && msg.id.is_some_and(|rid| rid.get() == id.to_string())
        && msg.error.is_none()
        && msg.result.is_some_and(|r| Call::Echo.check(id, r));
    Ok((nanos, ok))
}

/// Splits a `text/event-stream` body into its events' data, scanning the bytes once.
#[derive(Default)]
pub(crate) struct SseReader {
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    start: usize,
    data: Vec<u8>,
}

impl SseReader {
    /// Add a chunk of the body.
    pub(crate) fn push(&mut self, chunk: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The data of the next complete event with data in what was pushed (its `data:` lines
    /// joined by `\n`), or `None` until more is pushed. Other fields and comments are skipped.
    pub(crate) fn next_event(&mut self) -> Option<Vec<u8>> {
        while let Some(end) = self.buf[self.start..].iter().position(|b| *b == b'\n') {
            let line = &self.buf[self.start..self.start + end];
            self.start += end + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let Some(d) = line.strip_prefix(b"data:") {
                if !self.data.is_empty() {
                    self.data.push(b'\n');
                }
                self.data
                    .extend_from_slice(d.strip_prefix(b" ").unwrap_or(d));
            } else if line.is_empty() && !self.data.is_empty() {
                return Some(std::mem::take(&mut self.data));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::SseReader;

    #[test]
    fn events_split_across_chunks_come_out_whole() {
        let mut r = SseReader::default();
        r.push(b"id: 1-0\nretry: 1000\n\n:\n\nid: 1-1\ndata: {\"a\"");
        assert_eq!(r.next_event(), None);
        r.push(b":1}\r\n\r\ndata: x\ndata: y\n\ndata: z");
        assert_eq!(r.next_event().as_deref(), Some(&b"{\"a\":1}"[..]));
        assert_eq!(r.next_event().as_deref(), Some(&b"x\ny"[..]));
        assert_eq!(r.next_event(), None);
        r.push(b"\n\n");
        assert_eq!(r.next_event().as_deref(), Some(&b"z"[..]));
    }
}
