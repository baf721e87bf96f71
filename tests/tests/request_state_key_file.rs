//! `requestState` keys from a file (`Server::request_state_keys_from_file`, the format of
//! `TOOLSMITH_REQUEST_STATE_KEYS`): two servers reading one file serve each other's rounds, the
//! second key of the file still opens tokens it sealed, and a bad file is a configuration error
//! that names the file and key, never the secret.

use serde_json::{json, Value};
use toolsmith::prelude::*;
use toolsmith::HttpConfig;
use toolsmith_tests::cluster::stateless_meta;
use toolsmith_tests::fixtures::one;
use toolsmith_tests::RawClient;

const SECRET_A: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const SECRET_B: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

fn key_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("{name}-{}.keys", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

fn call(extra: Value) -> Value {
    let mut params = json!({"name": "one", "arguments": {"question": "q?"},
        "_meta": stateless_meta(json!({"sampling": {}}))});
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    params
}

fn answered(r1: &Value) -> Value {
    let key = r1["result"]["inputRequests"]
        .as_object()
        .unwrap_or_else(|| panic!("{r1}"))
        .keys()
        .next()
        .unwrap()
        .clone();
    let answer = json!({"role": "assistant", "model": "m", "stopReason": "endTurn",
        "content": {"type": "text", "text": "A"}});
    json!({"inputResponses": {key: answer}, "requestState": r1["result"]["requestState"]})
}

#[tokio::test]
async fn servers_reading_one_file_serve_each_others_rounds() {
    let both = key_file(
        "both",
        &format!("# current first\nnew:{SECRET_A}\nold:{SECRET_B}\n"),
    );
    let old_only = key_file("old", &format!("old:{SECRET_B}"));
    let server = |path: &std::path::Path| {
        Server::new("replica", "1")
            .tool(one)
            .request_state_keys_from_file(path)
    };
    let mut a = RawClient::start(server(&both));
    let mut b = RawClient::start(server(&both));
    let r1 = a.request("tools/call", call(json!({}))).await;
    let r2 = b.request("tools/call", call(answered(&r1))).await;
    assert_eq!(r2["result"]["content"][0]["text"], "A", "{r2}");

    // A replica still on the old key alone: its tokens open on the rotated ones.
    let mut old = RawClient::start(server(&old_only));
    let r1 = old.request("tools/call", call(json!({}))).await;
    let r2 = a.request("tools/call", call(answered(&r1))).await;
    assert_eq!(r2["result"]["content"][0]["text"], "A", "{r2}");
    // ... and not the other way round: tokens sealed with `new` name a key it lacks.
    let r1 = a.request("tools/call", call(json!({}))).await;
    let r2 = old.request("tools/call", call(answered(&r1))).await;
    assert!(
        r2["error"]["message"].as_str().unwrap().contains("new"),
        "{r2}"
    );
}

#[tokio::test]
async fn a_bad_key_file_is_a_configuration_error() {
    for (name, text, says) in [
        ("weak", "k:c2hvcnQ=".to_owned(), "too weak"),
        ("garbled", format!("k {SECRET_A}"), "id:secret"),
        ("empty", "# nothing\n".to_owned(), "no requestState key"),
    ] {
        let path = key_file(name, &text);
        let built = Server::new("replica", "1")
            .request_state_keys_from_file(&path)
            .into_http_router(HttpConfig::default());
        let Err(toolsmith::Error::Config(message)) = built else {
            panic!("{name}: not a configuration error");
        };
        assert!(message.contains(says), "{name}: {message}");
        assert!(
            !message.contains(SECRET_A),
            "{name}: the secret leaked: {message}"
        );
    }
    let missing = Server::new("replica", "1")
        .request_state_keys_from_file("/nonexistent/keys")
        .into_http_router(HttpConfig::default());
    assert!(matches!(missing, Err(toolsmith::Error::Config(m)) if m.contains("/nonexistent/keys")));
}
