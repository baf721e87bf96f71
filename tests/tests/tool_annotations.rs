//! Tool annotations reach `tools/list` with the wire names, whether the `#[tool]` macro builds
//! them (field by field, since `ToolAnnotations` is `#[non_exhaustive]`) or a dynamic tool gets
//! them from the builder methods.

use serde_json::json;
use toolsmith::prelude::*;
use toolsmith::protocol::ToolAnnotations;
use toolsmith::testing::TestClient;
use toolsmith::ToolDef;

/// Look something up.
#[tool(
    title = "Look up",
    read_only,
    destructive = false,
    idempotent = true,
    open_world = false
)]
async fn look_up(key: String) -> String {
    key
}

#[tokio::test]
async fn macro_and_builder_annotations_are_listed_with_their_wire_names() {
    let dynamic = ToolDef::dynamic("erase", json!({"type": "object"}), |_ctx, _args| {
        Box::pin(async { Ok(CallToolResult::text("gone")) })
    })
    .with_annotations(
        ToolAnnotations::new()
            .with_title("Erase")
            .with_destructive_hint(true)
            .with_open_world_hint(true),
    );
    let server = Server::new("annotated", "1").tool(look_up).tool(dynamic);
    let client = TestClient::connect(server).await.unwrap();
    let tools = client.list_tools().await.unwrap();
    let annotations = |name: &str| {
        let tool = tools.iter().find(|t| t.name == name).unwrap();
        serde_json::to_value(&tool.annotations).unwrap()
    };
    assert_eq!(
        annotations("look_up"),
        json!({"title": "Look up", "readOnlyHint": true, "destructiveHint": false,
               "idempotentHint": true, "openWorldHint": false})
    );
    assert_eq!(
        annotations("erase"),
        json!({"title": "Erase", "destructiveHint": true, "openWorldHint": true})
    );
}
