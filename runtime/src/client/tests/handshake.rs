//! The `initialize` handshake: the capabilities declared and the versions accepted.

use super::*;

#[tokio::test]
async fn handshake_declares_sampling_only_with_a_handler() {
    let (client, _fake, init) = connect(Client::builder("plain", "1.2.3")).await;
    let params = &init["params"];
    assert_eq!(params["protocolVersion"], "2025-11-25");
    assert_eq!(
        params["clientInfo"],
        json!({"name": "plain", "version": "1.2.3"})
    );
    assert_eq!(params["capabilities"], json!({}));
    assert_eq!(client.protocol_version(), "2025-11-25");
    assert_eq!(client.server_info().name, "fake");
    assert_eq!(
        client.initialize_result().instructions.as_deref(),
        Some("be kind")
    );

    let builder = Client::builder("sampler", "1").sampling_handler(|_| async { Ok("x") });
    let (_client, _fake, init) = connect(builder).await;
    assert_eq!(init["params"]["capabilities"], json!({"sampling": {}}));
}

#[tokio::test]
async fn an_unsupported_protocol_version_fails_the_handshake() {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (reader, writer) = tokio::io::split(client_end);
    let connecting = tokio::spawn(Client::builder("c", "1").connect(reader, writer));
    let (sr, sw) = tokio::io::split(server_end);
    let mut fake = Fake {
        lines: BufReader::new(sr).lines(),
        writer: sw,
    };
    let init = fake.recv().await;
    fake.answer(&init, init_result("1999-01-01")).await;
    let err = connecting.await.unwrap().unwrap_err();
    assert!(matches!(err, ClientError::Handshake(_)), "{err:?}");
    assert!(err.to_string().contains("1999-01-01"), "{err}");
    // No `notifications/initialized` follows a failed handshake: the client hangs up.
    assert_eq!(fake.next().await, None);
}
