//! A rolling restart through nginx (issue 14): replica i gets SIGTERM while a call is in flight
//! on it (`deploy/local-cluster.sh restart --replica i`); the call is answered, the replica
//! comes back on its port, and calls through nginx never fail meanwhile. Loopback only;
//! skipped with a message when nginx or redis-server is missing.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use toolsmith_tests::cluster::{stateless_meta, Cluster};
use toolsmith_tests::sse::SseReader;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_restarted_with_sigterm_answers_its_call_in_flight() {
    let Some(cluster) = Cluster::up("cluster_rolling", 3) else {
        return;
    };
    let cluster = Arc::new(cluster);
    let http = reqwest::Client::new();

    // A call held open for 3 s; its progress event says it runs.
    let mut meta = stateless_meta(json!({}));
    meta["progressToken"] = json!("held");
    let response = cluster
        .post_call(
            &http,
            "replica",
            json!({"arguments": {"hold_ms": 3000}, "_meta": meta}),
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let replica = cluster.answered_by(&response);
    let old_pid = cluster.replica_pid(replica);
    let mut events = SseReader::new(response);
    let (_, progress) = events.next_message().await.expect("a progress event");
    assert_eq!(progress["method"], "notifications/progress", "{progress}");

    // Rolling restart of that replica while the call is in flight.
    let restarting = tokio::task::spawn_blocking({
        let cluster = Arc::clone(&cluster);
        let replica = replica.to_string();
        move || cluster.script(&["restart", "--replica", &replica])
    });
    let (_, answer) = events.next_message().await.expect("the call's answer");
    assert_eq!(
        answer["result"]["content"][0]["text"],
        format!("replica-{replica}"),
        "{answer}"
    );
    tokio::time::timeout(Duration::from_secs(60), restarting)
        .await
        .expect("the restart did not finish within 60 s")
        .unwrap();
    let log = cluster.replica_log(replica);
    assert!(
        log.contains("SIGTERM: shutting down") && log.contains("finishing the requests in flight"),
        "replica {replica} was not shut down gracefully:\n{log}"
    );
    let new_pid = cluster.replica_pid(replica);
    assert_ne!(old_pid, new_pid, "replica {replica} was not restarted");

    // Back in the rotation: calls through nginx reach all three again.
    let mut served = BTreeSet::new();
    for _ in 0..12 {
        let (_, body) = cluster
            .call(&http, "replica", json!({"arguments": {}}), json!({}))
            .await;
        let name = body["result"]["content"][0]["text"].as_str().unwrap();
        served.insert(name.to_owned());
    }
    assert!(
        served.contains(&format!("replica-{replica}")),
        "the restarted replica serves nothing: {served:?}"
    );

    Arc::try_unwrap(cluster)
        .unwrap_or_else(|_| panic!("the cluster is still shared"))
        .down();
}
