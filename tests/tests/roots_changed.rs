//! `notifications/roots/list_changed` on both sides: the toolkit's client declares
//! `roots.listChanged` and sends the notice, the toolkit's server hands it to the application,
//! and the next `ctx.list_roots()` sees the new roots.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use toolsmith::client::{Client, ClientError, HandlerError, RootsRequest};
use toolsmith::prelude::*;
use toolsmith::{Root, RootsChanged};
use toolsmith_tests::fixtures::roots;

const WAIT: Duration = Duration::from_secs(5);

fn root(uri: &str) -> Root {
    Root::new(uri)
}

/// A server whose roots notices go to the returned channel, connected in memory to `builder`.
async fn connect(
    builder: toolsmith::client::ClientBuilder,
) -> (Client, mpsc::UnboundedReceiver<RootsChanged>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let server = Server::new("roots", "1")
        .tool(roots)
        .on_roots_changed(move |change| tx.send(change).unwrap());
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (sr, sw) = tokio::io::split(server_end);
    tokio::spawn(server.serve(sr, sw));
    let (r, w) = tokio::io::split(client_end);
    (builder.connect(r, w).await.expect("handshake"), rx)
}

#[tokio::test]
async fn a_roots_change_reaches_the_server_and_the_next_listing() {
    let current = Arc::new(Mutex::new(vec![root("file:///old")]));
    let c = Arc::clone(&current);
    let builder = Client::builder("roots-client", "2.0").roots_handler(move |_: RootsRequest| {
        let roots = c.lock().unwrap().clone();
        async move { Ok::<_, HandlerError>(roots) }
    });
    let (client, mut changes) = connect(builder).await;
    let first = client.call_tool("roots", json!({})).await.unwrap();
    assert_eq!(first.text_content(), "file:///old");

    *current.lock().unwrap() = vec![root("file:///new"), root("file:///other")];
    client.notify_roots_changed().await.unwrap();
    let change = tokio::time::timeout(WAIT, changes.recv())
        .await
        .expect("the server heard of no change within 5 s")
        .expect("the server is gone");
    assert_eq!(change.client.unwrap().name, "roots-client");
    assert_eq!(change.protocol_version, "2025-11-25");

    let second = client.call_tool("roots", json!({})).await.unwrap();
    assert_eq!(second.text_content(), "file:///new,file:///other");
    assert!(changes.try_recv().is_err(), "one notice, one change");
}

#[tokio::test]
async fn a_client_without_roots_has_none_to_change() {
    let (client, _changes) = connect(Client::builder("plain", "1")).await;
    let err = client.notify_roots_changed().await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidArgument(_)), "{err:?}");
    assert!(err.to_string().contains("no roots handler"), "{err}");
}
