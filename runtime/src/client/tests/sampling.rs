//! Sampling requests from the server: ids, concurrency, routing, failures, cancellation and the
//! approval hook (handshake era).

use super::*;

#[tokio::test]
async fn server_requests_are_answered_with_their_own_ids() {
    let (_client, mut fake, _) = connect(Client::builder("c", "1")).await;
    fake.send(json!({"jsonrpc": "2.0", "id": "p-1", "method": "ping"}))
        .await;
    assert_eq!(
        fake.recv().await,
        json!({"jsonrpc": "2.0", "id": "p-1", "result": {}})
    );
    fake.send(json!({"jsonrpc": "2.0", "id": 7, "method": "roots/list"}))
        .await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 7);
    assert_eq!(r["error"]["code"], -32601);
    // Without a handler, sampling is a method this client does not have.
    fake.send(sampling_request(json!(8), "hi")).await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 8);
    assert_eq!(r["error"]["code"], -32601);
}

#[tokio::test]
async fn sampling_requests_run_concurrently_and_text_takes_the_routed_model() {
    // Each handler waits for the other to start: answered one at a time, neither would finish.
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (b, s) = (Arc::clone(&barrier), Arc::clone(&seen));
    let builder = Client::builder("c", "1")
        .model_router(ModelRouter::new(["gpt-4o-mini", "local"], "local"))
        .sampling_handler(move |req: SamplingRequest| {
            let (b, s) = (Arc::clone(&b), Arc::clone(&s));
            async move {
                s.lock().unwrap().push(req.clone());
                b.wait().await;
                Ok(format!("echo {}", req.last_user_text()))
            }
        });
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(sampling_request(json!("a"), "first")).await;
    fake.send(sampling_request(json!(2), "second")).await;
    let mut answers = vec![fake.recv().await, fake.recv().await];
    answers.sort_by_key(|a| a["id"].is_string());
    assert_eq!(answers[0]["id"], 2);
    assert_eq!(answers[0]["result"]["content"]["text"], "echo second");
    assert_eq!(answers[1]["id"], "a");
    assert_eq!(answers[1]["result"]["content"]["text"], "echo first");
    for a in &answers {
        assert_eq!(a["result"]["model"], "gpt-4o-mini");
        assert_eq!(a["result"]["role"], "assistant");
        assert_eq!(a["result"]["stopReason"], "endTurn");
    }
    let seen = seen.lock().unwrap();
    let route = seen[0].route.as_ref().unwrap();
    assert_eq!(route.reason.to_string(), "hint #2 `gpt-4o`");
    assert_eq!(seen[0].max_tokens(), 5);
}

#[tokio::test]
async fn sampling_failures_become_json_rpc_errors() {
    let builder = Client::builder("c", "1").sampling_handler(|req: SamplingRequest| async move {
        match req.last_user_text().as_str() {
            "reject" => Err(SamplingError::rejected("the user said no")),
            "panic" => panic!("model crashed"),
            _ => Ok(CreateMessageResult::text("mine", "fine")),
        }
    });
    let (_client, mut fake, _) = connect(builder).await;

    fake.send(sampling_request(json!(1), "reject")).await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 1);
    assert_eq!(
        r["error"],
        json!({"code": -1, "message": "the user said no"})
    );

    fake.send(sampling_request(json!(2), "panic")).await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 2);
    assert_eq!(r["error"]["code"], -32603);

    fake.send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "sampling/createMessage",
        "params": {"messages": []}}),
    )
    .await;
    let r = fake.recv().await;
    assert_eq!(r["id"], 3);
    assert_eq!(r["error"]["code"], -32602);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("maxTokens"),
        "{r}"
    );

    // A full result keeps its model; the client is still answering after a panic.
    fake.send(sampling_request(json!(4), "ok")).await;
    let r = fake.recv().await;
    assert_eq!(r["result"]["model"], "mine");
    assert_eq!(r["result"]["content"]["text"], "fine");
}

