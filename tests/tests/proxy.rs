//! `toolsmith::proxy::Proxy`: a remote server reached with our `Client` exposed through a local
//! server. The remote server's sampling and elicitation requests reach the end client through
//! the local call's `Context` and are answered there, across eras: a 2025-11-25 end client
//! through the proxy to a 2026-07-28 remote server, and the reverse (and each era on both
//! sides).

use serde_json::json;
use toolsmith::client::Protocol;
use toolsmith::prelude::*;
use toolsmith::proxy::Proxy;
use toolsmith::testing::TestClient;
use toolsmith::{Client, ElicitAction};

/// Ask the model for a headline.
#[tool]
async fn headline(text: String, ctx: Context<'_>) -> Result<String, ToolError> {
    let reply = ctx.sample(format!("Headline for: {text}")).await?;
    Ok(format!("remote says: {}", reply.text()))
}

/// Ask the user to confirm.
#[tool]
async fn confirm(ctx: Context<'_>) -> Result<String, ToolError> {
    let answer = ctx
        .elicit(
            "Sure?",
            json!({"type": "object", "properties": {"ok": {"type": "boolean"}}}),
        )
        .await?;
    Ok(match answer.action {
        ElicitAction::Accept => format!("confirmed: {}", answer.content.unwrap_or_default()["ok"]),
        other => format!("not confirmed: {other:?}"),
    })
}

/// The remote desk's style guide.
#[resource(uri = "news://style")]
async fn style() -> String {
    "short words".into()
}

/// Pitch a story.
#[prompt]
async fn pitch(topic: String) -> String {
    format!("Pitch a story about {topic}.")
}

/// Work in two steps, reporting each.
#[tool]
async fn steps(ctx: Context<'_>) -> &'static str {
    ctx.report_progress(1.0, Some(2.0), Some("first step"))
        .await;
    ctx.report_progress(2.0, Some(2.0), Some("second step"))
        .await;
    "done"
}

fn remote() -> Server {
    Server::new("remote", "1")
        .tool(headline)
        .tool(steps)
        .tool(confirm)
        .resource(style)
        .prompt(pitch)
}

/// The remote server on an in-memory pipe, and the proxy's client to it speaking `protocol`.
async fn connect_remote(proxy: &Proxy, protocol: Protocol) -> Client {
    let (near, far) = tokio::io::duplex(64 * 1024);
    let (far_read, far_write) = tokio::io::split(far);
    tokio::spawn(remote().serve(far_read, far_write));
    let (near_read, near_write) = tokio::io::split(near);
    proxy
        .client(Client::builder("proxy", "1").protocol(protocol))
        .connect(near_read, near_write)
        .await
        .unwrap()
}

/// A local server exposing [`remote`] through a proxy whose client speaks `far` to it; the proxy
/// is returned too, to live as long as the test uses the server.
async fn front_for(far: Protocol) -> (Proxy, Server) {
    let proxy = Proxy::new();
    let remote = connect_remote(&proxy, far).await;
    assert_eq!(remote.protocol(), far);
    let front = proxy
        .expose(Server::new("front", "1"), remote)
        .await
        .unwrap();
    (proxy, front)
}

const ERAS: [(Protocol, Protocol); 4] = [
    (Protocol::Legacy, Protocol::Stateless),
    (Protocol::Stateless, Protocol::Legacy),
    (Protocol::Legacy, Protocol::Legacy),
    (Protocol::Stateless, Protocol::Stateless),
];

#[tokio::test]
async fn the_remote_servers_samples_and_elicitations_reach_the_end_client_across_eras() {
    for (end, far) in ERAS {
        let (_proxy, front) = front_for(far).await;
        let client = TestClient::builder(front)
            .protocol(end)
            .sample_reply("Rain again")
            .elicit_accept(json!({"ok": true}))
            .connect()
            .await
            .unwrap();
        let names: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["headline", "steps", "confirm"]);
        let result = client
            .call_tool("headline", json!({"text": "weather"}))
            .await
            .unwrap();
        let era = format!("end client {end:?}, remote {far:?}");
        assert_eq!(
            result.text_content(),
            "remote says: Rain again",
            "{era}: {result:?}"
        );
        let sampled = client.sampled();
        assert_eq!(sampled.len(), 1, "{era}");
        assert_eq!(
            sampled[0].last_user_text(),
            "Headline for: weather",
            "{era}"
        );
        let result = client.call_tool("confirm", json!({})).await.unwrap();
        assert_eq!(
            result.text_content(),
            "confirmed: true",
            "{era}: {result:?}"
        );
        assert_eq!(client.elicited().len(), 1, "{era}");
        assert_eq!(client.elicited()[0].message, "Sure?", "{era}");
        client.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn an_end_client_refusal_reaches_the_remote_tool() {
    for (end, far) in ERAS {
        let (_proxy, front) = front_for(far).await;
        let client = TestClient::builder(front)
            .protocol(end)
            .sample_error(toolsmith::client::SamplingError::rejected(
                "the user said no",
            ))
            .connect()
            .await
            .unwrap();
        // A failed tool result; an end client of 2026-07-28 whose own handler refused ends its
        // request with that error instead (it has no way to answer an input request with one).
        let text = match client
            .call_tool("headline", json!({"text": "weather"}))
            .await
        {
            Ok(result) => {
                assert!(result.is_error(), "{end:?}/{far:?}: {result:?}");
                result.text_content()
            }
            Err(e) => {
                assert_eq!(end, Protocol::Stateless, "{e}");
                e.to_string()
            }
        };
        assert!(text.contains("the user said no"), "{end:?}/{far:?}: {text}");
    }
}

#[tokio::test]
async fn resources_and_prompts_are_forwarded() {
    let (_proxy, front) = front_for(Protocol::Stateless).await;
    let client = TestClient::connect(front).await.unwrap();
    let resources = client.list_all_resources().await.unwrap();
    assert_eq!(resources[0].uri, "news://style");
    assert_eq!(
        resources[0].description.as_deref(),
        Some("The remote desk's style guide.")
    );
    let read = client.read_resource("news://style").await.unwrap();
    assert_eq!(
        serde_json::to_value(&read.contents[0]).unwrap()["text"],
        "short words"
    );
    let got = client
        .get_prompt("pitch", json!({"topic": "tides"}))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&got.messages[0]).unwrap()["content"]["text"],
        "Pitch a story about tides."
    );
    // The remote server's own error comes back as it is.
    let err = client.get_prompt("pitch", json!({})).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("missing required argument `topic`"),
        "{err}"
    );
}

