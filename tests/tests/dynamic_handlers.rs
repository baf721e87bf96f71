//! Tools, resources and prompts built from data at run time (`ToolDef::dynamic`,
//! `ResourceDef::dynamic`, `PromptDef::dynamic`): owned names, schemas as values, async closures
//! with a `Context`; sampling from one in both eras, registration refusing a bad schema with
//! the same rules as `#[tool]`, and adding and removing them while the server runs (a call in
//! flight finishes after its tool is removed).

use std::sync::Arc;

use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use toolsmith::client::{ClientError, Protocol, ServerNotification};
use toolsmith::prelude::*;
use toolsmith::protocol::{GetPromptResult, PromptArgument, ReadResourceResult};
use toolsmith::testing::TestClient;
use toolsmith::{PromptDef, ResourceDef, ToolDef};

/// A tool named at run time that asks the client's model about its `topic` argument.
fn ask_model(name: &str) -> ToolDef {
    ToolDef::dynamic(
        name,
        json!({"type": "object", "properties": {"topic": {"type": "string"}}, "required": ["topic"]}),
        |ctx, args| {
            Box::pin(async move {
                let topic = args["topic"].as_str().unwrap_or("nothing").to_owned();
                let answer = ctx.sample(format!("Tell me about {topic}")).await?;
                Ok(CallToolResult::text(format!("{topic}: {}", answer.text())))
            })
        },
    )
    .with_description("Ask the model about a topic.")
    .with_requires(&["sampling"])
}

#[tokio::test]
async fn a_dynamic_tool_samples_in_both_eras() {
    for protocol in [Protocol::Legacy, Protocol::Stateless] {
        let name = format!("ask_{}", "model");
        let server = Server::new("dynamic", "1").tool(ask_model(&name));
        let client = TestClient::builder(server)
            .protocol(protocol)
            .sample_reply("it is warm")
            .connect()
            .await
            .unwrap();
        let tools = client.list_tools().await.unwrap();
        assert_eq!(tools.len(), 1);
        assert_eq!(tools[0].name, "ask_model");
        assert_eq!(
            tools[0].description.as_deref(),
            Some("Ask the model about a topic.")
        );
        assert_eq!(tools[0].input_schema["required"], json!(["topic"]));
        let result = client
            .call_tool("ask_model", json!({"topic": "summer"}))
            .await
            .unwrap();
        assert!(!result.is_error(), "{protocol:?}: {result:?}");
        assert_eq!(result.text_content(), "summer: it is warm", "{protocol:?}");
        assert_eq!(client.sampled()[0].last_user_text(), "Tell me about summer");
        client.shutdown().await.unwrap();
    }
}

#[tokio::test]
async fn a_dynamic_tools_error_is_a_failed_result() {
    let fails = ToolDef::dynamic("fails", json!({"type": "object"}), |_ctx, _args| {
        Box::pin(async move { Err(ToolError::new("no such record")) })
    });
    let client = TestClient::connect(Server::new("dynamic", "1").tool(fails))
        .await
        .unwrap();
    let result = client.call_tool("fails", json!({})).await.unwrap();
    assert!(result.is_error());
    assert_eq!(result.text_content(), "no such record");
}

fn noop(name: &str, schema: Value) -> ToolDef {
    ToolDef::dynamic(name, schema, |_ctx, _args| {
        Box::pin(async move { Ok(CallToolResult::text("ok")) })
    })
}

#[tokio::test]
async fn bad_schemas_and_names_are_refused_with_a_clear_error() {
    let server = Server::new("dynamic", "1");
    let handle = server.handle();
    for (def, says) in [
        (
            noop("s", json!({"type": "string"})),
            "the input schema of tool `s` is not an object schema",
        ),
        (
            noop("p", json!({"type": "object", "properties": {"a": 1}})),
            "the input schema of tool `p` has a property `a` whose schema is not an object",
        ),
        (
            noop("r", json!({"type": "object", "required": "a"})),
            "the input schema of tool `r` has `required` that is not an array",
        ),
        (
            noop("o", json!({"type": "object"})).with_output_schema(json!(["x"])),
            "tool `o`: the output schema is an array, not a JSON Schema object",
        ),
        (
            noop(
                "h",
                json!({"type": "object", "properties": {"a": {"type": "object", "x-mcp-header": "A"}}}),
            ),
            "tool `h`",
        ),
        (noop("two words", json!({"type": "object"})), "two words"),
    ] {
        let err = handle.add_tool(def).unwrap_err().to_string();
        assert!(err.contains(says), "{err}");
    }
    // Nothing refused was registered; at start-up the same refusal is the server's error.
    let client = TestClient::connect(server).await.unwrap();
    assert!(client.list_tools().await.unwrap().is_empty());
    let refused =
        TestClient::connect(Server::new("dynamic", "1").tool(noop("s", json!({"type": "string"}))))
            .await;
    let err = refused
        .err()
        .expect("a bad schema fails the server")
        .to_string();
    assert!(err.contains("is not an object schema"), "{err}");
}

