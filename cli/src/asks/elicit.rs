//! Answering the server's elicitation requests with a terminal form built from the requested
//! schema (a flat object of strings, numbers, integers, booleans, single- and multi-select
//! enums), or, in URL mode, by showing the URL.

use serde_json::{Map, Value};
use toolsmith::client::{ElicitationMode, ElicitationRequest, HandlerError};
use toolsmith::protocol::{ElicitAction, ElicitResult};

use super::terminal::{Conversation, Terminal};

/// Ask the user at `terminal` for what `request` wants.
pub async fn answer(
    terminal: Terminal,
    request: ElicitationRequest,
) -> Result<ElicitResult, HandlerError> {
    let talk = terminal.conversation().await;
    let server = request
        .server
        .as_ref()
        .map_or("the server", |s| s.name.as_str());
    talk.say(&format!("── {server} asks: {} ──", request.message));
    if request.mode == ElicitationMode::Url {
        talk.say(&format!(
            "Open this URL to continue: {}",
            request.url.as_deref().unwrap_or("")
        ));
        let answer = talk
            .ask("Press Enter when done, or type n to decline:")
            .await;
        return Ok(match answer.as_deref().map(str::trim) {
            None => reply(ElicitAction::Cancel),
            Some("n" | "no") => reply(ElicitAction::Decline),
            Some(_) => reply(ElicitAction::Accept),
        });
    }
    let Some(choice) = talk
        .ask("Fill in the form? [y]es / [n]o (decline) / [c]ancel:")
        .await
    else {
        return Ok(reply(ElicitAction::Cancel));
    };
    match choice.trim().to_lowercase().as_str() {
        "n" | "no" => return Ok(reply(ElicitAction::Decline)),
        "c" | "cancel" => return Ok(reply(ElicitAction::Cancel)),
        _ => {}
    }
    let schema = request.requested_schema.unwrap_or(Value::Null);
    match fill(&talk, &schema).await {
        Some(content) => Ok(ElicitResult::accept(content)),
        None => Ok(reply(ElicitAction::Cancel)),
    }
}

/// An answer without content.
fn reply(action: ElicitAction) -> ElicitResult {
    ElicitResult::new(action)
}

/// Ask for every field of `schema`; `None` when stdin closes first.
async fn fill(talk: &Conversation<'_>, schema: &Value) -> Option<Map<String, Value>> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut content = Map::new();
    let Some(properties) = schema["properties"].as_object() else {
        return Some(content);
    };
    for (name, field) in field_order(properties, &required) {
        let required = required.contains(&name.as_str());
        let options = options(field);
        if !options.is_empty() {
            for (i, (value, title)) in options.iter().enumerate() {
                talk.say(&format!(
                    "  {}) {title}{}",
                    i + 1,
                    shown_value(value, title)
                ));
            }
        }
        let question = question(name, field, required);
        loop {
            let line = talk.ask(&question).await?;
            match parse_field(field, &line, required) {
                Ok(Some(value)) => {
                    content.insert(name.clone(), value);
                    break;
                }
                Ok(None) => break,
                Err(why) => talk.say(&format!("  {why}; try again")),
            }
        }
    }
    Some(content)
}

/// The order fields are asked in: the required ones in the order `required` lists them (an
/// array keeps the server's order, a JSON map may not), then the others.
fn field_order<'a>(
    properties: &'a Map<String, Value>,
    required: &[&str],
) -> Vec<(&'a String, &'a Value)> {
    let mut fields: Vec<(&String, &Value)> = required
        .iter()
        .filter_map(|name| properties.get_key_value(*name))
        .collect();
    fields.extend(
        properties
            .iter()
            .filter(|(name, _)| !required.contains(&name.as_str())),
    );
    fields
}

fn shown_value(value: &str, title: &str) -> String {
    if value == title {
        String::new()
    } else {
        format!(" ({value})")
    }
}

/// The prompt for one field: its title or name, description, type, and default.
fn question(name: &str, field: &Value, required: bool) -> String {
    let label = field["title"].as_str().unwrap_or(name);
    let mut q = label.to_owned();
    if let Some(description) = field["description"].as_str() {
        q.push_str(&format!(" — {description}"));
    }
    let kind = if field["type"] == "array" {
        "choose any: numbers or values, comma-separated".to_owned()
    } else if !options(field).is_empty() {
        "choose one".to_owned()
    } else {
        field["type"].as_str().unwrap_or("text").to_owned()
    };
    q.push_str(&format!(
        " ({kind}{})",
        if required { ", required" } else { "" }
    ));
    if let Some(default) = field.get("default") {
        q.push_str(&format!(" [{}]", plain(default)));
    }
    q.push(':');
    q
}

