//! Protocol 2026-07-28 against a scripted server: the envelope, `input_required` rounds and
//! their limits.

use super::*;

#[tokio::test]
async fn stateless_requests_carry_the_envelope_and_need_no_handshake() {
    let builder = Client::builder("modern-client", "2.0")
        .protocol(Protocol::Stateless)
        .sampling_handler(echo_handler());
    let (client, mut fake, discover) = connect_stateless(builder).await;
    let meta = &discover["params"]["_meta"];
    assert_eq!(
        meta["io.modelcontextprotocol/protocolVersion"],
        "2026-07-28"
    );
    assert_eq!(
        meta["io.modelcontextprotocol/clientCapabilities"],
        json!({"sampling": {}})
    );
    assert_eq!(
        meta["io.modelcontextprotocol/clientInfo"],
        json!({"name": "modern-client", "version": "2.0"})
    );
    assert_eq!(client.protocol(), Protocol::Stateless);
    assert_eq!(client.protocol_version(), "2026-07-28");
    assert_eq!(client.server_info().name, "modern");
    assert_eq!(
        client.initialize_result().instructions.as_deref(),
        Some("stateless and kind")
    );

    // No `initialize`, no `notifications/initialized`: the next frame is the request.
    client.set_log_level(LoggingLevel::Notice).await.unwrap();
    let (result, ()) = tokio::join!(client.list_tools(), async {
        let req = fake.recv().await;
        assert_eq!(req["method"], "tools/list");
        let meta = &req["params"]["_meta"];
        assert_eq!(meta["io.modelcontextprotocol/logLevel"], "notice");
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"],
            "2026-07-28"
        );
        fake.answer(&req, json!({"tools": [], "resultType": "complete"}))
            .await;
    });
    assert!(result.unwrap().is_empty());

    // ping has no stateless twin: discovery is the liveness check.
    let (pong, ()) = tokio::join!(client.ping(), async {
        let req = fake.recv().await;
        assert_eq!(req["method"], "server/discover");
        fake.answer(&req, discover_result(json!(["2026-07-28"])))
            .await;
    });
    pong.unwrap();
}

#[tokio::test]
async fn input_required_is_fulfilled_concurrently_and_retried_with_the_state() {
    // Both asks must be in flight at once for either to finish.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let rounds = Arc::new(Mutex::new(Vec::new()));
    let (b1, b2, r) = (
        Arc::clone(&barrier),
        Arc::clone(&barrier),
        Arc::clone(&rounds),
    );
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .sampling_handler(move |req: SamplingRequest| {
            let b = Arc::clone(&b1);
            async move {
                assert_eq!(req.input_key.as_deref(), Some("capital"));
                assert_eq!(req.server_name(), Some("modern"));
                b.wait().await;
                Ok(CreateMessageResult::text("m", "Paris"))
            }
        })
        .elicitation_handler(move |_| {
            let b = Arc::clone(&b2);
            async move {
                b.wait().await;
                Ok(elicit_answer("Ada"))
            }
        })
        .on_input_round(move |round: &InputRound| r.lock().unwrap().push(round.clone()));
    let (client, mut fake, _) = connect_stateless(builder).await;
    let state = "sealed\u{e9}\"state\\\n";
    let (result, ()) = tokio::join!(client.call_tool("trip", json!({"to": "x"})), async {
        let first = fake.recv().await;
        assert_eq!(first["params"]["name"], "trip");
        assert_eq!(
            first["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"],
            json!({"sampling": {}, "elicitation": {"form": {}, "url": {}}})
        );
        assert!(first["params"].get("inputResponses").is_none());
        fake.answer(
            &first,
            json!({
                "resultType": "input_required",
                "inputRequests": {
                    "capital": sample_ask("Capital of France?"),
                    "name": {"method": "elicitation/create", "params": {"message": "Name?",
                        "requestedSchema": {"type": "object", "properties": {}}}}
                },
                "requestState": state
            }),
        )
        .await;
        let retry = fake.recv().await;
        assert_ne!(retry["id"], first["id"], "a retry is a new request");
        assert_eq!(retry["params"]["name"], "trip");
        assert_eq!(retry["params"]["arguments"], json!({"to": "x"}));
        assert_eq!(retry["params"]["requestState"], state);
        assert_eq!(
            retry["params"]["inputResponses"],
            json!({
                "capital": {"role": "assistant", "model": "m", "stopReason": "endTurn",
                    "content": {"type": "text", "text": "Paris"}},
                "name": {"action": "accept", "content": {"name": "Ada"}}
            })
        );
        fake.answer(
            &retry,
            json!({"resultType": "complete",
            "content": [{"type": "text", "text": "done"}]}),
        )
        .await;
    });
    assert_eq!(result.unwrap().text_content(), "done");
    let rounds = rounds.lock().unwrap();
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0].round, 1);
    assert_eq!(rounds[0].method, "tools/call");
    assert_eq!(
        rounds[0].requests,
        [
            ("capital".to_owned(), "sampling/createMessage".to_owned()),
            ("name".to_owned(), "elicitation/create".to_owned())
        ]
    );
    assert!(rounds[0].has_state);
}

