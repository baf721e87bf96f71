//! Definitions built by hand (bypassing the macros) meet, at registration, the same rules the
//! macros check at compile time (`toolsmith-rules`): a definition they break is refused with an
//! `Err` naming the rule, never a panic.

use schemars::JsonSchema;
use serde::Deserialize;
use toolsmith::prelude::*;
use toolsmith::{
    CallToolResult, Error, ResourceDef, ResourceFn, ResourceMeta, TemplateError, ToolDef, ToolMeta,
};

/// A resource handler for hand-built definitions (never called: registration fails first).
fn never_read() -> ResourceFn {
    |_ctx, _req| Box::pin(std::future::pending())
}

fn resource(uri: &'static str) -> Result<ResourceDef, TemplateError> {
    ResourceDef::new(
        ResourceMeta {
            uri,
            name: "r",
            ..Default::default()
        },
        never_read(),
    )
}

/// Run `server` to the point where it reports its configuration: serving fails at once when
/// something registered was refused.
async fn configuration(server: Server) -> Result<(), Error> {
    server.serve(tokio::io::empty(), tokio::io::sink()).await
}

fn config_message(result: Result<(), Error>) -> String {
    match result {
        Err(Error::Config(message)) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn resource_templates_that_break_the_rules_are_errors_not_panics() {
    assert_eq!(
        resource("x://{a}{b}").unwrap_err(),
        TemplateError::AdjacentVariables {
            template: "x://{a}{b}".into(),
            first: "a".into(),
            second: "b".into()
        }
    );
    for uri in ["x://{a", "x://a}", "x://{?q}", "x://{a}/{a}"] {
        assert!(resource(uri).is_err(), "{uri}");
    }
    // A stray `}` is refused even with no variable (it used to register as a fixed URI).
    assert!(matches!(
        resource("x://a}"),
        Err(TemplateError::UnmatchedClose { .. })
    ));
    for uri in ["x://fixed", "x://{a}/{b}", "x://{a}.{+b}"] {
        assert!(resource(uri).is_ok(), "{uri}");
    }
}

#[tokio::test]
async fn server_and_handle_refuse_a_bad_template_with_its_message() {
    let message =
        config_message(configuration(Server::new("s", "1").resource(resource("x://{a}{b}"))).await);
    assert!(
        message.contains("put literal text between them"),
        "{message}"
    );

    let server = Server::new("s", "1");
    let handle = server.handle();
    match handle.add_resource(resource("x://{a}{b}")) {
        Err(Error::Config(m)) => assert!(m.contains("`{a}` and `{b}`"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    handle
        .add_resource(resource("x://{a}/{b}"))
        .expect("a valid template registers");
}

#[derive(Deserialize, JsonSchema)]
struct Text {
    text: String,
}

fn tool(name: &'static str) -> ToolDef {
    let meta = ToolMeta {
        name,
        ..Default::default()
    };
    ToolDef::from_fn(meta, None, |_ctx, args: Text| {
        Box::pin(async move { CallToolResult::text(args.text) })
    })
}

#[tokio::test]
async fn tool_names_that_break_the_rules_are_refused_at_registration() {
    // Building the definition does not panic (it used to `debug_assert!` the name).
    let bad = tool("bad name!");
    let message = config_message(configuration(Server::new("s", "1").tool(bad.clone())).await);
    assert!(
        message.contains("invalid tool name `bad name!`: ` ` is not allowed"),
        "{message}"
    );
    let handle = Server::new("s", "1").handle();
    assert!(matches!(handle.add_tool(bad), Err(Error::Config(_))));
    assert!(matches!(handle.add_tool(tool("")), Err(Error::Config(_))));
    let long: &'static str = String::leak("x".repeat(129));
    assert!(matches!(handle.add_tool(tool(long)), Err(Error::Config(_))));
    handle
        .add_tool(tool("ok.name-1_2"))
        .expect("a valid name registers");
}

// Only the schema matters: the tool never runs.
#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Duplicated {
    #[schemars(extend("x-mcp-header" = "Region"))]
    a: String,
    #[schemars(extend("x-mcp-header" = "region"))]
    b: String,
}

// Only the schema matters: the tool never runs.
#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct NotScalar {
    #[schemars(extend("x-mcp-header" = "Tags"))]
    tags: Vec<String>,
}

// Only the schema matters: the tool never runs.
#[allow(dead_code)]
#[derive(Deserialize, JsonSchema)]
struct Designated {
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: String,
}

fn tool_with<A: serde::de::DeserializeOwned + JsonSchema + Send + 'static>() -> ToolDef {
    let meta = ToolMeta {
        name: "t",
        ..Default::default()
    };
    ToolDef::from_fn(meta, None, |_ctx, _args: A| {
        Box::pin(async { CallToolResult::text("") })
    })
}

#[tokio::test]
async fn invalid_x_mcp_header_designations_are_refused_at_registration() {
    let message =
        config_message(configuration(Server::new("s", "1").tool(tool_with::<Duplicated>())).await);
    assert!(message.contains("tool `t`"), "{message}");
    assert!(message.contains("is used twice"), "{message}");

    let handle = Server::new("s", "1").handle();
    match handle.add_tool(tool_with::<NotScalar>()) {
        Err(Error::Config(m)) => assert!(m.contains("not string, integer or boolean"), "{m}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    handle
        .add_tool(tool_with::<Designated>())
        .expect("a valid designation registers");
}

/// A hand-built tool declaring `output_schema`.
fn tool_returning(output_schema: serde_json::Value) -> ToolDef {
    let meta = ToolMeta {
        name: "out",
        ..Default::default()
    };
    ToolDef::from_fn(meta, Some(output_schema), |_ctx, args: Text| {
        Box::pin(async move { CallToolResult::text(args.text) })
    })
}

#[tokio::test]
async fn output_schemas_of_any_type_register_and_non_schemas_are_refused() {
    use serde_json::json;
    let handle = Server::new("s", "1").handle();
    for ok in [
        json!({"type": "array", "items": {"type": "string"}}),
        json!({"type": "string"}),
        json!({}),
    ] {
        handle
            .add_tool(tool_returning(ok.clone()))
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    let message = config_message(
        configuration(Server::new("s", "1").tool(tool_returning(json!("array")))).await,
    );
    assert!(
        message.contains("tool `out`: the output schema is a string, not a JSON Schema object"),
        "{message}"
    );
    let e = handle
        .add_tool(tool_returning(json!({"type": "list"})))
        .unwrap_err();
    assert!(e.to_string().contains("`type` is \"list\""), "{e}");
}
