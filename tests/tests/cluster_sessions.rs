//! The handshake era (2025-11-25) through nginx to three replicas of `everything_server` that
//! keep sessions in the cluster's Redis (`deploy/local-cluster.sh`, issue 14): `initialize`
//! lands on any replica (round-robin), the session's later requests on the replica its id
//! hashes to, and every request succeeds, however many replicas a session meets. Loopback only;
//! skipped with a message when nginx or redis-server is missing.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use toolsmith_tests::cluster::Cluster;

/// POST `body` through nginx (in `session`, if any): which replica answered, the session header,
/// and the JSON body (the last `data:` line of an SSE answer).
async fn post(
    cluster: &Cluster,
    http: &reqwest::Client,
    session: Option<&str>,
    body: Value,
) -> (usize, Option<String>, Value) {
    let mut r = http
        .post(&cluster.url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = session {
        r = r
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    let response = r.send().await.expect("posting through nginx");
    let replica = cluster.answered_by(&response);
    let status = response.status();
    let id = response
        .headers()
        .get("mcp-session-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert!(
        status.is_success(),
        "{status} from replica {replica}: {text}"
    );
    let last = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .next_back()
        .unwrap_or(&text);
    (
        replica,
        id,
        serde_json::from_str(last.trim()).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_sessions_are_served_by_every_replica() {
    let Some(cluster) = Cluster::up("cluster_sessions", 3) else {
        return;
    };
    let http = reqwest::Client::new();
    let mut met = BTreeSet::new();
    let mut moved = 0;
    for n in 0..12 {
        let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},
            "clientInfo":{"name":"cluster-test","version":"0"}}});
        let (opened_on, session, body) = post(&cluster, &http, None, init).await;
        assert_eq!(body["result"]["protocolVersion"], "2025-11-25", "{body}");
        let session = session.expect("a session id");
        let s = Some(session.as_str());
        let done = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        post(&cluster, &http, s, done).await;
        let list = json!({"jsonrpc":"2.0","id":2,"method":"tools/list"});
        let (listed_on, _, body) = post(&cluster, &http, s, list).await;
        let tools = body["result"]["tools"].as_array().expect("a tool list");
        assert!(tools.iter().any(|t| t["name"] == "replica"), "{body}");
        for id in 3..6 {
            let call = json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
                "params":{"name":"replica","arguments":{}}});
            let (called_on, _, body) = post(&cluster, &http, s, call).await;
            let text = body["result"]["content"][0]["text"]
                .as_str()
                .unwrap_or_default();
            assert_eq!(text, format!("replica-{called_on}"), "{body}");
            assert_eq!(
                called_on, listed_on,
                "a session's requests hash to one replica"
            );
        }
        met.extend([opened_on, listed_on]);
        if opened_on != listed_on {
            moved += 1;
        }
        if n >= 5 && moved >= 2 && met.len() == 3 {
            break;
        }
    }
    assert!(
        moved >= 2,
        "no session was served elsewhere than where it opened"
    );
    assert_eq!(met.len(), 3, "sessions met only replicas {met:?}");
    cluster.down();
}
