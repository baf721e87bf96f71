//! Handshake-era (2025-11-25) sessions shared by two servers through one session store
//! ([`MemorySessionStore`]): a session opened on one is served by the other without a new
//! `initialize`, its level set on one holds on the other, `DELETE` on one ends it on both, and
//! nobody but its owner can revive it.

use std::sync::Arc;

use serde_json::json;
use toolsmith::auth::{AuthInfo, BoxFuture, TokenVerifier, VerifyError};
use toolsmith::{HttpConfig, MemorySessionStore, ResourceServer, SessionStore};
use toolsmith_tests::replicas::{call, delete, initialize, post, replica, set_level};

fn shared() -> (Arc<MemorySessionStore>, HttpConfig) {
    let store = Arc::new(MemorySessionStore::new());
    (store.clone(), HttpConfig::default().session_store(store))
}

#[tokio::test]
async fn a_session_opened_on_one_replica_is_served_by_another() {
    let (store, config) = shared();
    let (a, b) = (replica(config.clone()).await, replica(config).await);
    let alone = replica(HttpConfig::default()).await;
    let session = initialize(&a, None).await;
    assert_eq!(store.len(), 1);

    // Without the store, another server does not know it.
    assert_eq!(
        post(&alone, Some(&session), None, call(2, "hi"))
            .await
            .status,
        404
    );
    let on_b = post(&b, Some(&session), None, call(3, "hi")).await;
    assert_eq!(on_b.status, 200, "{}", on_b.text);
    assert_eq!(on_b.json()["result"]["content"][0]["text"], "hi");
    let list = json!({"jsonrpc":"2.0","id":4,"method":"tools/list"});
    let listed = post(&b, Some(&session), None, list).await;
    assert_eq!(
        listed.json()["result"]["tools"].as_array().unwrap().len(),
        2
    );
    // And back on A, which opened it.
    assert_eq!(
        post(&a, Some(&session), None, call(5, "hi")).await.status,
        200
    );
    // A session nobody opened is still unknown everywhere.
    assert_eq!(
        post(&b, Some("00ff"), None, call(6, "hi")).await.status,
        404
    );
}

#[tokio::test]
async fn a_level_set_on_one_replica_holds_on_the_other() {
    let (store, config) = shared();
    let (a, b) = (replica(config.clone()).await, replica(config).await);
    let session = initialize(&a, None).await;
    // B revives the session before the level is set: its log line goes out.
    let before = post(&b, Some(&session), None, call(2, "chatty")).await;
    assert!(
        before.text.contains("notifications/message"),
        "{}",
        before.text
    );

    let set = set_level(3, "error");
    assert_eq!(post(&a, Some(&session), None, set).await.status, 200);
    let after = post(&b, Some(&session), None, call(4, "chatty")).await;
    assert_eq!(after.status, 200);
    assert!(
        !after.text.contains("notifications/message"),
        "{}",
        after.text
    );
    assert_eq!(after.json()["result"]["content"][0]["text"], "done");

    // A replica that revives it only now gets the level too.
    let c = replica(HttpConfig::default().session_store(store)).await;
    let on_c = post(&c, Some(&session), None, call(5, "chatty")).await;
    assert!(
        !on_c.text.contains("notifications/message"),
        "{}",
        on_c.text
    );
}

#[tokio::test]
async fn delete_on_one_replica_ends_the_session_on_both() {
    let (store, config) = shared();
    let (a, b) = (replica(config.clone()).await, replica(config).await);
    let session = initialize(&a, None).await;
    assert_eq!(
        post(&a, Some(&session), None, call(2, "hi")).await.status,
        200
    );

    assert_eq!(delete(&b, &session, None).await.status, 200);
    assert!(store.is_empty());
    assert_eq!(
        post(&a, Some(&session), None, call(3, "hi")).await.status,
        404
    );
    assert_eq!(
        post(&b, Some(&session), None, call(4, "hi")).await.status,
        404
    );
}

/// Tokens `alice` and `mallory`, each its own caller.
struct TwoCallers;

impl TokenVerifier for TwoCallers {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<AuthInfo, VerifyError>> {
        Box::pin(async move {
            match token {
                "alice" | "mallory" => Ok(AuthInfo::new(token)),
                _ => Err(VerifyError::Invalid("unknown token".into())),
            }
        })
    }
}

#[tokio::test]
async fn another_callers_token_cannot_revive_a_session() {
    let (_store, config) = shared();
    let oauth = || {
        ResourceServer::new("https://mcp.example.test/mcp", TwoCallers)
            .unwrap()
            .authorization_server("https://auth.example.test")
    };
    let a = replica(config.clone().oauth(oauth())).await;
    let b = replica(config.oauth(oauth())).await;
    let session = initialize(&a, Some("alice")).await;

    let stolen = post(&b, Some(&session), Some("mallory"), call(2, "hi")).await;
    assert_eq!(stolen.status, 404, "{}", stolen.text);
    let own = post(&b, Some(&session), Some("alice"), call(3, "hi")).await;
    assert_eq!(own.status, 200, "{}", own.text);
    // Held on B now, it is still not mallory's.
    let again = post(&b, Some(&session), Some("mallory"), call(4, "hi")).await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_session_idle_past_its_timeout_expires_from_the_store_and_everywhere() {
    let store = Arc::new(MemorySessionStore::new());
    // A session that did nothing after opening expires after 200 ms (its record after 250).
    let config = HttpConfig::default()
        .new_session_idle_timeout(std::time::Duration::from_millis(200))
        .session_store(store.clone());
    let (a, b) = (replica(config.clone()).await, replica(config).await);
    let session = initialize(&a, None).await;
    assert_eq!(store.len(), 1);
    // The record's expiry is the event waited for (bounded).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !store.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the record never expired"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        post(&b, Some(&session), None, call(2, "hi")).await.status,
        404
    );
    assert_eq!(
        post(&a, Some(&session), None, call(3, "hi")).await.status,
        404
    );
}

#[tokio::test]
async fn subscriptions_are_written_where_they_change() {
    let (store, config) = shared();
    let (a, b) = (replica(config.clone()).await, replica(config).await);
    let session = initialize(&a, None).await;
    let subscribed = |store: Arc<MemorySessionStore>, id: String| async move {
        store.get(&id).await.unwrap().unwrap().subscriptions
    };
    assert!(subscribed(store.clone(), session.clone()).await.is_empty());

    let sub = json!({"jsonrpc":"2.0","id":2,"method":"resources/subscribe",
        "params":{"uri":"notes://today"}});
    assert_eq!(post(&a, Some(&session), None, sub).await.status, 200);
    assert_eq!(
        subscribed(store.clone(), session.clone()).await,
        ["notes://today"]
    );
    // A refused subscription changes nothing.
    let bad = json!({"jsonrpc":"2.0","id":3,"method":"resources/subscribe",
        "params":{"uri":"notes://never"}});
    post(&b, Some(&session), None, bad).await;
    assert_eq!(
        subscribed(store.clone(), session.clone()).await,
        ["notes://today"]
    );
    let unsub = json!({"jsonrpc":"2.0","id":4,"method":"resources/unsubscribe",
        "params":{"uri":"notes://today"}});
    assert_eq!(post(&b, Some(&session), None, unsub).await.status, 200);
    assert!(subscribed(store, session).await.is_empty());
}
