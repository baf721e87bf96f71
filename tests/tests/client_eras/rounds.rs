//! `input_required` rounds: one per sample, concurrent asks in one round, prompts too, and the
//! round limit.

use super::*;

#[tokio::test]
async fn auto_picks_the_stateless_era_and_a_sample_takes_one_round() {
    for wire in [Wire::Http, Wire::Pipe] {
        let calls = Arc::new(AtomicUsize::new(0));
        let rounds = Rounds::default();
        let builder = rounds.observe(model(&calls).protocol(Protocol::Auto));
        let client = connect(builder, wire).await;
        assert_eq!(client.protocol(), Protocol::Stateless, "{wire:?}");
        assert_eq!(client.protocol_version(), "2026-07-28");
        assert_eq!(client.server_info().name, "eras-test");
        assert!(client.initialize_result().capabilities.tools.is_some());
        assert_eq!(client.session_id(), None);

        let r = client
            .call_tool("one", json!({"question": "Capital of France?"}))
            .await
            .unwrap();
        assert_eq!(r.text_content(), "re: Capital of France?", "{wire:?}");
        assert_eq!(rounds.count(), 1, "one input_required round ({wire:?})");
        assert_eq!(rounds.sizes(), [1]);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let round = rounds.0.lock().unwrap()[0].clone();
        assert_eq!(round.method, "tools/call");
        assert_eq!(round.requests[0].1, "sampling/createMessage");
        assert!(round.has_state);

        // A call that needs no input takes no round.
        let tools = client.list_tools().await.unwrap();
        assert_eq!(tools.len(), 8);
        client.ping().await.unwrap();
        client.close().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_asks_are_fulfilled_in_one_round_and_chains_take_one_each() {
    for wire in [Wire::Http, Wire::Pipe] {
        // The three samples wait for each other: only concurrent fulfilment finishes.
        let barrier = Arc::new(tokio::sync::Barrier::new(3));
        let rounds = Rounds::default();
        let builder = rounds.observe(
            Client::builder("eras-test-client", "1.0")
                .protocol(Protocol::Auto)
                .sampling_handler(move |req: SamplingRequest| {
                    let barrier = Arc::clone(&barrier);
                    async move {
                        barrier.wait().await;
                        Ok(req.last_user_text().to_uppercase())
                    }
                }),
        );
        let client = connect(builder, wire).await;
        let r = tokio::time::timeout(
            Duration::from_secs(10),
            client.call_tool("three", json!({})),
        )
        .await
        .expect("the three asks were not answered concurrently")
        .unwrap();
        assert_eq!(r.text_content(), "ABC", "{wire:?}");
        assert_eq!(rounds.sizes(), [3], "join! of three samples is one round");
        client.close().await.unwrap();
    }

    let calls = Arc::new(AtomicUsize::new(0));
    let rounds = Rounds::default();
    let client = connect(
        rounds.observe(model(&calls).protocol(Protocol::Stateless)),
        Wire::Http,
    )
    .await;
    let r = client.call_tool("chain", json!({})).await.unwrap();
    assert_eq!(r.text_content(), "re: first+re: after re: first");
    assert_eq!(
        rounds.sizes(),
        [1, 1],
        "two sequential asks take two rounds"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "earlier answers are never asked again"
    );
}

#[tokio::test]
async fn prompts_are_fulfilled_too() {
    let calls = Arc::new(AtomicUsize::new(0));
    let client = connect(model(&calls).protocol(Protocol::Auto), Wire::Http).await;
    let prompt = client
        .get_prompt("greeting", json!({"name": "Ada"}))
        .await
        .unwrap();
    assert_eq!(prompt.messages.len(), 1);
    let text = serde_json::to_value(&prompt.messages[0].content).unwrap();
    assert_eq!(text["text"], "Hello, re: an adjective Ada!");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_round_limit_fails_a_call_that_needs_more_rounds() {
    for wire in [Wire::Http, Wire::Pipe] {
        let calls = Arc::new(AtomicUsize::new(0));
        let rounds = Rounds::default();
        let builder = rounds.observe(
            model(&calls)
                .protocol(Protocol::Stateless)
                .max_input_rounds(1),
        );
        let client = connect(builder, wire).await;
        // One round is within the limit...
        let r = client
            .call_tool("one", json!({"question": "q"}))
            .await
            .unwrap();
        assert_eq!(r.text_content(), "re: q");
        // ...two are not.
        let err = client.call_tool("chain", json!({})).await.unwrap_err();
        assert!(
            matches!(&err, ClientError::TooManyRounds { method, rounds: 1 } if method == "tools/call"),
            "{wire:?}: {err:?}"
        );
        assert_eq!(rounds.count(), 2, "one round each");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
