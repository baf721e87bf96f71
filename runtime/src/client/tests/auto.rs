//! Choosing the era: [`Protocol::Auto`] falls back to `initialize` only when discovery is
//! unknown, and a forced [`Protocol::Stateless`] needs the server to offer its version.

use super::*;

#[tokio::test]
async fn auto_falls_back_to_initialize_when_discovery_is_unknown() {
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    assert_eq!(probe["method"], "server/discover");
    fake.send(json!({"jsonrpc": "2.0", "id": probe["id"],
        "error": {"code": -32601, "message": "method not found"}}))
        .await;
    let init = fake.recv().await;
    assert_eq!(init["method"], "initialize");
    fake.answer(&init, init_result("2025-11-25")).await;
    let client = connecting.await.unwrap().unwrap();
    assert_eq!(client.protocol(), Protocol::Legacy);
    assert_eq!(fake.recv().await["method"], "notifications/initialized");
}

#[tokio::test]
async fn auto_falls_back_when_the_probe_gets_no_answer() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Auto)
        .probe_timeout(Duration::from_millis(100));
    let (connecting, mut fake) = start(builder);
    assert_eq!(fake.recv().await["method"], "server/discover");
    let mut next = fake.recv().await;
    if next["method"] == "notifications/cancelled" {
        next = fake.recv().await;
    }
    assert_eq!(next["method"], "initialize");
    fake.answer(&next, init_result("2025-06-18")).await;
    let client = connecting.await.unwrap().unwrap();
    assert_eq!(client.protocol_version(), "2025-06-18");
}

#[tokio::test]
async fn auto_does_not_fall_back_from_a_modern_error() {
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    fake.send(
        json!({"jsonrpc": "2.0", "id": probe["id"], "error": {"code": -32022,
        "message": "unsupported protocol version",
        "data": {"supported": ["2027-01-01"], "requested": "2026-07-28"}}}),
    )
    .await;
    let err = connecting.await.unwrap().unwrap_err();
    assert!(matches!(err, ClientError::Handshake(_)), "{err:?}");
    assert!(err.to_string().contains("-32022"), "{err}");
    assert_eq!(fake.next().await, None, "no initialize follows");
}

#[tokio::test]
async fn auto_picks_stateless_and_forced_stateless_needs_the_version() {
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (client, _fake, _) = connect_stateless(builder).await;
    assert_eq!(client.protocol(), Protocol::Stateless);

    let builder = Client::builder("c", "1").protocol(Protocol::Stateless);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    fake.answer(&probe, discover_result(json!(["2027-01-01"])))
        .await;
    let err = connecting.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("2027-01-01"), "{err}");

    // Auto with a server that lists only other versions uses the handshake.
    let builder = Client::builder("c", "1").protocol(Protocol::Auto);
    let (connecting, mut fake) = start(builder);
    let probe = fake.recv().await;
    fake.answer(&probe, discover_result(json!(["2027-01-01"])))
        .await;
    let init = fake.recv().await;
    assert_eq!(init["method"], "initialize");
    fake.answer(&init, init_result("2025-11-25")).await;
    assert_eq!(
        connecting.await.unwrap().unwrap().protocol(),
        Protocol::Legacy
    );
}