#[tokio::test]
async fn a_cancelled_sampling_request_drops_its_handler_and_gets_no_answer() {
    struct SendOnDrop(Option<tokio::sync::oneshot::Sender<()>>);
    impl Drop for SendOnDrop {
        fn drop(&mut self) {
            self.0.take().unwrap().send(()).ok();
        }
    }
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel();
    let slot = Arc::new(Mutex::new(Some((started_tx, dropped_tx))));
    let builder = Client::builder("c", "1").sampling_handler(move |_| {
        let (started, dropped) = slot.lock().unwrap().take().unwrap();
        async move {
            let _guard = SendOnDrop(Some(dropped));
            started.send(()).unwrap();
            std::future::pending::<()>().await;
            Ok("never")
        }
    });
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(sampling_request(json!(11), "wait")).await;
    tokio::time::timeout(WAIT, started_rx)
        .await
        .unwrap()
        .unwrap();
    fake.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 11, "reason": "changed my mind"}}),
    )
    .await;
    tokio::time::timeout(WAIT, dropped_rx)
        .await
        .unwrap()
        .unwrap();
    // Frames are answered in order: the next one out is the ping's, not a sampling answer.
    fake.send(json!({"jsonrpc": "2.0", "id": 12, "method": "ping"}))
        .await;
    assert_eq!(fake.recv().await["id"], 12);
}

#[tokio::test]
async fn the_approval_hook_approves_edits_and_rejects() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = Arc::clone(&seen);
    let builder = Client::builder("c", "1")
        .model_router(ModelRouter::new(["gpt-4o-mini"], "gpt-4o-mini"))
        .sampling_approval(move |req: &SamplingRequest| {
            s.lock().unwrap().push(req.clone());
            policy(req)
        })
        .sampling_handler(echo_handler());
    let (_client, mut fake, _) = connect(builder).await;

    fake.send(sampling_request(json!(1), "fine")).await;
    let r = fake.recv().await;
    assert_eq!(r["result"]["content"]["text"], "fine (5 tokens)");
    assert_eq!(r["result"]["model"], "gpt-4o-mini");

    fake.send(sampling_request(json!(2), "edit")).await;
    assert_eq!(
        fake.recv().await["result"]["content"]["text"],
        "edited (1 tokens)"
    );

    fake.send(sampling_request(json!(3), "reject")).await;
    assert_eq!(
        fake.recv().await,
        json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -1, "message": "user rejected: not today"}})
    );
    fake.send(sampling_request(json!(4), "reject quietly"))
        .await;
    assert_eq!(
        fake.recv().await["error"],
        json!({"code": -1, "message": "user rejected"})
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].server_name(), Some("fake"));
    assert_eq!(seen[0].routed_model(), Some("gpt-4o-mini"));
    assert_eq!(
        seen[0]
            .model_preferences()
            .unwrap()
            .hint_names()
            .collect::<Vec<_>>(),
        ["custom_model", "gpt-4o"]
    );
}

#[tokio::test]
async fn an_async_approval_hook_can_wait_for_a_person() {
    let (decide_tx, decide_rx) = tokio::sync::mpsc::unbounded_channel::<Approval>();
    let decide_rx = Arc::new(tokio::sync::Mutex::new(decide_rx));
    let (asked_tx, mut asked) = tokio::sync::mpsc::unbounded_channel::<String>();
    let builder = Client::builder("c", "1")
        .sampling_approval_async(move |req: SamplingRequest| {
            let (rx, asked) = (Arc::clone(&decide_rx), asked_tx.clone());
            async move {
                asked.send(req.last_user_text()).unwrap();
                rx.lock().await.recv().await.unwrap()
            }
        })
        .sampling_handler(echo_handler());
    let (_client, mut fake, _) = connect(builder).await;
    fake.send(sampling_request(json!(1), "may I?")).await;
    assert_eq!(asked.recv().await.unwrap(), "may I?");
    // Nothing is answered until the person decides.
    fake.send(json!({"jsonrpc": "2.0", "id": "p", "method": "ping"}))
        .await;
    assert_eq!(fake.recv().await["id"], "p");
    decide_tx.send(Approval::reject("busy")).unwrap();
    assert_eq!(fake.recv().await["error"]["code"], -1);
}
