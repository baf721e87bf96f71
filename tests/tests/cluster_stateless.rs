//! The stateless era (2026-07-28) through nginx to three replicas of `everything_server`
//! (`deploy/local-cluster.sh`, issue 14): calls spread over the replicas, a multi round-trip
//! request whose rounds land on different replicas completes (the replicas share the
//! `requestState` keys), a replica killed with SIGKILL is skipped, and `down` leaves nothing
//! running. Loopback only; skipped with a message when nginx or redis-server is missing.

use std::collections::BTreeSet;

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use toolsmith_tests::cluster::{alive, Cluster};

/// The text of a complete `tools/call` result.
fn text(body: &Value) -> &str {
    assert_eq!(body["result"]["resultType"], "complete", "{body}");
    body["result"]["content"][0]["text"].as_str().unwrap()
}

/// An answer to an elicitation ask: every property of its schema filled in.
fn accept(ask: &Value) -> Value {
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    let mut content = json!({});
    for (name, _) in ask["params"]["requestedSchema"]["properties"]
        .as_object()
        .unwrap()
    {
        content[name] = json!(format!("my-{name}"));
    }
    json!({"action": "accept", "content": content})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_and_rounds_spread_over_replicas_and_down_stops_everything() {
    let Some(cluster) = Cluster::up("cluster_spread", 3) else {
        return;
    };
    let http = reqwest::Client::new();

    // Many calls: each says which replica served it, and nginx agrees.
    let mut served = BTreeSet::new();
    for _ in 0..30 {
        let (replica, body) = cluster
            .call(&http, "replica", json!({"arguments": {}}), json!({}))
            .await;
        assert_eq!(text(&body), format!("replica-{replica}"));
        served.insert(replica);
    }
    assert_eq!(served.len(), 3, "30 calls reached only replicas {served:?}");

    // A multi round-trip request: two elicitations, three rounds, each on whichever replica
    // nginx picks; any of them opens the others' requestState.
    let caps = json!({"elicitation": {}});
    let tool = "test_input_required_result_multi_round";
    let mut params = json!({"arguments": {}});
    let mut rounds = Vec::new();
    let body = loop {
        let (replica, body) = cluster
            .call(&http, tool, params.clone(), caps.clone())
            .await;
        rounds.push(replica);
        assert!(rounds.len() <= 3, "more rounds than asks: {body}");
        let result = &body["result"];
        if result["resultType"] != "input_required" {
            break body;
        }
        let mut answers = json!({});
        for (key, ask) in result["inputRequests"].as_object().unwrap() {
            answers[key] = accept(ask);
        }
        params = json!({"arguments": {}, "inputResponses": answers,
            "requestState": result["requestState"]});
    };
    assert_eq!(
        text(&body),
        "Multi-round complete for my-name who likes my-color"
    );
    let distinct: BTreeSet<_> = rounds.iter().collect();
    assert!(
        distinct.len() > 1,
        "every round landed on one replica ({rounds:?}): nothing shows the keys are shared"
    );
    eprintln!("multi round-trip rounds served by replicas {rounds:?}");

    cluster.down();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_mid_run_is_skipped() {
    let Some(cluster) = Cluster::up("cluster_kill", 3) else {
        return;
    };
    let http = reqwest::Client::new();
    for _ in 0..6 {
        cluster
            .call(&http, "replica", json!({"arguments": {}}), json!({}))
            .await;
    }
    let victim = cluster.replica_pid(2);
    // SIGKILL: no goodbye, its connections reset.
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &victim.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(victim) {
        assert!(Instant::now() < deadline, "replica 2 survived SIGKILL");
        tokio::task::yield_now().await;
    }
    // nginx may have sent a request on a kept-alive connection of the dead replica before it
    // noticed the close: that request gets 502 (a POST is never sent twice by nginx), and the
    // client sends it again (at most 3 times), as a 2026-07-28 client does. None is lost.
    let mut served = BTreeSet::new();
    let mut retries = 0;
    for _ in 0..30 {
        let mut attempt = 0;
        let response = loop {
            attempt += 1;
            let r = cluster
                .post_call(&http, "replica", json!({"arguments": {}}), json!({}))
                .await
                .unwrap();
            if r.status() == 502 && attempt < 4 {
                retries += 1;
                continue;
            }
            break r;
        };
        assert_eq!(response.status(), 200);
        let replica = cluster.answered_by(&response);
        let body: Value = response.json().await.unwrap();
        assert_eq!(text(&body), format!("replica-{replica}"));
        served.insert(replica);
    }
    eprintln!("after SIGKILL: 30 calls, {retries} retried after a 502");
    assert_eq!(
        served,
        BTreeSet::from([1, 3]),
        "after replica 2 died, calls were served by {served:?}"
    );
    let status = cluster.script(&["status"]);
    assert!(
        status.contains("replica-2    stopped"),
        "status does not show the dead replica:\n{status}"
    );
    cluster.down();
}
