//! The elicitation, roots and approval handlers serve both eras the same.

use super::*;

/// A client with an elicitation handler and a roots handler, recording what they saw.
fn asking_client(
    protocol: Protocol,
    elicited: &Arc<Mutex<Vec<ElicitationRequest>>>,
    rooted: &Arc<Mutex<Vec<RootsRequest>>>,
) -> ClientBuilder {
    let (e, r) = (Arc::clone(elicited), Arc::clone(rooted));
    Client::builder("eras-test-client", "1.0")
        .protocol(protocol)
        .elicitation_handler(move |req: ElicitationRequest| {
            e.lock().unwrap().push(req);
            async {
                let mut content = serde_json::Map::new();
                content.insert("name".into(), json!("Lin"));
                Ok(ElicitResult::accept(content))
            }
        })
        .roots_handler(move |req: RootsRequest| {
            r.lock().unwrap().push(req);
            async { Ok(vec![Root::new("file:///home/lin").with_name("home")]) }
        })
}

#[tokio::test]
async fn elicitation_and_roots_handlers_serve_both_eras() {
    for (protocol, wire) in [
        (Protocol::Legacy, Wire::Http),
        (Protocol::Legacy, Wire::Pipe),
        (Protocol::Auto, Wire::Http),
        (Protocol::Auto, Wire::Pipe),
    ] {
        let elicited: Arc<Mutex<Vec<ElicitationRequest>>> = Arc::default();
        let rooted: Arc<Mutex<Vec<RootsRequest>>> = Arc::default();
        let rounds = Rounds::default();
        let builder = rounds.observe(asking_client(protocol, &elicited, &rooted));
        let client = connect(builder, wire).await;
        let r = client.call_tool("profile", json!({})).await.unwrap();
        assert_eq!(
            r.text_content(),
            "Lin @ file:///home/lin",
            "{protocol:?} {wire:?}"
        );
        let elicited = elicited.lock().unwrap();
        let rooted = rooted.lock().unwrap();
        assert_eq!(
            (elicited.len(), rooted.len()),
            (1, 1),
            "{protocol:?} {wire:?}"
        );
        assert_eq!(elicited[0].message, "Name?");
        assert_eq!(
            elicited[0].server.as_ref().map(|s| s.name.as_str()),
            Some("eras-test")
        );
        assert_eq!(rooted[0].server.as_ref().unwrap().name, "eras-test");
        match client.protocol() {
            Protocol::Stateless => {
                assert_eq!(rounds.sizes(), [2], "both asks in one round");
                assert!(elicited[0].input_key.is_some());
                assert!(rooted[0].input_key.is_some());
            }
            _ => {
                assert_eq!(rounds.count(), 0, "server requests, no rounds");
                assert_eq!(elicited[0].input_key, None);
            }
        }
    }
}

/// A client whose approval hook approves, edits or rejects by the question, counting its calls.
fn approving_client(protocol: Protocol, approvals: &Arc<AtomicUsize>) -> ClientBuilder {
    let n = Arc::clone(approvals);
    Client::builder("eras-test-client", "1.0")
        .protocol(protocol)
        .sampling_approval(move |req: &SamplingRequest| {
            n.fetch_add(1, Ordering::SeqCst);
            assert_eq!(req.server_name(), Some("eras-test"));
            match req.last_user_text().as_str() {
                "secret" => {
                    let mut p = req.params.clone();
                    p.messages = vec![SamplingMessage::user("[redacted]")];
                    p.max_tokens = 3;
                    Approval::Edit(p)
                }
                "forbidden" => Approval::reject("not allowed"),
                _ => Approval::Approve,
            }
        })
        .sampling_handler(|req: SamplingRequest| async move {
            Ok(format!(
                "model saw {} ({})",
                req.last_user_text(),
                req.max_tokens()
            ))
        })
}

#[tokio::test]
async fn the_approval_hook_works_in_both_eras() {
    for (protocol, wire) in [
        (Protocol::Legacy, Wire::Pipe),
        (Protocol::Stateless, Wire::Http),
        (Protocol::Stateless, Wire::Pipe),
    ] {
        let approvals = Arc::new(AtomicUsize::new(0));
        let client = connect(approving_client(protocol, &approvals), wire).await;
        let text = |q: &'static str| {
            let client = &client;
            async move {
                client
                    .call_tool("ask_or_explain", json!({ "question": q }))
                    .await
            }
        };
        let ctx = format!("{protocol:?} {wire:?}");
        assert_eq!(
            text("weather").await.unwrap().text_content(),
            "model saw weather (20)",
            "{ctx}"
        );
        assert_eq!(
            text("secret").await.unwrap().text_content(),
            "model saw [redacted] (3)",
            "{ctx}"
        );
        match protocol {
            Protocol::Legacy => {
                // The server hears `-1 user rejected` and its tool carries on.
                let refused = text("forbidden").await.unwrap().text_content();
                assert!(
                    refused.contains("user rejected: not allowed") && refused.contains("-1"),
                    "{ctx}: {refused}"
                );
            }
            _ => {
                // No error shape exists for an input response: the call fails here, typed.
                match text("forbidden").await.unwrap_err() {
                    ClientError::InputRequest {
                        method,
                        input_method,
                        error,
                        ..
                    } => {
                        assert_eq!(method, "tools/call");
                        assert_eq!(input_method, "sampling/createMessage");
                        assert_eq!(error.code, -1);
                        assert_eq!(error.message, "user rejected: not allowed");
                    }
                    other => panic!("{ctx}: {other:?}"),
                }
            }
        }
        assert_eq!(approvals.load(Ordering::SeqCst), 3, "{ctx}");
    }
}
