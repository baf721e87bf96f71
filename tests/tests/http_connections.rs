//! Streamable HTTP connections under slow or greedy peers (issue 12, "Slow clients"): header and
//! body read timeouts, the keep-alive idle timeout (an SSE response in progress is not idle), and
//! the connection caps in total and per peer address. Loopback only; timeouts are configured
//! short, and every loop is bounded.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};
use toolsmith::prelude::*;
use toolsmith::HttpConfig;
use toolsmith_tests::fixtures::hi;
use toolsmith_tests::sse::SseReader;

/// Report progress eight times, 200 ms apart, then answer.
#[tool]
async fn slow(ctx: Context<'_>) -> String {
    for step in 1..=8 {
        ctx.report_progress(f64::from(step), Some(8.0), None).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    "done".into()
}

/// A text of `mib` MiB (at most 64): more than a socket's buffers hold.
#[tool]
async fn big(mib: usize) -> String {
    "x".repeat(mib.min(64) << 20)
}

/// A server on an ephemeral loopback port, stopped when dropped.
struct Running {
    addr: SocketAddr,
    task: JoinHandle<Result<(), toolsmith::Error>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(config: HttpConfig) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new("connections", "1")
        .tool(hi)
        .tool(slow)
        .tool(big);
    let task = tokio::spawn(server.serve_http_listener(listener, config));
    Running { addr, task }
}

/// `127.0.0.n`: every address of 127/8 reaches the loopback listener, so one test can be several
/// peers.
fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

async fn connect_from(source: IpAddr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// Read until the server closes the connection (end of stream, or reset), within `limit`.
/// Everything read, or `None` when the connection was still open at the limit.
async fn read_until_closed(
    stream: &mut (impl AsyncRead + Unpin),
    limit: Duration,
) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Send `head` at once, then one byte of `trickle` every `pace` (a slow-loris peer) until the
/// server closes the connection; how long after connecting it did, and what it answered.
async fn trickle(
    mut stream: TcpStream,
    head: &'static [u8],
    pace: Duration,
    limit: Duration,
) -> (Duration, Option<Vec<u8>>) {
    let start = Instant::now();
    stream.write_all(head).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        for _ in 0..200 {
            tokio::time::sleep(pace).await;
            write.write_all(b"a").await?;
        }
        Ok::<_, io::Error>(())
    });
    let closed = read_until_closed(&mut read, limit).await;
    writer.abort();
    (start.elapsed(), closed)
}

/// Send a request on `stream` and read its response head: `Some(status line)`, or `None` when
/// the server closed the connection without answering (a refused connection).
async fn status_of(stream: &mut TcpStream, request: &[u8]) -> Option<String> {
    // A refused connection may already be closed: the write can fail, the read tells.
    let _ = stream.write_all(request).await;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let read = async {
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&seen).into_owned();
        text.lines().next().map(str::to_owned)
    };
    timeout(Duration::from_secs(10), read)
        .await
        .expect("neither an answer nor a close within 10 s")
}

/// An initialized MCP session (protocol 2025-11-25) over plain reqwest.
struct Mcp {
    url: String,
    http: reqwest::Client,
    session: String,
}

impl Mcp {
    async fn open(addr: SocketAddr) -> Mcp {
        let mut mcp = Mcp {
            url: format!("http://{addr}/mcp"),
            http: reqwest::Client::new(),
            session: String::new(),
        };
        let init = mcp
            .post(
                json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
                "protocolVersion":"2025-11-25","capabilities":{},
                "clientInfo":{"name":"t","version":"0"}}}),
            )
            .await;
        assert_eq!(init.status(), 200);
        mcp.session = init.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let r = mcp
            .post(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .await;
        assert_eq!(r.status(), 202);
        mcp
    }

    async fn post(&self, body: Value) -> reqwest::Response {
        let mut r = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if !self.session.is_empty() {
            r = r
                .header("mcp-session-id", &self.session)
                .header("mcp-protocol-version", "2025-11-25");
        }
        r.send().await.unwrap()
    }
}

/// A request with an empty `404` answer (no route), keeping the connection open.
const NOT_FOUND: &[u8] = b"GET /elsewhere HTTP/1.1\r\nHost: localhost\r\n\r\n";

#[tokio::test]
async fn a_trickling_request_head_is_closed_within_the_header_timeout() {
    let header = Duration::from_millis(800);
    let server = start(HttpConfig::default().header_read_timeout(header)).await;
    let stream = connect_from(loopback(1), server.addr).await;
    let (after, closed) = trickle(
        stream,
        b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
        Duration::from_millis(100),
        Duration::from_secs(10),
    )
    .await;
    let answered = closed.expect("a trickling head still open after 10 s");
    assert!(answered.is_empty(), "no answer to a head never finished");
    assert!(
        after >= header && after < header + Duration::from_secs(4),
        "closed after {after:?}, the header timeout is {header:?}"
    );
}

