//! The HTTP transport against a scripted HTTP server: every request the client makes is recorded
//! (method, headers, body) and answered by the test's script, so headers, resumption and
//! fallbacks are checked exactly.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

use super::*;

/// One request the client made.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    headers: HeaderMap,
    body: Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn rpc_method(&self) -> &str {
        self.body["method"].as_str().unwrap_or("")
    }
}

type Script = Arc<dyn Fn(&Seen) -> Response + Send + Sync>;

#[derive(Clone)]
struct Scripted {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
}

async fn handle(
    State(s): State<Scripted>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let seen = Seen {
        method,
        headers,
        body,
    };
    s.seen.lock().unwrap().push(seen.clone());
    (s.script)(&seen)
}

/// Serve `script` on a loopback port; returns the URL and the record of requests.
async fn serve(
    script: impl Fn(&Seen) -> Response + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Scripted {
        seen: Arc::clone(&seen),
        script: Arc::new(script),
    };
    let app = Router::new().route("/mcp", any(handle)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/mcp"), seen)
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn result(req: &Seen, result: Value) -> Response {
    json_response(
        StatusCode::OK,
        json!({"jsonrpc": "2.0", "id": req.body["id"], "result": result}),
    )
}

/// An SSE response whose events are `(id, data)`; the body ends after the last one.
fn sse(events: Vec<(Option<&str>, String)>) -> Response {
    let mut text = String::from("retry: 20\n\n");
    for (id, data) in events {
        if let Some(id) = id {
            text.push_str(&format!("id: {id}\n"));
        }
        text.push_str(&format!("data: {data}\n\n"));
    }
    let chunks: Vec<Result<Bytes, Infallible>> = text
        .into_bytes()
        .chunks(7)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(futures::stream::iter(chunks)))
        .unwrap()
}

fn accepted() -> Response {
    StatusCode::ACCEPTED.into_response()
}

fn legacy_init(req: &Seen) -> Response {
    let mut r = result(
        req,
        json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {}},
            "serverInfo": {"name": "scripted", "version": "1"}}),
    );
    r.headers_mut()
        .insert("mcp-session-id", "sess-42".parse().unwrap());
    r
}

/// What a server speaking 2026-07-28 (only) answers to `server/discover`.
fn modern_discover(req: &Seen) -> Response {
    result(
        req,
        json!({"resultType": "complete", "supportedVersions": ["2026-07-28"],
            "capabilities": {"tools": {}}, "_meta": {"io.modelcontextprotocol/serverInfo":
                {"name": "modern", "version": "1"}}}),
    )
}

