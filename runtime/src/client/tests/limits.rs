//! The client's limits against a scripted server that pushes them: progress forever, too many
//! requests at once, too many input requests in one round.

use super::*;

// Time is the subject: the clock is paused and advances only while every task waits.
#[tokio::test(start_paused = true)]
async fn progress_cannot_extend_a_request_past_its_max_time() {
    let builder = Client::builder("c", "1")
        .request_timeout(Duration::from_millis(400))
        .max_request_time(Duration::from_secs(1));
    let (client, mut fake, _) = connect(builder).await;
    let reports = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&reports);
    let started = tokio::time::Instant::now();
    let call = client.call_tool_with_progress("endless", Value::Null, move |_| {
        r.fetch_add(1, Ordering::Relaxed);
    });
    let mut id = Value::Null;
    let serve = async {
        let req = fake.recv().await;
        id = req["id"].clone();
        let token = req["params"]["_meta"]["progressToken"].clone();
        // News every 100 ms, well within the 400 ms timeout, for 10 s.
        for k in 1..=100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            fake.send(json!({"jsonrpc": "2.0", "method": "notifications/progress",
                "params": {"progressToken": token, "progress": k}}))
                .await;
        }
    };
    let outcome = tokio::select! {
        outcome = call => outcome,
        () = serve => panic!("10 s of progress kept the call alive past its 1 s limit"),
    };
    let elapsed = started.elapsed();
    match outcome {
        Err(ClientError::Timeout { timeout, .. }) => assert_eq!(timeout, Duration::from_secs(1)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_millis(1100),
        "{elapsed:?}"
    );
    assert!(reports.load(Ordering::Relaxed) >= 9, "progress did arrive");
    let cancel = fake.recv().await;
    assert_eq!(cancel["method"], "notifications/cancelled");
    assert_eq!(cancel["params"]["requestId"], id);
}

#[tokio::test]
async fn server_requests_beyond_the_cap_are_refused_as_busy() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let g = Arc::clone(&gate);
    let builder = Client::builder("c", "1")
        .max_concurrent_asks(2)
        .sampling_handler(move |req: SamplingRequest| {
            let g = Arc::clone(&g);
            async move {
                g.acquire().await.expect("gate open").forget();
                Ok::<_, SamplingError>(req.last_user_text())
            }
        });
    let (_client, mut fake, _) = connect(builder).await;
    for id in 1..=3 {
        fake.send(sampling_request(json!(id), &format!("ask {id}")))
            .await;
    }
    // Two are being answered (their handlers wait at the gate); the third is refused at once.
    let refused = fake.recv().await;
    assert_eq!(refused["id"], 3, "{refused}");
    assert_eq!(refused["error"]["code"], -32000);
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("busy") && message.contains("2 requests"),
        "{message}"
    );

    gate.add_permits(2);
    let mut answered: Vec<i64> = Vec::new();
    for _ in 0..2 {
        let answer = fake.recv().await;
        assert!(answer.get("result").is_some(), "{answer}");
        answered.push(answer["id"].as_i64().unwrap());
    }
    answered.sort();
    assert_eq!(answered, [1, 2]);

    // The slots are free again.
    fake.send(sampling_request(json!(4), "ask 4")).await;
    gate.add_permits(1);
    let answer = fake.recv().await;
    assert_eq!(answer["id"], 4);
    assert_eq!(answer["result"]["content"]["text"], "ask 4");
    // `ping` is never refused.
    fake.send(json!({"jsonrpc": "2.0", "id": 5, "method": "ping"}))
        .await;
    assert_eq!(fake.recv().await["result"], json!({}));
}

#[tokio::test]
async fn a_round_with_too_many_input_requests_is_refused() {
    let asked = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&asked);
    let builder = Client::builder("c", "1")
        .protocol(Protocol::Stateless)
        .max_input_requests(2)
        .sampling_handler(move |req: SamplingRequest| {
            a.fetch_add(1, Ordering::Relaxed);
            async move { Ok::<_, SamplingError>(req.last_user_text()) }
        });
    let (client, mut fake, _) = connect_stateless(builder).await;
    let inputs = |n: usize| -> Value {
        (0..n)
            .map(|k| (format!("k{k}"), sample_ask(&format!("q{k}"))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    // Two at once is within the limit: fulfilled and retried.
    let (result, ()) = tokio::join!(client.call_tool("t", Value::Null), async {
        let req = fake.recv().await;
        fake.answer(
            &req,
            json!({"resultType": "input_required", "inputRequests": inputs(2)}),
        )
        .await;
        let retry = fake.recv().await;
        assert_eq!(
            retry["params"]["inputResponses"]["k1"]["content"]["text"],
            "q1"
        );
        fake.answer(&retry, json!({"resultType": "complete", "content": []}))
            .await;
    });
    result.unwrap();
    assert_eq!(asked.load(Ordering::Relaxed), 2);

    // Three is refused before any handler runs.
    let (result, ()) = tokio::join!(client.call_tool("t", Value::Null), async {
        let req = fake.recv().await;
        fake.answer(
            &req,
            json!({"resultType": "input_required", "inputRequests": inputs(3)}),
        )
        .await;
    });
    match result {
        Err(
            e @ ClientError::TooManyInputRequests {
                requests: 3,
                max: 2,
                ..
            },
        ) => {
            assert!(e.to_string().contains("3 inputs"), "{e}");
        }
        other => panic!("expected TooManyInputRequests, got {other:?}"),
    }
    assert_eq!(
        asked.load(Ordering::Relaxed),
        2,
        "no handler ran for the refused round"
    );
}
