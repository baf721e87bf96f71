//! Icons, `websiteUrl`, `title`, `description` and `_meta` on the server info, tools, resources
//! and prompts: listed in both eras, and refused at registration when an icon source breaks the
//! rule `icons = [..]` is checked against at compile time.

use serde_json::{json, Map, Value};
use toolsmith::prelude::*;
use toolsmith::protocol::Icon;
use toolsmith::{IntoPrompt, IntoResource, IntoTool};
use toolsmith_tests::RawClient;

/// Read a file.
#[tool(title = "Read a file", icons = ["https://example.com/read.png"])]
async fn read(path: String) -> String {
    path
}

/// Plain: no icons.
#[tool]
async fn plain() -> String {
    String::new()
}

/// All notes.
#[resource(uri = "notes://all", icons = ["https://example.com/notes.svg"])]
async fn notes() -> String {
    String::new()
}

/// One note.
#[resource(uri = "notes://{id}", icons = ["https://example.com/note.svg"])]
async fn note(id: u32) -> String {
    id.to_string()
}

/// Review a text.
#[prompt(title = "Review", icons = ["https://example.com/review.png"])]
async fn review(text: String) -> String {
    text
}

fn meta(key: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("com.example/origin".into(), json!(key));
    m
}

fn server() -> Server {
    let dark = Icon::new("https://example.com/read-dark.svg")
        .mime_type("image/svg+xml")
        .sizes(["any"])
        .theme("dark");
    Server::new("iconic", "1.2.3")
        .title("Iconic")
        .description("A server with icons")
        .website_url("https://example.com/iconic")
        .icon(Icon::new("data:image/png;base64,iVBORw0KGgo=").sizes(["16x16"]))
        .tool(
            read.into_tool()
                .with_icons([Icon::new("https://example.com/read.png"), dark])
                .with_meta(meta("tool")),
        )
        .tool(plain)
        .resource(notes.into_resource().unwrap().with_meta(meta("resource")))
        .resource(note)
        .prompt(review.into_prompt().with_meta(meta("prompt")))
}

fn expected_info() -> Value {
    json!({
        "name": "iconic", "version": "1.2.3", "title": "Iconic",
        "description": "A server with icons",
        "icons": [{"src": "data:image/png;base64,iVBORw0KGgo=", "sizes": ["16x16"]}],
        "websiteUrl": "https://example.com/iconic"
    })
}

/// The listings, whatever the era: checks every item's icons, title and `_meta`.
async fn check_listings(c: &mut RawClient, params: Value) {
    let tools = c.request("tools/list", params.clone()).await;
    let tools = &tools["result"]["tools"];
    assert_eq!(tools[0]["name"], "read");
    assert_eq!(tools[0]["title"], "Read a file");
    assert_eq!(
        tools[0]["icons"],
        json!([{"src": "https://example.com/read.png"},
               {"src": "https://example.com/read-dark.svg", "mimeType": "image/svg+xml",
                "sizes": ["any"], "theme": "dark"}])
    );
    assert_eq!(tools[0]["_meta"], json!({"com.example/origin": "tool"}));
    // No icons: no key at all.
    assert!(tools[1].get("icons").is_none(), "{}", tools[1]);
    assert!(tools[1].get("_meta").is_none(), "{}", tools[1]);

    let resources = c.request("resources/list", params.clone()).await;
    let r = &resources["result"]["resources"][0];
    assert_eq!(
        r["icons"],
        json!([{"src": "https://example.com/notes.svg"}])
    );
    assert_eq!(r["_meta"], json!({"com.example/origin": "resource"}));
    let templates = c.request("resources/templates/list", params.clone()).await;
    let t = &templates["result"]["resourceTemplates"][0];
    assert_eq!(t["icons"], json!([{"src": "https://example.com/note.svg"}]));

    let prompts = c.request("prompts/list", params).await;
    let p = &prompts["result"]["prompts"][0];
    assert_eq!(p["title"], "Review");
    assert_eq!(
        p["icons"],
        json!([{"src": "https://example.com/review.png"}])
    );
    assert_eq!(p["_meta"], json!({"com.example/origin": "prompt"}));
}

#[tokio::test]
async fn listed_in_the_handshake_era() {
    let mut c = RawClient::start(server());
    let init = c
        .request(
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "0"}}),
        )
        .await;
    assert_eq!(init["result"]["serverInfo"], expected_info());
    c.notify("notifications/initialized", json!({})).await;
    check_listings(&mut c, json!({})).await;
}

#[tokio::test]
async fn listed_in_the_stateless_era() {
    let envelope = json!({"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"}
    }});
    let mut c = RawClient::start(server());
    let discover = c.request("server/discover", envelope.clone()).await;
    assert_eq!(
        discover["result"]["_meta"]["io.modelcontextprotocol/serverInfo"],
        expected_info()
    );
    check_listings(&mut c, envelope).await;
}

/// What `Server::serve` says about a server that cannot start.
async fn refusal(server: Server) -> String {
    // No client: a server that starts sees end of input at once and returns `Ok`.
    let (client_end, server_end) = tokio::io::duplex(1024);
    drop(client_end);
    let (r, w) = tokio::io::split(server_end);
    match server.serve(r, w).await {
        Err(toolsmith::Error::Config(msg)) => msg,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_icons_are_refused_at_registration() {
    let msg = refusal(
        Server::new("x", "1").tool(
            plain
                .into_tool()
                .with_icons([Icon::new("javascript:alert(1)")]),
        ),
    )
    .await;
    assert!(
        msg.contains("tool `plain`") && msg.contains("javascript:alert(1)"),
        "{msg}"
    );

    let msg = refusal(
        Server::new("x", "1").resource(
            notes
                .into_resource()
                .unwrap()
                .with_icons([Icon::new("file:///etc/passwd")]),
        ),
    )
    .await;
    assert!(
        msg.contains("resource `notes://all`") && msg.contains("file:///etc/passwd"),
        "{msg}"
    );

    let msg = refusal(
        Server::new("x", "1").prompt(
            review
                .into_prompt()
                .with_icons([Icon::new("https://example.com/p.png").theme("sepia")]),
        ),
    )
    .await;
    assert!(
        msg.contains("prompt `review`") && msg.contains("sepia"),
        "{msg}"
    );

    let msg = refusal(Server::new("x", "1").icon(Icon::new("data:text/html,<script>"))).await;
    assert!(
        msg.contains("the server info") && msg.contains("data:"),
        "{msg}"
    );

    let msg = refusal(Server::new("x", "1").website_url("javascript:alert(1)")).await;
    assert!(msg.contains("website URL"), "{msg}");
}

#[tokio::test]
async fn handle_adds_are_checked_too() {
    let server = Server::new("x", "1");
    let handle = server.handle();
    let err = handle
        .add_tool(plain.into_tool().with_icons([Icon::new("icon.png")]))
        .unwrap_err();
    assert!(err.to_string().contains("icon source `icon.png`"), "{err}");
    handle
        .add_tool(
            plain
                .into_tool()
                .with_icons([Icon::new("https://example.com/p.png")]),
        )
        .unwrap();
}