#[tokio::test]
async fn a_session_carries_its_headers_resumes_broken_streams_and_is_deleted() {
    let (url, seen) = serve(|req| match (req.method.as_str(), req.rpc_method()) {
        ("POST", "initialize") => legacy_init(req),
        ("POST", "notifications/initialized") => accepted(),
        ("GET", _) if req.header("last-event-id").is_none() => {
            StatusCode::METHOD_NOT_ALLOWED.into_response()
        }
        ("POST", "tools/call") => {
            // A log, a sampling request, then the stream breaks before the response.
            let log = json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "working"}});
            let ask = json!({"jsonrpc": "2.0", "id": "s-1", "method": "sampling/createMessage",
                "params": {"messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                    "maxTokens": 3}});
            sse(vec![
                (Some("7-0"), String::new()),
                (Some("7-1"), log.to_string()),
                (Some("7-2"), ask.to_string()),
            ])
        }
        ("POST", "") if req.body.get("result").is_some() => accepted(),
        ("GET", _) => {
            // Resumed after event 7-2: the response.
            let done = json!({"jsonrpc": "2.0", "id": 2, "result": {"content": [{"type": "text", "text": "resumed"}]}});
            sse(vec![(Some("7-3"), done.to_string())])
        }
        ("DELETE", _) => StatusCode::OK.into_response(),
        _ => StatusCode::BAD_REQUEST.into_response(),
    })
    .await;
    let logs = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&logs);
    let client = Client::builder("h", "1")
        .http_header("authorization", "Bearer t0ken")
        .on_log(move |m| l.lock().unwrap().push(m.text()))
        .sampling_handler(|_| async { Ok("hello") })
        .connect_http(&url)
        .await
        .unwrap();
    assert_eq!(client.session_id().as_deref(), Some("sess-42"));
    assert_eq!(client.server_info().name, "scripted");
    let result = client.call_tool("work", Value::Null).await.unwrap();
    assert_eq!(result.text_content(), "resumed");
    assert_eq!(*logs.lock().unwrap(), ["working"]);
    // The session's GET stream was asked for (and its 405 tolerated: the call worked).
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !seen
        .lock()
        .unwrap()
        .iter()
        .any(|s| s.method == Method::GET && s.header("last-event-id").is_none())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no GET stream was opened"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    client.close().await.unwrap();
    assert_eq!(client.session_id(), None);

    let seen = seen.lock().unwrap().clone();
    let init = &seen[0];
    assert_eq!(init.rpc_method(), "initialize");
    assert_eq!(
        init.header("accept"),
        Some("application/json, text/event-stream")
    );
    assert_eq!(init.header("content-type"), Some("application/json"));
    assert_eq!(init.header("authorization"), Some("Bearer t0ken"));
    assert_eq!(init.header("mcp-session-id"), None);
    assert_eq!(init.header("mcp-protocol-version"), None);
    for later in &seen[1..] {
        assert_eq!(later.header("mcp-session-id"), Some("sess-42"), "{later:?}");
        assert_eq!(
            later.header("mcp-protocol-version"),
            Some("2025-11-25"),
            "{later:?}"
        );
        assert_eq!(later.header("authorization"), Some("Bearer t0ken"));
        assert_eq!(later.header("mcp-method"), None, "no stateless headers");
    }
    // The sampling answer was POSTed with the request's id.
    let answer = seen
        .iter()
        .find(|s| s.body.get("result").is_some())
        .expect("the sampling answer");
    assert_eq!(answer.body["id"], "s-1");
    assert_eq!(answer.body["result"]["content"]["text"], "hello");
    // The broken stream was resumed from its last event.
    let resume = seen
        .iter()
        .find(|s| s.header("last-event-id").is_some())
        .expect("a resumption");
    assert_eq!(resume.method, Method::GET);
    assert_eq!(resume.header("last-event-id"), Some("7-2"));
    assert_eq!(resume.header("accept"), Some("text/event-stream"));
    let delete = seen.last().unwrap();
    assert_eq!(delete.method, Method::DELETE);
    assert_eq!(delete.header("mcp-session-id"), Some("sess-42"));
}

#[tokio::test]
async fn a_stream_without_event_ids_that_ends_early_fails_the_request_at_once() {
    let (url, _) = serve(|req| match req.rpc_method() {
        "initialize" => legacy_init(req),
        "tools/call" => sse(vec![(
            None,
            json!({"jsonrpc": "2.0", "method": "notifications/message",
                "params": {"level": "info", "data": "bye"}})
            .to_string(),
        )]),
        _ => accepted(),
    })
    .await;
    let client = Client::builder("h", "1")
        .request_timeout(Duration::from_secs(20))
        .connect_http(&url)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.call_tool("t", Value::Null).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Transport { method, status: None, reason } if method == "tools/call" && reason.contains("ended before the response")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn http_errors_become_transport_errors_and_json_rpc_errors_stay_rpc_errors() {
    let (url, _) = serve(|req| match req.rpc_method() {
        "initialize" => legacy_init(req),
        "gone" => json_response(
            StatusCode::NOT_FOUND,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "session not found"}}),
        ),
        "teapot" => (StatusCode::IM_A_TEAPOT, "short and stout").into_response(),
        "mute" => accepted(),
        "refused" => json_response(
            StatusCode::BAD_REQUEST,
            json!({"jsonrpc": "2.0", "id": req.body["id"], "error": {"code": -32602, "message": "bad"}}),
        ),
        _ => accepted(),
    })
    .await;
    let client = Client::builder("h", "1").connect_http(&url).await.unwrap();
    let err = client.request("gone", Value::Null).await.unwrap_err();
    assert_eq!(err.http_status(), Some(404), "{err:?}");
    assert!(err.to_string().contains("session not found"), "{err}");
    let err = client.request("teapot", Value::Null).await.unwrap_err();
    assert_eq!(err.http_status(), Some(418));
    assert!(err.to_string().contains("short and stout"), "{err}");
    let err = client.request("mute", Value::Null).await.unwrap_err();
    assert_eq!(err.http_status(), Some(202));
    let err = client.request("refused", Value::Null).await.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32602, "{err:?}");

    // Nobody listening: the connection fails with the reason.
    let err = Client::builder("h", "1")
        .connect_http("http://127.0.0.1:9/mcp")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Transport { .. }), "{err:?}");
    let err = Client::builder("h", "1")
        .connect_http("ftp://example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidArgument(_)), "{err:?}");
    let err = Client::builder("h", "1")
        .http_header("bad header", "x")
        .connect_http(&url)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("bad header"), "{err}");
}