/// A remote server whose `pair` tool waits until two calls of it run, then samples: two
/// proxied calls are surely in flight when the remote server asks.
fn pairing_remote() -> Server {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let pair = toolsmith::ToolDef::dynamic(
        "pair",
        json!({"type": "object", "properties": {"n": {"type": "integer"}}}),
        move |ctx, args| {
            let barrier = std::sync::Arc::clone(&barrier);
            Box::pin(async move {
                barrier.wait().await;
                let reply = ctx.sample(format!("call {}", args["n"])).await?;
                Ok(CallToolResult::text(reply.text()))
            })
        },
    );
    Server::new("pairing", "1").tool(pair)
}

async fn two_calls_at_once(far: Protocol) -> (Vec<String>, Vec<String>) {
    let proxy = Proxy::new();
    let (near, remote_end) = tokio::io::duplex(64 * 1024);
    let (r, w) = tokio::io::split(remote_end);
    tokio::spawn(pairing_remote().serve(r, w));
    let (nr, nw) = tokio::io::split(near);
    let remote = proxy
        .client(Client::builder("proxy", "1").protocol(far))
        .connect(nr, nw)
        .await
        .unwrap();
    let front = proxy
        .expose(Server::new("front", "1"), remote)
        .await
        .unwrap();
    let client = TestClient::builder(front)
        .sample_reply("first answer")
        .sample_reply("second answer")
        .connect()
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        client.call_tool("pair", json!({"n": 1})),
        client.call_tool("pair", json!({"n": 2}))
    );
    let mut texts = vec![a.unwrap().text_content(), b.unwrap().text_content()];
    texts.sort();
    let mut asked: Vec<String> = client
        .sampled()
        .iter()
        .map(|r| r.last_user_text())
        .collect();
    asked.sort();
    (texts, asked)
}

#[tokio::test]
async fn with_a_2026_remote_each_ask_goes_through_the_call_that_caused_it() {
    let (texts, asked) = two_calls_at_once(Protocol::Stateless).await;
    assert_eq!(texts, ["first answer", "second answer"]);
    assert_eq!(asked, ["call 1", "call 2"]);
}

#[tokio::test]
async fn with_a_2025_remote_and_several_calls_in_flight_the_ask_is_refused_clearly() {
    let (texts, asked) = two_calls_at_once(Protocol::Legacy).await;
    for text in &texts {
        assert!(
            text.contains("cannot tell which of its 2 calls in flight"),
            "{text}"
        );
    }
    assert!(asked.is_empty());
}

