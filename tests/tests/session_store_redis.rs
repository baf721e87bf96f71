//! [`RedisSessionStore`] against a real `redis-server` (started by the test): two replicas
//! share sessions through it, records carry the idle timeout as their TTL, `DELETE` removes the
//! key, and while Redis is down requests get a clear `503` until it is back.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use toolsmith::{HttpConfig, RedisSessionStore};
use toolsmith_tests::redis::RedisServer;
use toolsmith_tests::replicas::{call, delete, initialize, post, replica, set_level};

fn config(redis: &RedisServer) -> HttpConfig {
    let store = RedisSessionStore::new(&redis.url()).unwrap();
    HttpConfig::default()
        .session_idle_timeout(Duration::from_secs(600))
        .session_store(Arc::new(store))
}

#[tokio::test]
async fn replicas_share_sessions_through_redis() {
    let Some(redis) = RedisServer::start("replicas_share_sessions_through_redis") else {
        return;
    };
    let (a, b) = (replica(config(&redis)).await, replica(config(&redis)).await);
    let session = initialize(&a, None).await;
    let key = format!("toolsmith:session:{session}");
    // A fresh session: the new-session timeout (60 s) plus a quarter.
    let ttl: u64 = redis.cli(&["PTTL", &key]).parse().unwrap();
    assert!((70_000..=75_000).contains(&ttl), "PTTL {ttl}");

    let on_b = post(&b, Some(&session), None, call(2, "hi")).await;
    assert_eq!(on_b.status, 200, "{}", on_b.text);
    assert_eq!(on_b.json()["result"]["content"][0]["text"], "hi");
    // In use now: the session timeout (600 s) plus a quarter.
    let ttl: u64 = redis.cli(&["PTTL", &key]).parse().unwrap();
    assert!((700_000..=750_000).contains(&ttl), "PTTL {ttl}");

    assert_eq!(
        post(&a, Some(&session), None, set_level(3, "error"))
            .await
            .status,
        200
    );
    assert!(redis.cli(&["GET", &key]).contains(r#""logLevel":"error""#));
    let quiet = post(&b, Some(&session), None, call(4, "chatty")).await;
    assert!(
        !quiet.text.contains("notifications/message"),
        "{}",
        quiet.text
    );

    assert_eq!(delete(&b, &session, None).await.status, 200);
    assert_eq!(redis.cli(&["EXISTS", &key]), "0");
    assert_eq!(
        post(&a, Some(&session), None, call(5, "hi")).await.status,
        404
    );
}

#[tokio::test]
async fn redis_down_is_a_clear_503_and_back_up_it_serves_again() {
    let test = "redis_down_is_a_clear_503_and_back_up_it_serves_again";
    let Some(redis) = RedisServer::start(test) else {
        return;
    };
    let url = replica(config(&redis)).await;
    let session = initialize(&url, None).await;

    let port = redis.stop();
    let down = post(&url, Some(&session), None, call(2, "hi")).await;
    assert_eq!(down.status, 503, "{}", down.text);
    let message = down.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("Redis GET failed"), "{message}");
    // A new session cannot be kept either: refused, not handed out unshared.
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}});
    let refused = post(&url, None, None, init).await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(
        refused.text.contains("Redis SET failed"),
        "{}",
        refused.text
    );

    // Back (empty: no persistence): the old session is gone, a new one works.
    let redis = RedisServer::start_on(test, port).expect("started before");
    let gone = post(&url, Some(&session), None, call(3, "hi")).await;
    assert_eq!(gone.status, 404, "{}", gone.text);
    let fresh = initialize(&url, None).await;
    assert_eq!(
        post(&url, Some(&fresh), None, call(4, "hi")).await.status,
        200
    );
    drop(redis);
}
