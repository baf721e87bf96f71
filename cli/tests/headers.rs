//! `--header` sends a header with every HTTP message: a bearer-protected server is reachable
//! with it, and refused without it.

mod common;

use common::toolsmith;
use toolsmith::prelude::*;
use toolsmith::HttpConfig;

/// Say hello.
#[tool]
async fn hello() -> String {
    "hello from behind the lock".into()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bearer_token_is_sent_with_header() {
    let router = Server::new("locked", "1.0")
        .tool(hello)
        .into_http_router(HttpConfig::default().bearer_token("s3cret"))
        .expect("the router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            toolsmith(&args, "")
        })
    };
    let with = run(vec![
        "call".into(),
        "hello".into(),
        "--url".into(),
        url.clone(),
        "--header".into(),
        "Authorization: Bearer s3cret".into(),
    ])
    .await
    .unwrap();
    assert_eq!(with.code, 0, "{with:?}");
    assert_eq!(with.stdout, "hello from behind the lock\n");

    let without = run(vec!["call".into(), "hello".into(), "--url".into(), url])
        .await
        .unwrap();
    assert_eq!(without.code, 3, "{without:?}");
    assert!(without.stderr.contains("401"), "{without:?}");
}
