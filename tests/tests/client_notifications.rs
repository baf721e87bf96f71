//! Change notifications reaching the client's `on_notification` callback, from the toolkit's
//! own server: unasked in the handshake era (list changes; resource updates after
//! `subscribe_resource`), and on a `subscriptions/listen` stream in protocol 2026-07-28, over
//! streamable HTTP and over an in-memory byte stream.

use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use toolsmith::client::{
    Client, ClientBuilder, ClientError, ListenFilter, Protocol, ServerNotification,
};
use toolsmith::prelude::*;
use toolsmith::{HttpConfig, ServerHandle};
use toolsmith_tests::fixtures::hi;

/// Say bye.
#[tool]
async fn bye() -> String {
    "bye".into()
}

/// The app's settings.
#[resource(uri = "config://app")]
async fn config() -> String {
    "debug = false".into()
}

fn server() -> Server {
    Server::new("notifying", "1").tool(hi).resource(config)
}

/// A client builder whose notifications land in a channel.
fn collecting(protocol: Protocol) -> (ClientBuilder, mpsc::UnboundedReceiver<ServerNotification>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let builder = Client::builder("notified", "1")
        .protocol(protocol)
        .request_timeout(Duration::from_secs(20))
        .on_notification(move |n| {
            let _ = tx.send(n);
        });
    (builder, rx)
}

async fn serve_http(server: Server) -> (String, ServerHandle) {
    let handle = server.handle();
    let router = server.into_http_router(HttpConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/mcp"), handle)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<ServerNotification>) -> ServerNotification {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a notification within 10 s")
        .expect("the callback is alive")
}

/// Add a tool, then update the resource; expect exactly those two notifications, in order.
async fn changes_arrive(
    handle: &ServerHandle,
    rx: &mut mpsc::UnboundedReceiver<ServerNotification>,
) {
    handle.add_tool(bye).unwrap();
    assert_eq!(next(rx).await, ServerNotification::ToolsListChanged);
    handle.resource_updated("config://app");
    assert_eq!(
        next(rx).await,
        ServerNotification::ResourceUpdated {
            uri: "config://app".into()
        }
    );
    // A resource nobody subscribed to is not announced.
    handle.resource_updated("config://other");
    nothing_within(rx, 200, "nothing for an unsubscribed resource").await;
}

/// Assert that no notification arrives within `ms` milliseconds.
async fn nothing_within(rx: &mut mpsc::UnboundedReceiver<ServerNotification>, ms: u64, why: &str) {
    let arrived = tokio::time::timeout(Duration::from_millis(ms), rx.recv()).await;
    assert!(arrived.is_err(), "{why}: got {arrived:?}");
}

#[tokio::test]
async fn handshake_era_notifications_arrive_unasked_and_after_subscribe() {
    let (url, handle) = serve_http(server()).await;
    let (builder, mut rx) = collecting(Protocol::Legacy);
    let client = builder.connect_http(&url).await.unwrap();
    client.subscribe_resource("config://app").await.unwrap();
    changes_arrive(&handle, &mut rx).await;

    let err = client
        .listen(ListenFilter::new().tools())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::InvalidArgument(_)), "{err:?}");
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_listen_stream_over_http_carries_what_it_asked_for() {
    let (url, handle) = serve_http(server()).await;
    let (builder, mut rx) = collecting(Protocol::Stateless);
    let client = builder.connect_http(&url).await.unwrap();
    let subscription = client
        .listen(
            ListenFilter::new()
                .tools()
                .prompts()
                .resource("config://app"),
        )
        .await
        .unwrap();
    // No prompts are registered: the server leaves that kind out.
    assert_eq!(
        subscription.granted(),
        &ListenFilter::new().tools().resource("config://app")
    );
    changes_arrive(&handle, &mut rx).await;

    // Closing the stream stops the notifications.
    subscription.close();
    // A round trip queued after the close: by its answer the client has cancelled the listen
    // request and stopped reading its stream.
    client.ping().await.unwrap();
    handle.remove_tool("bye");
    nothing_within(&mut rx, 300, "nothing after the subscription closed").await;
    client.close().await.unwrap();
}

#[tokio::test]
async fn a_listen_stream_over_a_byte_stream_works_the_same() {
    let server = server();
    let handle = server.handle();
    let (client_io, server_io) = tokio::io::duplex(64 << 10);
    let (server_read, server_write) = tokio::io::split(server_io);
    tokio::spawn(server.serve(server_read, server_write));
    let (client_read, client_write) = tokio::io::split(client_io);
    let (builder, mut rx) = collecting(Protocol::Stateless);
    let client = builder.connect(client_read, client_write).await.unwrap();
    let subscription = client
        .listen(ListenFilter::new().tools().resource("config://app"))
        .await
        .unwrap();
    changes_arrive(&handle, &mut rx).await;
    // Ordinary requests keep working beside the open stream.
    let out = client.call_tool("hi", json!({})).await.unwrap();
    assert_eq!(out.content[0].as_text(), Some("hi"));
    drop(subscription);
    client.close().await.unwrap();
}
