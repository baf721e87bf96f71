//! Tests of the sampling wire types.

use super::*;
use serde_json::json;

#[test]
fn content_is_one_object_or_an_array() {
    let m = SamplingMessage::user("hi");
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        json!({"role":"user","content":{"type":"text","text":"hi"}})
    );
    let r: CreateMessageResult = serde_json::from_value(json!({
        "role":"assistant","model":"m","stopReason":"somethingNew",
        "content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]
    }))
    .unwrap();
    assert_eq!(r.text_content(), "a\nb");
    assert_eq!(
        r.stop_reason,
        Some(StopReason::Other("somethingNew".into()))
    );
}

#[test]
fn one_block_many_blocks_and_bad_content_read_alike_from_text_and_values() {
    for (content, want) in [
        (json!({"type": "text", "text": "a"}), Ok(1)),
        (
            json!([{"type": "text", "text": "a"}, {"type": "image", "data": "AA==", "mimeType": "image/png"}]),
            Ok(2),
        ),
        (json!([]), Ok(0)),
        (
            json!("a"),
            Err("expected a content block or an array of content blocks"),
        ),
        (json!({"type": "text"}), Err("missing field `text`")),
        (
            json!({"type": "hologram"}),
            Err("unknown variant `hologram`"),
        ),
        (
            json!([{"type": "text", "text": 5}]),
            Err("invalid type: integer `5`"),
        ),
    ] {
        let result = json!({"role": "assistant", "model": "m", "content": content});
        let from_value = serde_json::from_value::<CreateMessageResult>(result.clone());
        let from_text = serde_json::from_str::<CreateMessageResult>(&result.to_string());
        for got in [
            from_value.map_err(|e| e.to_string()),
            from_text.map_err(|e| e.to_string()),
        ] {
            match (&got, want) {
                (Ok(r), Ok(n)) => assert_eq!(r.content.len(), n, "{result}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{result}: {e}"),
                _ => panic!("{result}: {got:?}"),
            }
        }
    }
}

#[test]
fn priorities_are_checked() {
    assert!(ModelPreferences::new().cost(0.5).validate().is_ok());
    let e = ModelPreferences::new().speed(1.5).validate().unwrap_err();
    assert!(e.contains("speedPriority"), "{e}");
    assert!(ModelPreferences::new()
        .intelligence(f64::NAN)
        .validate()
        .is_err());
}

#[test]
fn text_joins_only_the_text_blocks() {
    let blocks =
        |content: Vec<SamplingContent>| CreateMessageResult::new(Role::Assistant, content, "m");
    assert_eq!(blocks(vec![]).text_content(), "");
    assert_eq!(
        blocks(vec![SamplingContent::text("one")]).text_content(),
        "one"
    );
    let mixed = vec![
        SamplingContent::image("AA==", "image/png"),
        SamplingContent::text("a"),
        SamplingContent::audio("AA==", "audio/wav"),
        SamplingContent::text("b"),
    ];
    assert_eq!(blocks(mixed.clone()).text_content(), "a\nb");
    assert_eq!(SamplingMessage::new(Role::User, mixed).text(), "a\nb");
}

#[test]
fn stop_reasons_read_alike_from_text_and_values() {
    for (wire, want) in [
        ("endTurn", StopReason::EndTurn),
        ("stopSequence", StopReason::StopSequence),
        ("maxTokens", StopReason::MaxTokens),
        ("toolUse", StopReason::ToolUse),
        ("tired", StopReason::Other("tired".into())),
        (
            "with \\\"escapes\\\"",
            StopReason::Other("with \"escapes\"".into()),
        ),
    ] {
        let text = format!("\"{wire}\"");
        assert_eq!(serde_json::from_str::<StopReason>(&text).unwrap(), want);
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::from_value::<StopReason>(value).unwrap(), want);
    }
    let e = serde_json::from_str::<StopReason>("5")
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected a string"), "{e}");
}

