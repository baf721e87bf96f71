//! Streamable HTTP (2025-11-25): sessions, JSON and SSE responses, sampling on the request's
//! stream, resumption, and the transport's refusals.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, Limits, ServerHandle};
use toolsmith_tests::fixtures::hi;
use toolsmith_tests::sse::SseReader;

/// Ask the client's model to echo a word.
#[tool]
async fn ask(word: String, ctx: Context<'_>) -> Result<String, ToolError> {
    ctx.info(format!("asking about {word}")).await;
    Ok(ctx.sample(word).max_tokens(5).await?.text())
}

struct Endpoint {
    url: String,
    http: reqwest::Client,
    session: Option<String>,
}

async fn start(server: Server, config: HttpConfig) -> Endpoint {
    let router = server.into_http_router(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Endpoint {
        url: format!("http://{addr}/mcp"),
        http: reqwest::Client::new(),
        session: None,
    }
}

impl Endpoint {
    fn post(&self, body: &Value) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(s) = &self.session {
            r = r
                .header("mcp-session-id", s)
                .header("mcp-protocol-version", "2025-11-25");
        }
        r
    }

    async fn initialize(&mut self, caps: Value) {
        let r = self
            .post(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
                "protocolVersion":"2025-11-25","capabilities":caps,"clientInfo":{"name":"t","version":"0"}}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        let id = r.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        assert!(
            id.len() >= 32 && id.bytes().all(|b| (0x21..=0x7e).contains(&b)),
            "{id}"
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
        self.session = Some(id);
        let r = self
            .post(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        assert!(r.text().await.unwrap().is_empty());
    }

    async fn call(&self, body: Value) -> Value {
        let r = self.post(&body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }
}

fn server() -> Server {
    Server::new("http-test", "1").tool(ask).tool(hi)
}

#[tokio::test]
async fn json_responses_and_session_rules() {
    let mut ep = start(server(), HttpConfig::default()).await;
    // Before initialize there is no session.
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Mcp-Session-Id"));

    ep.initialize(json!({})).await;
    let list = ep
        .call(json!({"jsonrpc":"2.0","id":3,"method":"tools/list"}))
        .await;
    assert_eq!(list["result"]["tools"].as_array().unwrap().len(), 2);
    let r = ep
        .call(json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"hi"}}))
        .await;
    assert_eq!(r["result"]["content"][0]["text"], "hi");

    // Unknown session.
    let saved = ep
        .session
        .replace("0123456789abcdef0123456789abcdef".into());
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":5,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    ep.session = saved;

    // Unsupported protocol version header.
    let r = ep
        .http
        .post(&ep.url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", ep.session.as_deref().unwrap())
        .header("mcp-protocol-version", "1999-01-01")
        .body(json!({"jsonrpc":"2.0","id":6,"method":"ping"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Accept and Content-Type are checked.
    let r = ep
        .http
        .post(&ep.url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    let r = ep
        .http
        .post(&ep.url)
        .header("content-type", "text/plain")
        .header("accept", "application/json, text/event-stream")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    // A malformed body is a JSON-RPC parse error with 400.
    let r = ep.post(&json!("x")).body("{oops").send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32700);

    // DELETE ends the session; it is then unknown.
    let r = ep
        .http
        .delete(&ep.url)
        .header("mcp-session-id", ep.session.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":7,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn sampling_travels_on_the_request_stream_and_can_be_resumed() {
    let mut ep = start(server(), HttpConfig::default()).await;
    ep.initialize(json!({"sampling": {}})).await;
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"ask","arguments":{"word":"ping"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/event-stream");
    let mut events = SseReader::new(r);
    let priming = events.next().await.unwrap();
    assert!(
        priming.data.is_empty() && priming.id.is_some() && priming.retry.is_some(),
        "{priming:?}"
    );
    let (_, log) = events.next_message().await.unwrap();
    assert_eq!(log["method"], "notifications/message");
    let (ask_event, request) = events.next_message().await.unwrap();
    assert_eq!(request["method"], "sampling/createMessage");
    assert_eq!(request["params"]["messages"][0]["content"]["text"], "ping");

    // The client answers with a separate POST.
    let answer = json!({"jsonrpc":"2.0","id":request["id"],"result":{"role":"assistant","model":"m","content":{"type":"text","text":"pong"}}});
    let r = ep.post(&answer).send().await.unwrap();
    assert_eq!(r.status(), 202);
    let (final_id, done) = events.next_message().await.unwrap();
    assert_eq!(done["id"], 10);
    assert_eq!(done["result"]["content"][0]["text"], "pong");
    assert!(
        events.next().await.is_none(),
        "the stream ends after the response"
    );

    // Resuming after the sampling request replays what followed it, and only that.
    let r = ep
        .http
        .get(&ep.url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", ep.session.as_deref().unwrap())
        .header("last-event-id", ask_event.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut replay = SseReader::new(r);
    let (id, again) = replay.next_message().await.unwrap();
    assert_eq!(again, done);
    assert_eq!(id, final_id);
    assert!(replay.next_message().await.is_none());
}

#[tokio::test]
async fn standalone_stream_carries_list_changes() {
    let server = server();
    let handle: ServerHandle = server.handle();
    let mut ep = start(server, HttpConfig::default()).await;
    ep.initialize(json!({})).await;
    let get = || {
        ep.http
            .get(&ep.url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", ep.session.as_deref().unwrap())
            .send()
    };
    let r = get().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut stream = SseReader::new(r);
    stream.next().await.unwrap(); // priming
                                  // Only one standalone stream per session.
    assert_eq!(get().await.unwrap().status(), 409);
    handle.remove_tool("hi");
    let (_, n) = stream.next_message().await.unwrap();
    assert_eq!(n["method"], "notifications/tools/list_changed");
}

#[tokio::test]
async fn refuses_foreign_hosts_and_origins_and_oversized_bodies() {
    let ep = start(
        server().limits(Limits::default().max_message_bytes(1024)),
        HttpConfig::default(),
    )
    .await;
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    let mut evil_host = HeaderMap::new();
    evil_host.insert("host", "evil.example".parse().unwrap());
    let r = ep.post(&init).headers(evil_host).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = ep
        .post(&init)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = ep
        .post(&init)
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let big = json!({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"x".repeat(4096)}});
    let r = ep.post(&big).send().await.unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let config = HttpConfig::default().session_idle_timeout(Duration::from_millis(200));
    let mut ep = start(server(), config).await;
    ep.initialize(json!({})).await;
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":3,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// The arguments of `route`, one of them mirrored into an `Mcp-Param-Region` header.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct RouteArgs {
    /// Where to run.
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: String,
}

/// Report the region.
#[tool]
async fn route(Params(args): Params<RouteArgs>) -> String {
    format!("ran in {}", args.region)
}

#[tokio::test]
async fn stateless_requests_check_mirrored_headers() {
    let ep = start(server().tool(route), HttpConfig::default()).await;
    let call = |name: &str, args: Value, headers: &[(&str, &str)]| {
        let body = json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{
            "name": name, "arguments": args, "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {}}}});
        let mut r = ep
            .post(&body)
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call");
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        async move {
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };

    // Mcp-Name may use the Base64 sentinel form, and surrounding whitespace is not part of it.
    let (status, body) = call("hi", json!({}), &[("mcp-name", "=?base64?aGk=?=")]).await;
    assert_eq!(
        (status, &body["result"]["content"][0]["text"]),
        (200, &json!("hi")),
        "{body}"
    );
    let (status, _) = call("hi", json!({}), &[("mcp-name", " hi ")]).await;
    assert_eq!(status, 200);

    // A designated argument travels in its header too, literal or Base64-encoded.
    let ok = [("mcp-name", "route"), ("mcp-param-region", "us-west1")];
    let (status, body) = call("route", json!({"region": "us-west1"}), &ok).await;
    assert_eq!(
        (status, &body["result"]["content"][0]["text"]),
        (200, &json!("ran in us-west1")),
        "{body}"
    );
    let encoded = [
        ("mcp-name", "route"),
        ("Mcp-Param-Region", "=?base64?SGVsbG8=?="),
    ];
    let (status, _) = call("route", json!({"region": "Hello"}), &encoded).await;
    assert_eq!(status, 200);

    // Missing, different, or undecodable: 400 with -32020, before the tool runs.
    for headers in [
        &[("mcp-name", "route")][..],
        &[("mcp-name", "route"), ("mcp-param-region", "eu-west1")],
        &[
            ("mcp-name", "route"),
            ("mcp-param-region", "=?base64?SGVsbG8?="),
        ],
        &[("mcp-name", "=?base64?!!!?=")],
    ] {
        let (status, body) = call("route", json!({"region": "Hello"}), headers).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (400, &json!(-32020)),
            "{headers:?}: {body}"
        );
        assert_eq!(body["id"], 7);
    }
}

#[tokio::test]
async fn bearer_tokens_are_required_when_configured() {
    let mut ep = start(server(), HttpConfig::default().bearer_token("s3cret")).await;
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    let r = ep.post(&init).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"mcp\"");
    let r = ep
        .post(&init)
        .header("authorization", "Bearer wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    let r = ep
        .post(&init)
        .header("authorization", "Bearer s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    ep.session = Some(r.headers()["mcp-session-id"].to_str().unwrap().to_owned());
    // Every request needs it, not just the first.
    let r = ep
        .post(&json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