#[tokio::test]
async fn a_remote_server_over_streamable_http_is_proxied_in_both_eras() {
    let router = remote()
        .into_http_router(toolsmith::HttpConfig::default())
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    for (end, far) in ERAS {
        let proxy = Proxy::new();
        let remote = proxy
            .client(Client::builder("proxy", "1").protocol(far))
            .connect_http(&url)
            .await
            .unwrap();
        let front = proxy
            .expose(Server::new("front", "1"), remote)
            .await
            .unwrap();
        let client = TestClient::builder(front)
            .protocol(end)
            .sample_reply("Sun at last")
            .elicit_accept(json!({"ok": false}))
            .connect()
            .await
            .unwrap();
        let era = format!("end client {end:?}, remote {far:?} over HTTP");
        let result = client
            .call_tool("headline", json!({"text": "weather"}))
            .await
            .unwrap();
        assert_eq!(
            result.text_content(),
            "remote says: Sun at last",
            "{era}: {result:?}"
        );
        assert_eq!(
            client.sampled()[0].last_user_text(),
            "Headline for: weather",
            "{era}"
        );
        let result = client.call_tool("confirm", json!({})).await.unwrap();
        assert_eq!(
            result.text_content(),
            "confirmed: false",
            "{era}: {result:?}"
        );
        client.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn the_remote_calls_progress_reaches_the_end_client() {
    for (end, far) in ERAS {
        let (_proxy, front) = front_for(far).await;
        let client = TestClient::builder(front)
            .protocol(end)
            .connect()
            .await
            .unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = std::sync::Arc::clone(&seen);
        let result = client
            .call_tool_with_progress("steps", json!({}), move |p| {
                record
                    .lock()
                    .unwrap()
                    .push((p.progress, p.total, p.message));
            })
            .await
            .unwrap();
        assert_eq!(result.text_content(), "done");
        assert_eq!(
            *seen.lock().unwrap(),
            [
                (1.0, Some(2.0), Some("first step".to_owned())),
                (2.0, Some(2.0), Some("second step".to_owned()))
            ],
            "end client {end:?}, remote {far:?}"
        );
    }
}

/// The end client's tool names after each `tools/list_changed` it hears, until `until` says
/// they are what it waits for.
async fn names_after_changes(
    client: &TestClient,
    heard: &mut tokio::sync::mpsc::UnboundedReceiver<toolsmith::client::ServerNotification>,
    until: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    loop {
        let names: Vec<String> = client
            .list_tools()
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        if until(&names) {
            return names;
        }
        tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv())
            .await
            .expect("a list change within 10 s")
            .expect("the callback is alive");
    }
}

#[tokio::test]
async fn the_local_server_follows_the_remote_servers_list_changes_in_both_eras() {
    for far in [Protocol::Legacy, Protocol::Stateless] {
        let proxy = Proxy::new();
        let remote_server = remote();
        let remote_handle = remote_server.handle();
        let (near, far_end) = tokio::io::duplex(64 * 1024);
        let (r, w) = tokio::io::split(far_end);
        tokio::spawn(remote_server.serve(r, w));
        let (nr, nw) = tokio::io::split(near);
        let remote = proxy
            .client(Client::builder("proxy", "1").protocol(far))
            .connect(nr, nw)
            .await
            .unwrap();
        let front = proxy
            .expose(Server::new("front", "1"), remote)
            .await
            .unwrap();
        let (tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let client = TestClient::builder(front)
            .client(move |b| {
                b.on_notification(move |n| {
                    let _ = tx.send(n);
                })
            })
            .connect()
            .await
            .unwrap();
        let late = toolsmith::ToolDef::dynamic("late", json!({"type": "object"}), |_ctx, _args| {
            Box::pin(async move { Ok(CallToolResult::text("late but here")) })
        });
        remote_handle.add_tool(late).unwrap();
        let names =
            names_after_changes(&client, &mut heard, |n| n.iter().any(|n| n == "late")).await;
        assert_eq!(names, ["headline", "steps", "confirm", "late"], "{far:?}");
        let result = client.call_tool("late", json!({})).await.unwrap();
        assert_eq!(result.text_content(), "late but here", "{far:?}");
        assert!(remote_handle.remove_tool("steps"));
        let names =
            names_after_changes(&client, &mut heard, |n| !n.iter().any(|n| n == "steps")).await;
        assert_eq!(names, ["headline", "confirm", "late"], "{far:?}");
    }
}
