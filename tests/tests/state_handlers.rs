//! `#[resource]` and `#[prompt]` as `&self` methods in a `#[tools]` block: registered by
//! `Server::tools(state)` with the tools, and sharing the tools' state (no globals).

use std::sync::Mutex;

use serde_json::json;
use toolsmith::prelude::*;
use toolsmith_tests::RawClient;

#[derive(Default)]
struct Notes {
    notes: Mutex<Vec<String>>,
}

#[tools]
impl Notes {
    /// Write a note; returns how many there are.
    #[tool]
    async fn write(&self, text: String) -> usize {
        let mut notes = self.notes.lock().unwrap();
        notes.push(text);
        notes.len()
    }

    /// Every note, one a line.
    #[resource(uri = "notes://all", mime_type = "text/plain")]
    async fn all(&self) -> String {
        self.notes.lock().unwrap().join("\n")
    }

    /// One note, by its number (from 1).
    #[resource(uri = "notes://{n}", name = "note")]
    async fn note(&self, n: usize) -> Result<String, ToolError> {
        let notes = self.notes.lock().unwrap();
        n.checked_sub(1)
            .and_then(|i| notes.get(i).cloned())
            .ok_or_else(|| ToolError::new(format!("there is no note {n}")))
    }

    /// Ask for a summary of the notes.
    #[prompt(title = "Summarise the notes")]
    async fn summarise(&self, #[arg(description = "The tone")] tone: Option<String>) -> String {
        let notes = self.notes.lock().unwrap();
        format!(
            "Summarise these {} notes, {}:\n{}",
            notes.len(),
            tone.as_deref().unwrap_or("briefly"),
            notes.join("\n")
        )
    }
}

#[tokio::test]
async fn resources_and_prompts_share_the_tools_state() {
    let server = Server::new("notes", "1").tools(Notes::default());
    let mut c = RawClient::initialized(server, json!({})).await;

    let resources = c.request("resources/list", json!({})).await;
    assert_eq!(
        resources["result"]["resources"],
        json!([{
            "uri": "notes://all",
            "name": "all",
            "description": "Every note, one a line.",
            "mimeType": "text/plain",
        }]),
        "{resources}"
    );
    let templates = c.request("resources/templates/list", json!({})).await;
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["uriTemplate"], "notes://{n}",
        "{templates}"
    );
    let prompts = c.request("prompts/list", json!({})).await;
    assert_eq!(prompts["result"]["prompts"][0]["name"], "summarise");
    assert_eq!(
        prompts["result"]["prompts"][0]["arguments"][0],
        json!({"name": "tone", "description": "The tone", "required": false})
    );

    for text in ["buy milk", "call Ada"] {
        let r = c
            .request(
                "tools/call",
                json!({"name": "write", "arguments": {"text": text}}),
            )
            .await;
        assert_eq!(r["result"]["isError"], json!(null), "{r}");
    }

    let r = c
        .request("resources/read", json!({"uri": "notes://all"}))
        .await;
    assert_eq!(
        r["result"]["contents"][0]["text"], "buy milk\ncall Ada",
        "{r}"
    );
    let r = c
        .request("resources/read", json!({"uri": "notes://2"}))
        .await;
    assert_eq!(r["result"]["contents"][0]["text"], "call Ada", "{r}");
    let r = c
        .request("resources/read", json!({"uri": "notes://3"}))
        .await;
    assert_eq!(r["error"]["code"], -32603, "{r}");

    let r = c
        .request(
            "prompts/get",
            json!({"name": "summarise", "arguments": {"tone": "in French"}}),
        )
        .await;
    assert_eq!(
        r["result"]["messages"][0]["content"]["text"],
        "Summarise these 2 notes, in French:\nbuy milk\ncall Ada",
        "{r}"
    );
}
