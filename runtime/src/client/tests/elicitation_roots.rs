//! Elicitation and roots requests from the server (handshake era).

use super::*;

#[tokio::test]
async fn elicitation_and_roots_are_declared_and_answered() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let builder = Client::builder("c", "1")
        .elicitation_handler(move |req: ElicitationRequest| {
            s.lock().unwrap().push(req.clone());
            async move {
                match req.mode {
                    ElicitationMode::Url => Ok(crate::ElicitResult {
                        action: crate::ElicitAction::Decline,
                        content: None,
                    }),
                    _ => Ok(elicit_answer("Ada")),
                }
            }
        })
        .roots([crate::Root {
            uri: "file:///work".into(),
            name: Some("work".into()),
        }]);
    let (_client, mut fake, init) = connect(builder).await;
    assert_eq!(
        init["params"]["capabilities"],
        json!({"elicitation": {"form": {}, "url": {}}, "roots": {"listChanged": true}})
    );

    fake.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "elicitation/create",
        "params": {"message": "Name?", "requestedSchema": {"type": "object",
            "properties": {"name": {"type": "string"}}}}}),
    )
    .await;
    let r = fake.recv().await;
    assert_eq!(
        r,
        json!({"jsonrpc": "2.0", "id": 1, "result": {"action": "accept", "content": {"name": "Ada"}}})
    );
    fake.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "elicitation/create",
        "params": {"mode": "url", "message": "Log in", "url": "https://example.com/login",
            "elicitationId": "e-1"}}),
    )
    .await;
    let r = fake.recv().await;
    assert_eq!(r["result"], json!({"action": "decline"}));
    fake.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "elicitation/create",
        "params": {"mode": "url", "message": "no url"}}),
    )
    .await;
    assert_eq!(fake.recv().await["error"]["code"], -32602);
    fake.send(json!({"jsonrpc": "2.0", "id": 4, "method": "roots/list"}))
        .await;
    assert_eq!(
        fake.recv().await,
        json!({"jsonrpc": "2.0", "id": 4, "result": {"roots": [{"uri": "file:///work", "name": "work"}]}})
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].mode, ElicitationMode::Form);
    assert_eq!(seen[0].message, "Name?");
    assert_eq!(seen[0].requested_schema.as_ref().unwrap()["type"], "object");
    assert_eq!(seen[0].server.as_ref().unwrap().name, "fake");
    assert_eq!(seen[0].input_key, None);
    assert_eq!(seen[1].url.as_deref(), Some("https://example.com/login"));
    assert_eq!(seen[1].elicitation_id.as_deref(), Some("e-1"));
}

#[tokio::test]
async fn a_roots_handler_sees_the_server_and_its_errors_are_sent() {
    let builder = Client::builder("c", "1").roots_handler(|req: RootsRequest| async move {
        match req.server.map(|s| s.name) {
            Some(name) => Ok(vec![crate::Root {
                uri: format!("file:///for/{name}"),
                name: None,
            }]),
            None => Err(HandlerError::internal("who is asking?")),
        }
    });
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(json!({"jsonrpc": "2.0", "id": "r", "method": "roots/list", "params": {}}))
        .await;
    assert_eq!(
        fake.recv().await["result"]["roots"],
        json!([{"uri": "file:///for/fake"}])
    );
}