#[tokio::test]
async fn each_retry_sends_only_its_rounds_answers_and_no_state_it_was_not_given() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .sampling_handler(echo_handler());
    let (client, mut fake, _) = connect_stateless(builder).await;
    let (result, ()) = tokio::join!(client.get_prompt("p", json!({"a": "1"})), async {
        let first = fake.recv().await;
        assert_eq!(first["method"], "prompts/get");
        fake.answer(
            &first,
            json!({"resultType": "input_required",
            "inputRequests": {"one": sample_ask("first")}}),
        )
        .await;
        let second = fake.recv().await;
        assert!(second["params"].get("requestState").is_none(), "{second}");
        assert_eq!(
            second["params"]["inputResponses"]["one"]["content"]["text"],
            "first (7 tokens)"
        );
        fake.answer(
            &second,
            json!({"resultType": "input_required",
            "inputRequests": {"two": sample_ask("second")}, "requestState": "s2"}),
        )
        .await;
        let third = fake.recv().await;
        let responses = third["params"]["inputResponses"].as_object().unwrap();
        assert_eq!(responses.keys().collect::<Vec<_>>(), ["two"]);
        assert_eq!(third["params"]["requestState"], "s2");
        assert_eq!(third["params"]["arguments"], json!({"a": "1"}));
        fake.answer(&third, json!({"resultType": "complete", "messages": []}))
            .await;
    });
    assert!(result.unwrap().messages.is_empty());
}

#[tokio::test]
async fn the_round_limit_stops_a_server_that_keeps_asking() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .max_input_rounds(2)
        .sampling_handler(echo_handler());
    let (client, mut fake, _) = connect_stateless(builder).await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&attempts);
    let (result, ()) = tokio::join!(client.call_tool("greedy", Value::Null), async {
        loop {
            let Some(req) = fake.next().await else { break };
            if req["method"] != "tools/call" {
                break;
            }
            a.fetch_add(1, Ordering::SeqCst);
            fake.answer(
                &req,
                json!({"resultType": "input_required",
                "inputRequests": {"more": sample_ask("more")}, "requestState": "s"}),
            )
            .await;
            if a.load(Ordering::SeqCst) == 3 {
                break;
            }
        }
    });
    let err = result.unwrap_err();
    assert!(
        matches!(&err, ClientError::TooManyRounds { method, rounds: 2 } if method == "tools/call"),
        "{err:?}"
    );
    assert!(err.to_string().contains("2 rounds"), "{err}");
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "the first try and two retries"
    );
}

#[tokio::test]
async fn an_input_the_client_cannot_give_fails_the_call_without_a_retry() {
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .sampling_approval(policy)
        .sampling_handler(echo_handler());
    let (client, mut fake, _) = connect_stateless(builder).await;
    for (ask, code) in [
        (sample_ask("reject"), -1),
        (json!({"method": "roots/list", "params": {}}), -32601),
        (
            json!({"method": "sampling/createMessage", "params": {"messages": []}}),
            -32602,
        ),
    ] {
        let (result, ()) = tokio::join!(client.call_tool("t", Value::Null), async {
            let req = fake.recv().await;
            fake.answer(
                &req,
                json!({"resultType": "input_required",
                "inputRequests": {"k": ask}, "requestState": "s"}),
            )
            .await;
        });
        let err = result.unwrap_err();
        match &err {
            ClientError::InputRequest {
                method, key, error, ..
            } => {
                assert_eq!(
                    (method.as_str(), key.as_str(), error.code),
                    ("tools/call", "k", code)
                );
            }
            other => panic!("{other:?}"),
        }
    }
    // Nothing was retried: the next frame is the next call.
    let (_, ()) = tokio::join!(client.call_tool("next", Value::Null), async {
        let req = fake.recv().await;
        assert_eq!(req["params"]["name"], "next");
        fake.answer(&req, json!({"resultType": "complete", "content": []}))
            .await;
    });
}
