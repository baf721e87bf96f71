//! The toolkit's client over streamable HTTP against the toolkit's own HTTP server
//! (`Server::into_http_router` on a loopback port), in the handshake era (2025-11-25): sessions,
//! JSON and SSE answers, sampling on the request's stream, progress, logs, elicitation, roots,
//! the approval hook, and `close` ending the session.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use toolsmith::client::{
    Approval, Client, ClientBuilder, ClientError, ElicitationRequest, Progress, Protocol,
    SamplingRequest,
};
use toolsmith::prelude::*;
use toolsmith::{ElicitAction, ElicitResult, HttpConfig, Root};
use toolsmith_tests::fixtures::{ask_or_explain, chatty, hi, roots};

/// Ask the client's model, logging first.
#[tool]
async fn ask(question: String, ctx: Context<'_>) -> Result<String, ToolError> {
    ctx.info(format!("asking: {question}")).await;
    Ok(ctx.sample(question).max_tokens(20).await?.text())
}

/// Count to `n`, reporting progress.
#[tool]
async fn count(n: u32, ctx: Context<'_>) -> String {
    for k in 1..=n {
        ctx.report_progress(k as f64, Some(n as f64), Some(&format!("{k} of {n}")))
            .await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    format!("counted to {n}")
}

/// Ask the user's name.
#[tool]
async fn greet(ctx: Context<'_>) -> Result<String, ToolError> {
    let answer = ctx
        .elicit(
            "What is your name?",
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
        )
        .await?;
    Ok(match answer.action {
        ElicitAction::Accept => format!(
            "Hello, {}!",
            answer.content.unwrap_or_default()["name"]
                .as_str()
                .unwrap_or("?")
        ),
        other => format!("no name ({other:?})"),
    })
}

fn server() -> Server {
    Server::new("http-client-test", "1.0")
        .tool(hi)
        .tool(ask)
        .tool(count)
        .tool(chatty)
        .tool(greet)
        .tool(roots)
        .tool(ask_or_explain)
}

/// Serve `server` over HTTP on a loopback port; returns its MCP URL.
async fn serve(server: Server) -> String {
    let router = server.into_http_router(HttpConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/mcp")
}

async fn connect(builder: ClientBuilder) -> (Client, String) {
    let url = serve(server()).await;
    let client = builder
        .request_timeout(Duration::from_secs(20))
        .connect_http(&url)
        .await
        .expect("connect over HTTP");
    (client, url)
}

/// A raw POST with a session id, as another client holding it would send.
async fn raw_ping(url: &str, session: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn list_and_call_in_a_session_and_close_deletes_it() {
    let (client, url) = connect(Client::builder("http-test", "1")).await;
    assert_eq!(client.protocol(), Protocol::Legacy);
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert_eq!(client.server_info().name, "http-client-test");
    let session = client.session_id().expect("a session id");
    client.ping().await.unwrap();

    let tools = client.list_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "hi",
            "ask",
            "count",
            "chatty",
            "greet",
            "roots",
            "ask_or_explain"
        ]
    );
    let result = client.call_tool("hi", Value::Null).await.unwrap();
    assert_eq!(result.text_content(), "hi");
    let err = client.call_tool("nope", json!({})).await.unwrap_err();
    assert_eq!(err.rpc_error().unwrap().code, -32602, "{err}");

    assert_eq!(raw_ping(&url, &session).await, 200, "the session is live");
    let closed = client.close().await.unwrap();
    assert_eq!(closed.exit_status, None);
    assert_eq!(
        raw_ping(&url, &session).await,
        404,
        "close() deleted the session"
    );
    assert!(client.is_closed());
    assert!(client.ping().await.unwrap_err().is_connection_closed());
}

#[tokio::test]
async fn dropping_the_client_ends_its_session_too() {
    let (client, url) = connect(Client::builder("http-test", "1")).await;
    let session = client.session_id().unwrap();
    drop(client);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while raw_ping(&url, &session).await != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "the session outlived its client"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_sample_is_answered_on_the_requests_stream_with_its_logs() {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let l = Arc::clone(&logs);
    let builder = Client::builder("http-test", "1")
        .on_log(move |m| l.lock().unwrap().push(m.text()))
        .sampling_handler(|req: SamplingRequest| async move {
            assert_eq!(req.server_name(), Some("http-client-test"));
            Ok(format!("answer to {}", req.last_user_text()))
        });
    let (client, _) = connect(builder).await;
    let result = client
        .call_tool("ask", json!({"question": "life"}))
        .await
        .unwrap();
    assert_eq!(result.text_content(), "answer to life");
    // The log came on the same stream, before the response.
    assert_eq!(*logs.lock().unwrap(), ["asking: life"]);
    client.close().await.unwrap();
}

#[tokio::test]
async fn concurrent_calls_overlap_their_samples() {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let builder =
        Client::builder("http-test", "1").sampling_handler(move |req: SamplingRequest| {
            let barrier = Arc::clone(&barrier);
            async move {
                barrier.wait().await;
                Ok(format!("re: {}", req.last_user_text()))
            }
        });
    let (client, _) = connect(builder.request_timeout(Duration::from_secs(5))).await;
    let (a, b) = tokio::join!(
        client.call_tool("ask", json!({"question": "one"})),
        client.call_tool("ask", json!({"question": "two"})),
    );
    assert_eq!(a.unwrap().text_content(), "re: one");
    assert_eq!(b.unwrap().text_content(), "re: two");
}

#[tokio::test]
async fn progress_reaches_its_callback_in_order() {
    let (client, _) = connect(Client::builder("http-test", "1")).await;
    let updates: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let u = Arc::clone(&updates);
    let result = client
        .call_tool_with_progress("count", json!({"n": 3}), move |p| u.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(result.text_content(), "counted to 3");
    let updates = updates.lock().unwrap();
    let seen: Vec<(f64, Option<f64>, Option<&str>)> = updates
        .iter()
        .map(|p| (p.progress, p.total, p.message.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (1.0, Some(3.0), Some("1 of 3")),
            (2.0, Some(3.0), Some("2 of 3")),
            (3.0, Some(3.0), Some("3 of 3"))
        ]
    );
}

#[tokio::test]
async fn the_log_level_filters_server_logs() {
    let (tx, mut logs) = tokio::sync::mpsc::unbounded_channel();
    let builder = Client::builder("http-test", "1").on_log(move |m| tx.send(m).unwrap());
    let (client, _) = connect(builder).await;
    client.call_tool("chatty", json!({})).await.unwrap();
    assert_eq!(logs.try_recv().unwrap().text(), "just so you know");
    assert_eq!(logs.try_recv().unwrap().text(), "something broke");
    client.set_log_level(LoggingLevel::Warning).await.unwrap();
    client.call_tool("chatty", json!({})).await.unwrap();
    let log = logs.try_recv().unwrap();
    assert_eq!(log.level, LoggingLevel::Error);
    assert!(logs.try_recv().is_err(), "the info log was filtered out");
}

#[tokio::test]
async fn elicitation_and_roots_are_answered_over_http() {
    let asked: Arc<Mutex<Vec<ElicitationRequest>>> = Arc::default();
    let a = Arc::clone(&asked);
    let builder = Client::builder("http-test", "1")
        .elicitation_handler(move |req: ElicitationRequest| {
            a.lock().unwrap().push(req);
            async {
                let mut content = serde_json::Map::new();
                content.insert("name".into(), json!("Grace"));
                Ok(ElicitResult::accept(content))
            }
        })
        .roots([
            Root::new("file:///src"),
            Root::new("file:///docs").with_name("docs"),
        ]);
    let (client, _) = connect(builder).await;
    let r = client.call_tool("greet", json!({})).await.unwrap();
    assert_eq!(r.text_content(), "Hello, Grace!");
    let r = client.call_tool("roots", json!({})).await.unwrap();
    assert_eq!(r.text_content(), "file:///src,file:///docs");
    {
        let asked = asked.lock().unwrap();
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].message, "What is your name?");
        assert_eq!(
            asked[0].requested_schema.as_ref().unwrap()["required"],
            json!(["name"])
        );
    }

    // Without the handlers the capabilities are not declared, and the server knows it.
    let (plain, _) = connect(Client::builder("http-test", "1")).await;
    let r = plain.call_tool("greet", json!({})).await.unwrap();
    assert!(r.is_error(), "{r:?}");
    assert!(
        r.text_content().contains("elicitation"),
        "{}",
        r.text_content()
    );
}

#[tokio::test]
async fn the_approval_hook_approves_edits_and_rejects_over_http() {
    let approvals = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&approvals);
    let builder = Client::builder("http-test", "1")
        .sampling_approval(move |req: &SamplingRequest| {
            n.fetch_add(1, Ordering::SeqCst);
            assert_eq!(req.server_name(), Some("http-client-test"));
            match req.last_user_text().as_str() {
                "secret" => {
                    let mut p = req.params.clone();
                    p.messages = vec![SamplingMessage::user("[redacted]")];
                    Approval::Edit(p)
                }
                "forbidden" => Approval::reject("not allowed"),
                _ => Approval::Approve,
            }
        })
        .sampling_handler(|req: SamplingRequest| async move {
            Ok(format!("model saw {}", req.last_user_text()))
        });
    let (client, _) = connect(builder).await;
    let text = |q: &'static str| {
        let client = &client;
        async move {
            client
                .call_tool("ask_or_explain", json!({ "question": q }))
                .await
                .unwrap()
                .text_content()
        }
    };
    assert_eq!(text("weather").await, "model saw weather");
    assert_eq!(text("secret").await, "model saw [redacted]");
    let refused = text("forbidden").await;
    assert!(
        refused.contains("user rejected: not allowed") && refused.contains("-1"),
        "{refused}"
    );
    assert_eq!(approvals.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_client_error_on_a_dead_server_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = Client::builder("http-test", "1")
        .connect_http(&format!("http://{addr}/mcp"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Transport { method, status: None, .. } if method == "initialize"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_session_the_server_ended_is_replaced_and_the_call_still_answered() {
    let (client, url) = connect(Client::builder("http-test", "1")).await;
    let old = client.session_id().expect("a session");
    // End the session from outside, as an idle expiry or a server restart would.
    let ended = reqwest::Client::new()
        .delete(&url)
        .header("mcp-session-id", &old)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap()
        .status();
    assert!(ended.is_success(), "DELETE answered {ended}");
    assert_eq!(raw_ping(&url, &old).await, reqwest::StatusCode::NOT_FOUND);

    // The call meets the 404, the client starts a new session and sends the call again.
    let out = client
        .call_tool("hi", json!({}))
        .await
        .expect("answered on a new session");
    assert_eq!(out.content[0].as_text(), Some("hi"));
    let new = client.session_id().expect("a new session");
    assert_ne!(new, old);
    assert_eq!(raw_ping(&url, &new).await, reqwest::StatusCode::OK);
    client.close().await.unwrap();
}