#[tokio::test]
async fn a_trickling_request_body_gets_a_clear_error_and_is_closed() {
    let body = Duration::from_millis(800);
    let server = start(HttpConfig::default().body_read_timeout(body)).await;
    let stream = connect_from(loopback(1), server.addr).await;
    let (after, closed) = trickle(
        stream,
        b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
          Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{",
        Duration::from_millis(100),
        Duration::from_secs(10),
    )
    .await;
    let answered = closed.expect("a trickling body still open after 10 s");
    let answered = String::from_utf8_lossy(&answered);
    assert!(answered.starts_with("HTTP/1.1 400"), "{answered}");
    assert!(
        answered.contains("the request body did not arrive in full within 800ms"),
        "{answered}"
    );
    assert!(
        after >= body && after < body + Duration::from_secs(4),
        "closed after {after:?}, the body timeout is {body:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let header = Duration::from_millis(300);
    let idle = Duration::from_millis(1500);
    let server = start(
        HttpConfig::default()
            .header_read_timeout(header)
            .keep_alive_idle_timeout(idle),
    )
    .await;
    let mut stream = connect_from(loopback(1), server.addr).await;
    let sent = Instant::now();
    let status = status_of(&mut stream, NOT_FOUND).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 404 Not Found"));
    let closed = read_until_closed(&mut stream, Duration::from_secs(10)).await;
    assert!(closed.is_some(), "an idle connection still open after 10 s");
    let after = sent.elapsed();
    // Not the header timeout: the wait for a next request is the idle timeout's.
    assert!(
        after >= idle && after < idle + Duration::from_secs(4),
        "closed {after:?} after its request, the idle timeout is {idle:?}"
    );
}

#[tokio::test]
async fn a_connection_carrying_an_sse_response_is_not_idle() {
    let idle = Duration::from_millis(400);
    let server = start(
        HttpConfig::default()
            .header_read_timeout(idle)
            .keep_alive_idle_timeout(idle),
    )
    .await;
    let mcp = Mcp::open(server.addr).await;
    let started = Instant::now();
    let r = mcp
        .post(json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
                     "params":{"name":"slow","_meta":{"progressToken":"p"}}}))
        .await;
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut events = SseReader::new(r);
    let mut progress = 0;
    let result = loop {
        let (_, message) = events
            .next_message()
            .await
            .expect("the SSE response ended before its result");
        if message["method"] == "notifications/progress" {
            progress += 1;
        } else if message["id"] == 2 {
            break message;
        }
    };
    assert_eq!(result["result"]["content"][0]["text"], "done", "{result}");
    assert_eq!(progress, 8);
    assert!(
        started.elapsed() > idle * 3,
        "the stream lasted {:?}, several idle timeouts",
        started.elapsed()
    );
}