#[tokio::test]
async fn stateless_requests_carry_routing_headers_and_no_session() {
    let (url, seen) = serve(|req| match req.rpc_method() {
        "server/discover" => modern_discover(req),
        "tools/call" => result(
            req,
            json!({"resultType": "complete", "content": [{"type": "text", "text": "ok"}]}),
        ),
        "resources/read" => json_response(
            StatusCode::BAD_REQUEST,
            json!({"jsonrpc": "2.0", "id": req.body["id"],
                "error": {"code": -32020, "message": "header mismatch"}}),
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    })
    .await;
    let client = Client::builder("h", "1")
        .protocol(Protocol::Auto)
        .connect_http(&url)
        .await
        .unwrap();
    assert_eq!(client.protocol(), Protocol::Stateless);
    assert_eq!(client.session_id(), None);
    client.call_tool("météo", json!({})).await.unwrap();
    let err = client.read_resource("file:///a.txt").await.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32020);
    client.close().await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "no GET, no DELETE: {seen:?}");
    for s in &seen {
        assert_eq!(s.method, Method::POST);
        assert_eq!(s.header("mcp-protocol-version"), Some("2026-07-28"));
        assert_eq!(s.header("mcp-method"), Some(s.rpc_method()));
        assert_eq!(s.header("mcp-session-id"), None);
    }
    assert_eq!(seen[0].header("mcp-name"), None);
    assert_eq!(seen[1].header("mcp-name"), Some("=?base64?bcOpdMOpbw==?="));
    assert_eq!(seen[2].header("mcp-name"), Some("file:///a.txt"));
}

#[tokio::test]
async fn x_mcp_header_arguments_travel_as_headers_and_invalid_tools_are_left_out() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The first listing designates `region` as `Region`; later ones as `Zone`, and the server
    // accepts a call only with `Mcp-Param-Zone`: the client must re-list and retry once.
    let listings = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&listings);
    let (url, seen) = serve(move |req| match req.rpc_method() {
        "server/discover" => modern_discover(req),
        "tools/list" => {
            let header = if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                "Region"
            } else {
                "Zone"
            };
            result(
                req,
                json!({"resultType": "complete", "tools": [
                    {"name": "query", "inputSchema": {"type": "object", "properties": {
                        "region": {"type": "string", "x-mcp-header": header},
                        "limit": {"type": "integer", "x-mcp-header": "Limit"},
                        "sql": {"type": "string"}}}},
                    {"name": "broken", "inputSchema": {"type": "object", "properties": {
                        "x": {"type": "object", "x-mcp-header": "X"}}}}
                ]}),
            )
        }
        "tools/call" if req.header("mcp-param-zone").is_some() => result(
            req,
            json!({"resultType": "complete", "content": [{"type": "text", "text": "rows"}]}),
        ),
        "tools/call" => json_response(
            StatusCode::BAD_REQUEST,
            json!({"jsonrpc": "2.0", "id": req.body["id"],
                "error": {"code": -32020, "message": "Mcp-Param-Zone header is required"}}),
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    })
    .await;
    let client = Client::builder("h", "1")
        .protocol(Protocol::Auto)
        .connect_http(&url)
        .await
        .unwrap();
    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["query"],
        "the tool with an invalid designation is left out"
    );

    let out = client
        .call_tool(
            "query",
            json!({"region": "eu west ", "limit": 10, "sql": "select 1"}),
        )
        .await
        .unwrap();
    assert_eq!(out.content[0].as_text(), Some("rows"));
    assert_eq!(
        listings.load(Ordering::SeqCst),
        2,
        "listed again after the mismatch"
    );
    client.close().await.unwrap();

    let seen = seen.lock().unwrap();
    let calls: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.rpc_method() == "tools/call")
        .collect();
    assert_eq!(calls.len(), 2, "one retry");
    // " eu west " has a trailing space: Base64 sentinel form.
    assert_eq!(
        calls[0].header("mcp-param-region"),
        Some("=?base64?ZXUgd2VzdCA=?=")
    );
    assert_eq!(calls[0].header("mcp-param-zone"), None);
    assert_eq!(
        calls[1].header("mcp-param-zone"),
        Some("=?base64?ZXUgd2VzdCA=?=")
    );
    assert_eq!(calls[1].header("mcp-param-region"), None);
    for call in calls {
        assert_eq!(call.header("mcp-param-limit"), Some("10"));
        assert_eq!(call.header("mcp-param-sql"), None, "not designated");
    }
}

