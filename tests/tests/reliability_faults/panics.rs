//! Handlers and completers that panic: answered, logged, and survived, over stdio and HTTP.

use super::*;

#[tokio::test]
async fn panicking_handlers_are_answered_logged_and_survived() {
    let (logs, _guard) = Logs::capture();
    let (server, _) = server(Limits::default());
    let mut pipe = Pipe::initialized(server, json!({})).await;

    let r = pipe
        .request(
            json!(1),
            "tools/call",
            call("boom", json!({"message": "kaboom: /srv/secret"})),
        )
        .await;
    assert_eq!(r["result"]["isError"], true, "{r}");
    assert_eq!(text(&r), "tool `boom` failed unexpectedly");
    assert!(
        !r.to_string().contains("secret"),
        "the panic message leaked: {r}"
    );

    let r = pipe
        .request(
            json!(2),
            "resources/read",
            json!({"uri": "panic://resource"}),
        )
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert_eq!(
        r["error"]["message"],
        "reading `panic://resource` failed unexpectedly"
    );
    let r = pipe
        .request(json!(3), "prompts/get", json!({"name": "panicking_prompt"}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert_eq!(
        r["error"]["message"],
        "prompt `panicking_prompt` failed unexpectedly"
    );
    assert!(!r.to_string().contains("secret"), "{r}");

    // Many at once: every one answered, none takes the connection down.
    for i in 0..100 {
        pipe.tx
            .send(
                &json!({"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                "params": call("boom", json!({"message": format!("panic {i}")}))}),
            )
            .await;
    }
    for i in 0..100 {
        let r = pipe.response(&json!(100 + i)).await;
        assert_eq!(r["result"]["isError"], true, "{r}");
    }
    echo_works(&mut pipe, "after 103 panics").await;
    pipe.close().await.unwrap();

    // Each panic is logged at error level with its message and request id.
    let logged = logs.lines_with(&["ERROR", "handler panicked", "kaboom: /srv/secret"]);
    assert_eq!(logged.len(), 1, "{}", logs.text());
    assert!(logged[0].contains("id=1"), "{logged:?}");
    assert_eq!(logs.lines_with(&["ERROR", "handler panicked"]).len(), 103);
}

#[tokio::test]
async fn panicking_tools_over_http_are_answered_and_survived() {
    let (server, _) = server(Limits::default());
    let mut http = Http::start(server, HttpConfig::default()).await;
    http.initialize(json!({})).await;
    let calls = (0..20).map(|i| {
        let body = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
            "params": call("boom", json!({"message": "over http: /srv/secret"}))});
        let http = &http;
        async move { http.call(&body).await }
    });
    for r in futures::future::join_all(calls).await {
        assert_eq!(r["result"]["isError"], true, "{r}");
        assert!(!r.to_string().contains("secret"), "{r}");
    }
    let r = http
        .call(&json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": call("echo", json!({"text": "alive"}))}))
        .await;
    assert_eq!(text(&r), "alive");
}

/// A completer is user code run inline by the session; a panic in it unwinds through the
/// transport's read loop and ends the whole connection (stdio) — every request in flight is lost.
#[tokio::test]
async fn a_panicking_completer_does_not_take_the_connection_down() {
    let (server, _) = server(Limits::default());
    let server =
        server.complete_prompt_argument("panicking_prompt", "x", |_, _| panic!("completer bug"));
    let mut pipe = Pipe::initialized(server, json!({})).await;
    let r = pipe
        .request(json!(1), "completion/complete", json!({"ref": {"type": "ref/prompt", "name": "panicking_prompt"}, "argument": {"name": "x", "value": ""}}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    echo_works(&mut pipe, "after a completer panic").await;
    pipe.close().await.unwrap();
}