#[tokio::test]
async fn connection_caps_hold_in_total_and_per_peer_and_free_on_close() {
    let server = start(
        HttpConfig::default()
            .max_connections(4)
            .max_connections_per_peer(2),
    )
    .await;
    let open = |n: u8| connect_from(loopback(n), server.addr);
    let ok = Some("HTTP/1.1 404 Not Found");

    let mut a1 = open(1).await;
    assert_eq!(status_of(&mut a1, NOT_FOUND).await.as_deref(), ok);
    let mut a2 = open(1).await;
    assert_eq!(status_of(&mut a2, NOT_FOUND).await.as_deref(), ok);
    let mut a3 = open(1).await;
    assert_eq!(
        status_of(&mut a3, NOT_FOUND).await,
        None,
        "a third connection from 127.0.0.1 (per-peer cap 2) was served"
    );

    let mut b1 = open(2).await;
    assert_eq!(status_of(&mut b1, NOT_FOUND).await.as_deref(), ok);
    let mut b2 = open(2).await;
    assert_eq!(status_of(&mut b2, NOT_FOUND).await.as_deref(), ok);
    let mut c1 = open(3).await;
    assert_eq!(
        status_of(&mut c1, NOT_FOUND).await,
        None,
        "a fifth connection (total cap 4) was served"
    );

    // One ends: once the server has seen it close, a new one from that address is served.
    drop(a1);
    let mut served_again = false;
    for _ in 0..100 {
        let mut again = open(1).await;
        if status_of(&mut again, NOT_FOUND).await.as_deref() == ok {
            served_again = true;
            // Still two from 127.0.0.1 and four in all: the caps hold again.
            let mut a4 = open(1).await;
            assert_eq!(status_of(&mut a4, NOT_FOUND).await, None);
            let mut c2 = open(3).await;
            assert_eq!(status_of(&mut c2, NOT_FOUND).await, None);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served_again, "no new connection served after one closed");
    // The connections kept open were served all along.
    assert_eq!(status_of(&mut a2, NOT_FOUND).await.as_deref(), ok);
    assert_eq!(status_of(&mut b2, NOT_FOUND).await.as_deref(), ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_client_is_answered_while_300_trickling_connections_are_open() {
    let header = Duration::from_secs(6);
    // Default caps: 300 connections from three addresses stay under 256 per peer.
    let server = start(HttpConfig::default().header_read_timeout(header)).await;
    let opened = Instant::now();
    let mut tricklers = tokio::task::JoinSet::new();
    for i in 0..300u16 {
        let source = loopback(2 + (i % 3) as u8);
        let stream = connect_from(source, server.addr).await;
        tricklers.spawn(trickle(
            stream,
            b"POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
            Duration::from_millis(500),
            Duration::from_secs(20),
        ));
    }

    let call = async {
        let mcp = Mcp::open(server.addr).await;
        let r = mcp
            .post(json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hi"}}))
            .await;
        // A JSON body, or an SSE stream ending with the result.
        if r.headers()["content-type"] == "application/json" {
            return r.json::<Value>().await.unwrap();
        }
        let mut events = SseReader::new(r);
        loop {
            let (_, message) = events.next_message().await.expect("no result");
            if message["id"] == 2 {
                break message;
            }
        }
    };
    let answer = timeout(Duration::from_secs(10), call)
        .await
        .expect("no answer within 10 s with 300 trickling connections open");
    assert_eq!(answer["result"]["content"][0]["text"], "hi", "{answer}");
    assert!(
        tricklers.try_join_next().is_none(),
        "a trickling connection ended before the answer came ({:?} after they opened)",
        opened.elapsed()
    );

    // And every trickling connection was closed by the header timeout.
    let mut closed = 0;
    while let Some(done) = tricklers.join_next().await {
        let (after, answered) = done.unwrap();
        assert!(answered.is_some(), "a trickling connection open after 20 s");
        assert!(
            after < header + Duration::from_secs(8),
            "closed after {after:?}"
        );
        closed += 1;
    }
    assert_eq!(closed, 300);
}

#[tokio::test]
async fn dropping_the_serving_future_closes_the_listener_and_its_connections() {
    let server = start(HttpConfig::default()).await;
    let mut open = connect_from(loopback(1), server.addr).await;
    assert_eq!(
        status_of(&mut open, NOT_FOUND).await.as_deref(),
        Some("HTTP/1.1 404 Not Found")
    );
    let addr = server.addr;
    drop(server);
    let closed = read_until_closed(&mut open, Duration::from_secs(10)).await;
    assert!(
        closed.is_some(),
        "a connection still open 10 s after serving stopped"
    );
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener still accepts after serving stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reads_nothing_is_closed_after_the_write_timeout() {
    let write = Duration::from_millis(800);
    let server = start(
        HttpConfig::default()
            .write_timeout(write)
            .max_connections_per_peer(1),
    )
    .await;
    let mcp = Mcp::open(server.addr).await;
    let body = json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
                      "params":{"name":"big","arguments":{"mib":32}}})
    .to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nMcp-Session-Id: {}\r\n\
         Mcp-Protocol-Version: 2025-11-25\r\nContent-Length: {}\r\n\r\n{body}",
        mcp.session,
        body.len()
    );
    // From 127.0.0.2, whose one connection (per-peer cap 1) this is: asks for 32 MiB and reads
    // none of it.
    let mut staller = connect_from(loopback(2), server.addr).await;
    staller.write_all(request.as_bytes()).await.unwrap();
    let started = Instant::now();
    // While the server keeps that connection, another from 127.0.0.2 is refused; once it has
    // closed it, one is served.
    let mut freed = None;
    for _ in 0..200 {
        let mut probe = connect_from(loopback(2), server.addr).await;
        if status_of(&mut probe, NOT_FOUND).await.is_some() {
            freed = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let freed = freed.expect("a client that reads nothing still held its connection after 10 s");
    assert!(
        freed >= write,
        "closed {freed:?} after the request, before the write timeout ({write:?})"
    );
    // What had reached the client before the close is not the whole answer.
    let got = read_until_closed(&mut staller, Duration::from_secs(10))
        .await
        .expect("the server closed the connection");
    assert!(got.len() < 32 << 20, "{} bytes arrived", got.len());
    // The session and the server are fine.
    let r = mcp
        .post(json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"hi"}}))
        .await;
    assert_eq!(r.status(), 200);
}
