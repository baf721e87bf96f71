//! [`RedisFanOut`] against a real `redis-server` (started by the test): a change raised on one
//! replica (a resource update, a list change) reaches the sessions held by another, a replica
//! does not hear its own changes back, and after Redis restarts the replicas hear each other
//! again. The same for a 2026-07-28 `subscriptions/listen` stream.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::mpsc;
use toolsmith::client::{Client, ListenFilter, Protocol, ServerNotification};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, RedisFanOut, ServerHandle};
use toolsmith_tests::redis::RedisServer;
use toolsmith_tests::replicas::{initialize, post, server};
use toolsmith_tests::sse::SseReader;
use toolsmith_tests::WAIT;

/// Added at run time, to raise a list change.
#[tool]
async fn late() -> &'static str {
    "late"
}

/// A replica of [`server`] sharing `redis`'s fan-out: its URL and its handle.
async fn replica(redis: &RedisServer) -> (String, ServerHandle) {
    let config = HttpConfig::default().fan_out(Arc::new(RedisFanOut::new(&redis.url()).unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let server = server();
    let handle = server.handle();
    tokio::spawn(server.serve_http_listener(listener, config));
    (url, handle)
}

/// A session on `url` subscribed to `notes://today`, with its GET stream open.
async fn listening_session(url: &str) -> SseReader {
    let session = initialize(url, None).await;
    let subscribe = json!({"jsonrpc":"2.0","id":2,"method":"resources/subscribe",
        "params":{"uri":"notes://today"}});
    let subscribed = post(url, Some(&session), None, subscribe).await;
    assert_eq!(subscribed.status, 200, "{}", subscribed.text);
    let stream = reqwest::Client::new()
        .get(url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    SseReader::new(stream)
}

/// The next notification's method and params on `events`.
async fn next_notification(events: &mut SseReader) -> (String, Value) {
    let (_, message) = events.next_message().await.expect("the stream is open");
    let method = message["method"]
        .as_str()
        .expect("a notification")
        .to_owned();
    (method, message["params"].clone())
}

/// Until both replicas' relays listen on the channel (they subscribe in the background).
async fn both_subscribed(redis: &RedisServer) {
    tokio::time::timeout(WAIT, async {
        while redis.cli(&["PUBSUB", "NUMSUB", "toolsmith:changes"]) != "toolsmith:changes\n2" {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("both replicas subscribed to the channel");
}

#[tokio::test]
async fn changes_raised_on_one_replica_reach_the_sessions_of_another() {
    let test = "changes_raised_on_one_replica_reach_the_sessions_of_another";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let ((a, on_a), (b, on_b)) = (replica(&redis).await, replica(&redis).await);
    let mut session_a = listening_session(&a).await;
    let mut session_b = listening_session(&b).await;
    both_subscribed(&redis).await;

    on_a.resource_updated("notes://today");
    let (method, params) = next_notification(&mut session_b).await;
    assert_eq!(method, "notifications/resources/updated");
    assert_eq!(params["uri"], "notes://today");
    on_a.add_tool(late).unwrap();
    let (method, _) = next_notification(&mut session_b).await;
    assert_eq!(method, "notifications/tools/list_changed");

    // A's own session heard its changes once, locally; then the change B raises. Had A heard
    // its own changes back from Redis, they would come before B's (Redis delivered them to
    // both replicas before B raised anything).
    let (method, _) = next_notification(&mut session_a).await;
    assert_eq!(method, "notifications/resources/updated");
    let (method, _) = next_notification(&mut session_a).await;
    assert_eq!(method, "notifications/tools/list_changed");
    assert!(on_b.remove_tool("hi"));
    let (method, _) = next_notification(&mut session_a).await;
    assert_eq!(method, "notifications/tools/list_changed");
}

#[tokio::test]
async fn after_redis_restarts_changes_reach_the_other_replica_again() {
    let test = "after_redis_restarts_changes_reach_the_other_replica_again";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let ((_, on_a), (b, _)) = (replica(&redis).await, replica(&redis).await);
    let mut session_b = listening_session(&b).await;
    both_subscribed(&redis).await;

    let port = redis.stop();
    let redis = RedisServer::start_on(test, port).expect("redis-server started before");
    both_subscribed(&redis).await;

    on_a.add_tool(late).unwrap();
    let (method, _) = next_notification(&mut session_b).await;
    assert_eq!(method, "notifications/tools/list_changed");
}

#[tokio::test]
async fn changes_raised_on_one_replica_reach_a_listen_stream_on_another() {
    let test = "changes_raised_on_one_replica_reach_a_listen_stream_on_another";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let ((_, on_a), (b, _)) = (replica(&redis).await, replica(&redis).await);
    let (tx, mut heard) = mpsc::unbounded_channel();
    let client = Client::builder("listener", "1")
        .protocol(Protocol::Stateless)
        .on_notification(move |n| {
            let _ = tx.send(n);
        })
        .connect_http(&b)
        .await
        .unwrap();
    let filter = ListenFilter::new().tools().resource("notes://today");
    let _subscription = client.listen(filter).await.unwrap();
    both_subscribed(&redis).await;

    on_a.resource_updated("notes://today");
    on_a.add_tool(late).unwrap();
    let mut next = async || {
        tokio::time::timeout(WAIT, heard.recv())
            .await
            .expect("a notification in time")
            .expect("the client is alive")
    };
    let uri = "notes://today".to_owned();
    assert_eq!(next().await, ServerNotification::ResourceUpdated { uri });
    assert_eq!(next().await, ServerNotification::ToolsListChanged);
}