/// The derived reader `SamplingContent` had before its written-out one: what each block reads
/// as, or fails with, must stay the same.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)] // only compared through Debug
enum Derived {
    Text {
        text: String,
        #[serde(rename = "_meta", default)]
        meta: Option<Map<String, Value>>,
    },
    Image {
        data: String,
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    Audio {
        data: String,
        #[serde(rename = "mimeType")]
        mime_type: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    ToolResult {
        #[serde(rename = "toolUseId")]
        tool_use_id: String,
        content: Vec<crate::protocol::Content>,
        #[serde(rename = "structuredContent", default)]
        structured_content: Option<Value>,
        #[serde(rename = "isError", default)]
        is_error: Option<bool>,
    },
}

#[test]
fn content_blocks_read_as_the_derived_enum_read_them() {
    let blocks = [
        r#"{"type": "text", "text": "hi"}"#,
        r#"{"text": "hi", "type": "text"}"#,
        r#"{"type": "text", "text": "hi", "_meta": {"k": 1}, "data": "ignored", "extra": [1]}"#,
        r#"{"_meta": null, "type": "text", "text": "hi"}"#,
        r#"{"type": "image", "data": "AA==", "mimeType": "image/png"}"#,
        r#"{"mimeType": "audio/wav", "data": "AA==", "type": "audio"}"#,
        r#"{"type": "tool_use", "id": "1", "name": "f", "input": {"a": [1, {"b": null}]}}"#,
        r#"{"type": "tool_result", "toolUseId": "1", "content": [{"type": "text", "text": "r"}], "structuredContent": {"x": 1}, "isError": false}"#,
        r#"{"type": "tool_result", "toolUseId": "1", "content": [], "isError": null}"#,
        // Errors.
        r#"{"type": "text"}"#,
        r#"{"text": "hi"}"#,
        r#"{}"#,
        r#"{"type": "hologram", "text": "hi"}"#,
        r#"{"text": "hi", "type": "hologram"}"#,
        r#"{"type": 5, "text": "hi"}"#,
        r#"{"type": "text", "text": 5}"#,
        r#"{"text": 5, "type": "text"}"#,
        r#"{"type": "image", "data": "AA=="}"#,
        r#"{"type": "tool_use", "id": "1", "name": "f"}"#,
        r#"{"type": "tool_result", "toolUseId": "1"}"#,
        r#"{"type": "tool_result", "toolUseId": "1", "content": [{"type": "nope"}]}"#,
        r#"{"type": "text", "text": "a", "text": "b"}"#,
        r#"{"type": "text", "type": "text", "text": "a"}"#,
        r#"5"#,
        r#""text""#,
        r#"null"#,
    ];
    for block in blocks {
        let value: Value = serde_json::from_str(block).unwrap();
        for (how, ours, derived) in [
            (
                "text",
                serde_json::from_str::<SamplingContent>(block),
                serde_json::from_str::<Derived>(block),
            ),
            (
                "value",
                serde_json::from_value::<SamplingContent>(value.clone()),
                serde_json::from_value::<Derived>(value.clone()),
            ),
        ] {
            match (&ours, &derived) {
                (Ok(ours), Ok(derived)) => {
                    // The same variant with the same members, however they were spelled.
                    let ours = format!("{ours:?}").replace("SamplingContent::", "");
                    assert_eq!(ours, format!("{derived:?}"), "{block} from {how}");
                }
                (Err(ours), Err(derived)) => {
                    let ours = ours.to_string();
                    let derived = derived
                        .to_string()
                        .replace("enum Derived", "enum SamplingContent");
                    let at = |e: &str| e.split(" at line ").next().unwrap().to_owned();
                    assert_eq!(at(&ours), at(&derived), "{block} from {how}");
                }
                _ => panic!("{block} from {how}: ours {ours:?}, derived {derived:?}"),
            }
        }
    }
}
