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
