//! `tools`, `resources`, `prompts`: what the server offers, readable (or as JSON).

use std::collections::HashSet;

use serde_json::{json, Value};
use toolsmith::client::Client;
use toolsmith::protocol::Tool;

use crate::error::Failure;
use crate::render::pretty;

/// `tools`: each tool's name, title, description and arguments.
pub async fn tools(client: &Client, as_json: bool) -> Result<String, Failure> {
    let tools = client.list_tools().await?;
    if as_json {
        return Ok(pretty(&json!({ "tools": tools })));
    }
    if tools.is_empty() {
        return Ok("(no tools)".to_owned());
    }
    Ok(tools.iter().map(tool).collect::<Vec<_>>().join("\n\n"))
}

fn tool(tool: &Tool) -> String {
    let mut out = vec![heading(&tool.name, tool.title.as_deref())];
    if let Some(description) = &tool.description {
        out.push(indent(description));
    }
    let arguments = schema_summary(&tool.input_schema);
    if arguments.is_empty() {
        out.push("  arguments: none".to_owned());
    } else {
        out.push("  arguments:".to_owned());
        out.extend(arguments.into_iter().map(|a| format!("    {a}")));
    }
    if tool.output_schema.is_some() {
        out.push("  returns structured content".to_owned());
    }
    out.join("\n")
}

/// `resources`: the resources, then the resource templates.
pub async fn resources(client: &Client, as_json: bool) -> Result<String, Failure> {
    let resources = list_all(client, "resources/list", "resources").await?;
    let templates = list_all(client, "resources/templates/list", "resourceTemplates").await?;
    if as_json {
        return Ok(pretty(
            &json!({ "resources": resources, "resourceTemplates": templates }),
        ));
    }
    let mut out = Vec::new();
    for r in &resources {
        out.push(entry(r, "uri"));
    }
    for t in &templates {
        out.push(format!("{} (template)", entry(t, "uriTemplate")));
    }
    if out.is_empty() {
        out.push("(no resources)".to_owned());
    }
    Ok(out.join("\n\n"))
}

/// One resource or template: `uri  name — title` with its type and description.
fn entry(item: &Value, uri_key: &str) -> String {
    let uri = item[uri_key].as_str().unwrap_or("?");
    let name = item["name"].as_str().unwrap_or("");
    let mut out = vec![format!("{uri}  {}", heading(name, item["title"].as_str()))];
    if let Some(mime) = item["mimeType"].as_str() {
        out.push(format!("  type: {mime}"));
    }
    if let Some(description) = item["description"].as_str() {
        out.push(indent(description));
    }
    out.join("\n")
}

/// `prompts`: each prompt with its arguments.
pub async fn prompts(client: &Client, as_json: bool) -> Result<String, Failure> {
    let prompts = list_all(client, "prompts/list", "prompts").await?;
    if as_json {
        return Ok(pretty(&json!({ "prompts": prompts })));
    }
    if prompts.is_empty() {
        return Ok("(no prompts)".to_owned());
    }
    let shown: Vec<String> = prompts
        .iter()
        .map(|p| {
            let mut out = vec![heading(
                p["name"].as_str().unwrap_or("?"),
                p["title"].as_str(),
            )];
            if let Some(description) = p["description"].as_str() {
                out.push(indent(description));
            }
            let arguments = p["arguments"].as_array().cloned().unwrap_or_default();
            if arguments.is_empty() {
                out.push("  arguments: none".to_owned());
            } else {
                out.push("  arguments:".to_owned());
                for a in &arguments {
                    let required = if a["required"] == true {
                        " (required)"
                    } else {
                        ""
                    };
                    let description = a["description"]
                        .as_str()
                        .map_or_else(String::new, |d| format!(" — {d}"));
                    out.push(format!(
                        "    {}{required}{description}",
                        a["name"].as_str().unwrap_or("?")
                    ));
                }
            }
            out.join("\n")
        })
        .collect();
    Ok(shown.join("\n\n"))
}

/// Every page of a `*/list` method's `key` array.
async fn list_all(client: &Client, method: &str, key: &str) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut seen = HashSet::new();
    loop {
        let params = cursor
            .as_ref()
            .map_or(Value::Null, |c| json!({ "cursor": c }));
        let page = client.request(method, params).await?;
        match page[key].as_array() {
            Some(list) => items.extend(list.iter().cloned()),
            None => {
                return Err(Failure::Server(format!(
                    "the answer to `{method}` has no `{key}` list"
                )))
            }
        }
        match page["nextCursor"].as_str() {
            Some(next) if !seen.insert(next.to_owned()) => {
                return Err(Failure::Server(format!(
                    "`{method}` repeated the cursor {next:?}"
                )))
            }
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(items),
        }
    }
}

fn heading(name: &str, title: Option<&str>) -> String {
    match title {
        Some(title) if title != name => format!("{name} — {title}"),
        _ => name.to_owned(),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line per property of an object schema: `name: type (required) — description`, with
/// the choices of an enum and the default.
pub fn schema_summary(schema: &Value) -> Vec<String> {
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    properties
        .iter()
        .map(|(name, property)| {
            let mut line = format!("{name}: {}", type_name(property));
            if required.contains(&name.as_str()) {
                line.push_str(" (required)");
            }
            if let Some(choices) = property["enum"].as_array() {
                let choices: Vec<String> = choices.iter().map(Value::to_string).collect();
                line.push_str(&format!(", one of {}", choices.join(" | ")));
            }
            if let Some(default) = property.get("default") {
                line.push_str(&format!(", default {default}"));
            }
            if let Some(description) = property["description"].as_str() {
                line.push_str(&format!(" — {description}"));
            }
            line
        })
        .collect()
}

/// A property's type in a few words: `string`, `integer or null`, `array of string`, ...
fn type_name(property: &Value) -> String {
    match &property["type"] {
        Value::String(t) if t == "array" => {
            let items = &property["items"];
            if items.is_object() {
                format!("array of {}", type_name(items))
            } else {
                "array".to_owned()
            }
        }
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => match property["anyOf"]
            .as_array()
            .or(property["oneOf"].as_array())
        {
            Some(alternatives) => alternatives
                .iter()
                .map(type_name)
                .collect::<Vec<_>>()
                .join(" or "),
            None if property.get("$ref").is_some() => "object".to_owned(),
            None if property.get("enum").is_some() => "choice".to_owned(),
            None => "any".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_is_summarised_one_argument_a_line() {
        let schema = json!({
            "type": "object",
            "properties": {
                "text": { "type": "string", "description": "The text" },
                "n": { "type": ["integer", "null"], "default": 3 },
                "tags": { "type": "array", "items": { "type": "string" } },
                "mode": { "enum": ["a", "b"] },
                "opt": { "anyOf": [{ "type": "number" }, { "type": "null" }] }
            },
            "required": ["text"]
        });
        // Property order is the JSON map's (sorted, or as sent with `preserve_order`).
        let mut summary = schema_summary(&schema);
        summary.sort();
        assert_eq!(
            summary,
            [
                "mode: choice, one of \"a\" | \"b\"",
                "n: integer or null, default 3",
                "opt: number or null",
                "tags: array of string",
                "text: string (required) — The text",
            ]
        );
    }
}