#[tokio::test]
async fn dynamic_tools_come_and_go_while_the_server_runs_and_clients_hear_of_it() {
    let server = Server::new("dynamic", "1");
    let handle = server.handle();
    let (tx, mut heard) = mpsc::unbounded_channel();
    let client = TestClient::builder(server)
        .client(move |b| {
            b.on_notification(move |n| {
                let _ = tx.send(n);
            })
        })
        .connect()
        .await
        .unwrap();
    for i in 0..3 {
        handle
            .add_tool(noop(&format!("made_{i}"), json!({"type": "object"})))
            .unwrap();
        assert!(matches!(
            heard.recv().await,
            Some(ServerNotification::ToolsListChanged)
        ));
    }
    let names: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["made_0", "made_1", "made_2"]);
    assert!(handle.remove_tool("made_1"));
    assert!(matches!(
        heard.recv().await,
        Some(ServerNotification::ToolsListChanged)
    ));
    assert!(!handle.remove_tool("made_1"));
    let names: Vec<String> = client
        .list_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["made_0", "made_2"]);
}

#[tokio::test]
async fn a_call_in_flight_finishes_after_its_tool_is_removed() {
    let started = Arc::new(Notify::new());
    let proceed = Arc::new(Notify::new());
    let (s, p) = (Arc::clone(&started), Arc::clone(&proceed));
    let slow = ToolDef::dynamic("slow", json!({"type": "object"}), move |_ctx, _args| {
        let (s, p) = (Arc::clone(&s), Arc::clone(&p));
        Box::pin(async move {
            s.notify_one();
            p.notified().await;
            Ok(CallToolResult::text("finished"))
        })
    });
    let server = Server::new("dynamic", "1").tool(slow);
    let handle = server.handle();
    let client = TestClient::connect(server).await.unwrap();
    let call = client.call_tool("slow", json!({}));
    let remove = async {
        started.notified().await;
        assert!(handle.remove_tool("slow"));
        // Gone for new calls while the first still runs.
        let err = client.call_tool("slow", json!({})).await.unwrap_err();
        proceed.notify_one();
        err
    };
    let (result, err) = tokio::join!(call, remove);
    assert_eq!(result.unwrap().text_content(), "finished");
    assert!(
        matches!(&err, ClientError::Rpc { error, .. } if error.message.contains("slow")),
        "{err:?}"
    );
    assert!(client.list_tools().await.unwrap().is_empty());
}

#[tokio::test]
async fn dynamic_resources_and_prompts_are_read_and_got_with_their_own_names() {
    let note = ResourceDef::dynamic("notes://{id}", "note", |_ctx, read| {
        Box::pin(async move {
            let text = format!("note {}", read.vars["id"]);
            Ok(ReadResourceResult::new(vec![ResourceContents::text(
                read.uri, None, text,
            )]))
        })
    })
    .unwrap()
    .with_mime_type("text/plain");
    let topic = PromptArgument::new("topic").with_required(true);
    let prompt_name = format!("brief_{}", 7);
    let brief = PromptDef::dynamic(prompt_name, vec![topic], |_ctx, args| {
        Box::pin(async move {
            let topic: String = args.required("topic")?;
            Ok(GetPromptResult::new(vec![PromptMessage::user(format!(
                "Brief me on {topic}."
            ))]))
        })
    });
    let server = Server::new("dynamic", "1");
    let handle = server.handle();
    let client = TestClient::connect(server).await.unwrap();
    handle.add_resource(note).unwrap();
    handle.add_prompt(brief).unwrap();
    let read = client.read_resource("notes://42").await.unwrap();
    assert_eq!(
        serde_json::to_value(&read.contents[0]).unwrap()["text"],
        "note 42"
    );
    let got = client
        .get_prompt("brief_7", json!({"topic": "tides"}))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&got.messages[0]).unwrap()["content"]["text"],
        "Brief me on tides."
    );
    // The owned name is the one a missing argument's error names.
    let err = client
        .get_prompt("brief_7", json!({}))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("prompt `brief_7`"), "{err}");
    let bad = ResourceDef::dynamic("notes://{id", "bad", |_ctx, _read| {
        Box::pin(async move { Err(toolsmith::jsonrpc::ErrorObject::invalid_params("never")) })
    });
    assert!(bad.is_err());
    assert!(handle.remove_resource("notes://{id}"));
    assert!(handle.remove_prompt("brief_7"));
}
