//! Async completers with the request's `Context` (`Server::complete_prompt_argument_async`):
//! they run like handlers in both eras (here one asks the client's model), their errors and
//! panics are answered as errors, and results are capped at 100 values.

use serde_json::Map;
use toolsmith::client::Protocol;
use toolsmith::jsonrpc::ErrorObject;
use toolsmith::prelude::*;
use toolsmith::protocol::CompleteReference;
use toolsmith::testing::TestClient;

/// Greet someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Say hello to {name}.")
}

fn server() -> Server {
    Server::new("completing", "1.0")
        .prompt(greet)
        .complete_prompt_argument_async("greet", "name", |req, ctx| {
            Box::pin(async move {
                match req.value.as_str() {
                    "boom" => panic!("the completer broke"),
                    "err" => Err(ErrorObject::invalid_params("`err` is not a name")),
                    "many" => Ok((0..150).map(|i| format!("n{i}")).collect()),
                    typed => {
                        // Ask the client's model for names starting with what was typed.
                        let reply = ctx
                            .sample(format!("Names starting with {typed}"))
                            .await
                            .map_err(|e| ErrorObject::internal(e.to_string()))?;
                        Ok(reply.text().split(',').map(str::to_owned).collect())
                    }
                }
            })
        })
}

fn greet_ref() -> CompleteReference {
    CompleteReference::prompt("greet")
}

#[tokio::test]
async fn an_async_completer_can_use_its_context_in_both_eras() {
    for protocol in [Protocol::Legacy, Protocol::Stateless] {
        let client = TestClient::builder(server())
            .protocol(protocol)
            .sample_reply("Ada,Alan")
            .connect()
            .await
            .unwrap();
        let completion = client
            .complete(greet_ref(), "name", "A", Some(Map::new()))
            .await
            .unwrap();
        assert_eq!(completion.values, ["Ada", "Alan"], "{protocol:?}");
        assert_eq!(completion.total, Some(2));
        assert_eq!(
            client.sampled()[0].last_user_text(),
            "Names starting with A",
            "{protocol:?}"
        );
    }
}

#[tokio::test]
async fn errors_and_panics_of_a_completer_are_answered_as_errors() {
    let client = TestClient::connect(server()).await.unwrap();
    let e = client
        .complete(greet_ref(), "name", "err", None)
        .await
        .unwrap_err();
    assert_eq!(e.rpc_error().unwrap().code, -32602, "{e}");
    assert!(e.to_string().contains("`err` is not a name"), "{e}");

    let e = client
        .complete(greet_ref(), "name", "boom", None)
        .await
        .unwrap_err();
    let rpc = e.rpc_error().unwrap();
    assert_eq!(rpc.code, -32603, "{e}");
    assert!(rpc.message.contains("completing `name` failed"), "{e}");

    // The connection is fine: an argument without a completer completes to nothing.
    let empty = client
        .complete(greet_ref(), "other", "x", None)
        .await
        .unwrap();
    assert!(empty.values.is_empty());
}

#[tokio::test]
async fn at_most_100_values_are_sent_with_the_total() {
    let client = TestClient::connect(server()).await.unwrap();
    let c = client
        .complete(greet_ref(), "name", "many", None)
        .await
        .unwrap();
    assert_eq!(c.values.len(), 100);
    assert_eq!(c.total, Some(150));
    assert_eq!(c.has_more, Some(true));
    let e = client
        .complete(CompleteReference::prompt("missing"), "x", "", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unknown prompt: `missing`"), "{e}");
}
