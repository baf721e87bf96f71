//! `subscriptions/listen` acknowledgments (protocol 2026-07-28).

use super::*;

#[tokio::test]
async fn a_listen_that_failed_does_not_take_the_next_ones_acknowledgment() {
    let (client, mut fake, _) =
        connect_stateless(Client::builder("listener", "1").protocol(Protocol::Stateless)).await;
    let client = Arc::new(client);
    // The first listen is refused before any acknowledgment.
    let c = Arc::clone(&client);
    let first = tokio::spawn(async move { c.listen(ListenFilter::new().tools()).await });
    let req = fake.recv().await;
    assert_eq!(req["method"], "subscriptions/listen");
    fake.send(json!({"jsonrpc": "2.0", "id": req["id"],
        "error": {"code": -32603, "message": "not now"}}))
        .await;
    let err = first.await.unwrap().unwrap_err();
    assert_eq!(err.rpc_error().map(|e| e.code), Some(-32603), "{err:?}");

    // The second is acknowledged: its own acknowledgment reaches it.
    let c = Arc::clone(&client);
    let second = tokio::spawn(async move { c.listen(ListenFilter::new().tools()).await });
    let req = fake.recv().await;
    fake.send(
        json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
        "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": req["id"]},
            "notifications": {"toolsListChanged": true}}}),
    )
    .await;
    let subscription = tokio::time::timeout(WAIT, second)
        .await
        .expect("acknowledged")
        .unwrap()
        .unwrap();
    assert_eq!(subscription.granted(), &ListenFilter::new().tools());
}