/// The choices of a single-select field (`enum`, `oneOf`/`anyOf` of `const`) or of a
/// multi-select field's items, as (value, title).
fn options(field: &Value) -> Vec<(String, String)> {
    let field = if field["type"] == "array" {
        &field["items"]
    } else {
        field
    };
    if let Some(values) = field["enum"].as_array() {
        let names = field["enumNames"].as_array();
        return values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let value = plain(v);
                let title = names
                    .and_then(|n| n.get(i))
                    .and_then(Value::as_str)
                    .map_or_else(|| value.clone(), str::to_owned);
                (value, title)
            })
            .collect();
    }
    let alternatives = field["oneOf"].as_array().or(field["anyOf"].as_array());
    alternatives
        .map(|alts| {
            alts.iter()
                .filter_map(|alt| {
                    let value = plain(alt.get("const")?);
                    let title = alt["title"]
                        .as_str()
                        .map_or_else(|| value.clone(), str::to_owned);
                    Some((value, title))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON value as the user would type it (strings without quotes).
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// The value typed for `field`: `Ok(None)` to leave an optional field out, `Err` to ask again.
/// An empty line takes the default when there is one.
pub fn parse_field(field: &Value, line: &str, required: bool) -> Result<Option<Value>, String> {
    let line = line.trim();
    if line.is_empty() {
        return match field.get("default") {
            Some(default) => Ok(Some(default.clone())),
            None if required => Err("this field is required".to_owned()),
            None => Ok(None),
        };
    }
    let choices = options(field);
    if field["type"] == "array" {
        let picked = line
            .split(',')
            .map(|part| choose(&choices, part.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Some(Value::Array(
            picked.into_iter().map(Value::String).collect(),
        )));
    }
    if !choices.is_empty() {
        return choose(&choices, line).map(|v| Some(Value::String(v)));
    }
    match field["type"].as_str() {
        Some("boolean") => match line.to_lowercase().as_str() {
            "y" | "yes" | "true" => Ok(Some(Value::Bool(true))),
            "n" | "no" | "false" => Ok(Some(Value::Bool(false))),
            _ => Err(format!("`{line}` is not yes or no")),
        },
        Some("integer") => line
            .parse::<i64>()
            .map(|n| Some(Value::from(n)))
            .map_err(|_| format!("`{line}` is not a whole number")),
        Some("number") => line
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(|n| Some(Value::Number(n)))
            .ok_or_else(|| format!("`{line}` is not a number")),
        _ => Ok(Some(Value::String(line.to_owned()))),
    }
}

/// The choice named by its number (from 1) or its value.
fn choose(choices: &[(String, String)], typed: &str) -> Result<String, String> {
    if let Ok(n) = typed.parse::<usize>() {
        if let Some((value, _)) = n.checked_sub(1).and_then(|i| choices.get(i)) {
            return Ok(value.clone());
        }
    }
    choices
        .iter()
        .find(|(value, title)| value == typed || title.eq_ignore_ascii_case(typed))
        .map(|(value, _)| value.clone())
        .ok_or_else(|| format!("`{typed}` is not one of the choices"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_typed_from_the_field() {
        let age = json!({ "type": "integer" });
        assert_eq!(parse_field(&age, "42", true), Ok(Some(json!(42))));
        assert!(parse_field(&age, "forty", true).is_err());
        let ok = json!({ "type": "boolean" });
        assert_eq!(parse_field(&ok, "y", true), Ok(Some(json!(true))));
        let ratio = json!({ "type": "number" });
        assert_eq!(parse_field(&ratio, "0.5", true), Ok(Some(json!(0.5))));
        let name = json!({ "type": "string" });
        assert_eq!(parse_field(&name, " Ada ", true), Ok(Some(json!("Ada"))));
    }

    #[test]
    fn an_empty_line_takes_the_default_or_skips_an_optional_field() {
        let with_default = json!({ "type": "integer", "default": 7 });
        assert_eq!(parse_field(&with_default, "", true), Ok(Some(json!(7))));
        let optional = json!({ "type": "string" });
        assert_eq!(parse_field(&optional, "", false), Ok(None));
        assert!(parse_field(&optional, "", true).is_err());
    }

    #[test]
    fn required_fields_come_first_in_the_order_they_are_listed() {
        let schema = json!({
            "properties": { "a": {}, "b": {}, "c": {}, "d": {} },
            "required": ["d", "b"]
        });
        let order: Vec<&str> = field_order(schema["properties"].as_object().unwrap(), &["d", "b"])
            .into_iter()
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(order, ["d", "b", "a", "c"]);
    }

    #[test]
    fn choices_are_picked_by_number_or_value() {
        let single = json!({ "type": "string", "enum": ["red", "green"] });
        assert_eq!(parse_field(&single, "2", true), Ok(Some(json!("green"))));
        assert_eq!(parse_field(&single, "red", true), Ok(Some(json!("red"))));
        assert!(parse_field(&single, "blue", true).is_err());
        let titled = json!({ "type": "string", "oneOf": [
            { "const": "s", "title": "Small" }, { "const": "l", "title": "Large" }
        ] });
        assert_eq!(parse_field(&titled, "large", true), Ok(Some(json!("l"))));
        let multi = json!({ "type": "array", "items": { "enum": ["a", "b", "c"] } });
        assert_eq!(
            parse_field(&multi, "1, c", true),
            Ok(Some(json!(["a", "c"])))
        );
    }
}
