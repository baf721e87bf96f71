//! [`RedisEventStore`] against a real `redis-server` (started by the test): a client whose
//! request stream broke on replica A resumes it with `Last-Event-ID` on replica B and gets the
//! events it missed; the store keeps streams within the replay bounds, with a TTL.

use std::sync::Arc;
use std::time::Duration;

use toolsmith::{
    EventStore, HttpConfig, RedisEventStore, RedisSessionStore, StreamHolder, StreamLease,
};
use toolsmith_tests::redis::RedisServer;
use toolsmith_tests::replicas::{call, initialize, post, replica, Answer};

fn config(redis: &RedisServer, max_events: usize) -> HttpConfig {
    HttpConfig::default()
        .session_idle_timeout(Duration::from_secs(600))
        .max_replay_events(max_events)
        .session_store(Arc::new(RedisSessionStore::new(&redis.url()).unwrap()))
        .event_store(Arc::new(RedisEventStore::new(&redis.url()).unwrap()))
}

/// The `id:` fields of an SSE body, in order.
fn event_ids(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("id:"))
        .map(|id| id.trim().to_owned())
        .collect()
}

/// GET `url` in `session`, resuming after event `last`; the whole answer.
async fn resume(url: &str, session: &str, last: &str) -> Answer {
    let resp = reqwest::Client::new()
        .get(url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    Answer {
        status,
        session: None,
        text: resp.text().await.unwrap(),
    }
}

#[tokio::test]
async fn a_stream_broken_on_one_replica_resumes_on_another() {
    let test = "a_stream_broken_on_one_replica_resumes_on_another";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let (a, b) = (
        replica(config(&redis, 2)).await,
        replica(config(&redis, 2)).await,
    );
    let session = initialize(&a, None).await;
    // `chatty` logs, then answers: a stream of a priming event, the log line, the result.
    let on_a = post(&a, Some(&session), None, call(2, "chatty")).await;
    assert_eq!(on_a.status, 200, "{}", on_a.text);
    let ids = event_ids(&on_a.text);
    assert_eq!(ids.len(), 3, "{}", on_a.text);
    let stream = ids[0].split_once('-').unwrap().0;
    let key = format!("toolsmith:events:{session}:{stream}");
    let ttl: u64 = redis.cli(&["PTTL", &key]).parse().unwrap();
    assert!((590_000..=600_000).contains(&ttl), "PTTL {ttl}");

    // The connection broke after the log line: B sends the rest, then ends the stream.
    let on_b = resume(&b, &session, &ids[1]).await;
    assert_eq!(on_b.status, 200, "{}", on_b.text);
    assert_eq!(event_ids(&on_b.text), vec![ids[1].clone(), ids[2].clone()]);
    assert_eq!(on_b.json()["result"]["content"][0]["text"], "done");
    assert!(!on_b.text.contains("chatting"), "{}", on_b.text);

    // Past the bounds: on C, kept to 1 event per stream, the store keeps only the newest event
    // of a call's stream, so resuming before it is refused, and after the one before it works.
    let c = replica(config(&redis, 1)).await;
    let on_c = post(&c, Some(&session), None, call(3, "chatty")).await;
    let ids = event_ids(&on_c.text);
    assert_eq!(ids.len(), 3, "{}", on_c.text);
    let refused = resume(&b, &session, &ids[0]).await;
    assert_eq!(refused.status, 404, "{}", refused.text);
    assert!(
        refused.text.contains("cannot be resumed"),
        "{}",
        refused.text
    );
    assert_eq!(resume(&b, &session, &ids[1]).await.json()["id"], 3);
}

#[tokio::test]
async fn a_held_stream_names_its_request_and_whether_its_lease_runs() {
    let test = "a_held_stream_names_its_request_and_whether_its_lease_runs";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let store = RedisEventStore::new(&redis.url()).unwrap();
    assert_eq!(store.holder("s1", 7).await.unwrap(), None);
    let lease = StreamLease::new(Duration::from_secs(6), Duration::from_secs(600));
    store.hold("s1", 7, "42", lease).await.unwrap();
    assert_eq!(
        store.holder("s1", 7).await.unwrap(),
        Some(StreamHolder::new("42", true))
    );
    // The lease expires on its own, the request id with the stream.
    let key = "toolsmith:events:s1:7";
    let lease_ttl: u64 = redis
        .cli(&["PTTL", &format!("{key}:lease")])
        .parse()
        .unwrap();
    assert!((5_000..=6_000).contains(&lease_ttl), "PTTL {lease_ttl}");
    let request_ttl: u64 = redis
        .cli(&["PTTL", &format!("{key}:request")])
        .parse()
        .unwrap();
    assert!(
        (590_000..=600_000).contains(&request_ttl),
        "PTTL {request_ttl}"
    );
    // Run out (as when the holder stopped renewing it): the request is still named, not live.
    redis.cli(&["DEL", &format!("{key}:lease")]);
    assert_eq!(
        store.holder("s1", 7).await.unwrap(),
        Some(StreamHolder::new("42", false))
    );
    // Another stream of the session is not held.
    assert_eq!(store.holder("s1", 8).await.unwrap(), None);
}