#[tokio::test]
async fn a_session_the_server_ended_is_replaced_and_the_request_sent_again() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Sessions are numbered by `initialize`; the server forgets session 1 after its first call.
    let sessions = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let (s, c) = (Arc::clone(&sessions), Arc::clone(&calls));
    let (url, seen) = serve(move |req| match (req.method.as_str(), req.rpc_method()) {
        ("POST", "initialize") => {
            let n = s.fetch_add(1, Ordering::SeqCst) + 1;
            let mut r = legacy_init(req);
            r.headers_mut()
                .insert("mcp-session-id", format!("sess-{n}").parse().unwrap());
            r
        }
        ("POST", "notifications/initialized") => accepted(),
        ("POST", "tools/call") => {
            let current = format!("sess-{}", s.load(Ordering::SeqCst));
            // The second call finds session 1 gone (as after an expiry or a restart).
            let gone = c.fetch_add(1, Ordering::SeqCst) == 1;
            if gone || req.header("mcp-session-id") != Some(current.as_str()) {
                return StatusCode::NOT_FOUND.into_response();
            }
            result(req, json!({"content": [{"type": "text", "text": current}]}))
        }
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    })
    .await;
    let client = Client::builder("h", "1").connect_http(&url).await.unwrap();
    assert_eq!(client.session_id().as_deref(), Some("sess-1"));
    let first = client.call_tool("t", json!({})).await.unwrap();
    assert_eq!(first.content[0].as_text(), Some("sess-1"));
    // Session 1 is gone now: 404, a new initialize, and the call again on session 2.
    let second = client.call_tool("t", json!({})).await.unwrap();
    assert_eq!(second.content[0].as_text(), Some("sess-2"));
    assert_eq!(client.session_id().as_deref(), Some("sess-2"));
    assert_eq!(sessions.load(Ordering::SeqCst), 2);
    client.close().await.unwrap();

    let seen = seen.lock().unwrap();
    let posts: Vec<(&str, Option<&str>)> = seen
        .iter()
        .filter(|s| s.method == Method::POST)
        .map(|s| (s.rpc_method(), s.header("mcp-session-id")))
        .collect();
    assert_eq!(
        posts,
        [
            ("initialize", None),
            ("notifications/initialized", Some("sess-1")),
            ("tools/call", Some("sess-1")),
            ("tools/call", Some("sess-1")),
            ("initialize", None),
            ("notifications/initialized", Some("sess-2")),
            ("tools/call", Some("sess-2")),
        ]
    );
}

#[tokio::test]
async fn auto_over_http_falls_back_on_a_legacy_refusal_but_not_on_a_modern_one() {
    let (url, seen) = serve(|req| match req.rpc_method() {
        // What a handshake-only server says to a request without a session.
        "server/discover" => json_response(
            StatusCode::BAD_REQUEST,
            json!({"jsonrpc": "2.0", "id": null,
                "error": {"code": -32600, "message": "Mcp-Session-Id required"}}),
        ),
        "initialize" => legacy_init(req),
        _ => accepted(),
    })
    .await;
    let client = Client::builder("h", "1")
        .protocol(Protocol::Auto)
        .connect_http(&url)
        .await
        .unwrap();
    assert_eq!(client.protocol(), Protocol::Legacy);
    assert_eq!(client.session_id().as_deref(), Some("sess-42"));
    let methods: VecDeque<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.rpc_method().to_owned())
        .collect();
    assert_eq!(
        methods.range(..2).collect::<Vec<_>>(),
        ["server/discover", "initialize"]
    );

    let (url, seen) = serve(|req| {
        json_response(
            StatusCode::BAD_REQUEST,
            json!({"jsonrpc": "2.0", "id": req.body["id"], "error": {"code": -32022,
                "message": "unsupported", "data": {"supported": ["2027-01-01"]}}}),
        )
    })
    .await;
    let err = Client::builder("h", "1")
        .protocol(Protocol::Auto)
        .connect_http(&url)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Handshake(_)), "{err:?}");
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "no initialize after a modern error"
    );
}
