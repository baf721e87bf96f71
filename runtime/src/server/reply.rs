//! What a handler answers: a result as a value, or a `tools/call` result serialised already.
//!
//! A tool's `CallToolResult` is written straight to JSON text: building a `serde_json::Value` of
//! it first, tagging that value, then writing it out costs about a tenth of a call. Whoever needs
//! a value (a task's record, a middleware's `after`) reads the text back; nothing else does.

use serde_json::Value;

use crate::jsonrpc::push_spliced;

/// A handler's result.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A result value.
    Value(Value),
    /// A result object as JSON text, with no `_meta` of its own (so the stateless era's tags can
    /// be added by [`Reply::tagged`]).
    Json(String),
}

impl Reply {
    /// The result as a value.
    pub(crate) fn into_value(self) -> Value {
        match self {
            Reply::Value(v) => v,
            // Text this crate wrote from a serialisable result: it reads back.
            Reply::Json(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// The result as a value for whoever watches it: `None` when nobody does, so text is read
    /// back only then.
    pub(crate) fn watched(&self, watching: bool) -> Option<Value> {
        match self {
            Reply::Json(text) if watching => serde_json::from_str(text).ok(),
            _ => None,
        }
    }
}

/// `json` (a JSON object's text) with the members written by the `extra` pieces (together, JSON
/// object members' text) added: the text a middleware reads back. (A frame takes the pieces
/// without this copy: `Outbox::send_raw_result_with`, by the same rule, [`push_spliced`].)
pub(crate) fn splice_into(json: String, extra: &[&str]) -> String {
    let mut out =
        String::with_capacity(json.len() + extra.iter().map(|e| e.len()).sum::<usize>() + 1);
    push_spliced(&mut out, &json, extra);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spliced_members_join_the_object() {
        let spliced = splice_into(r#"{"a":1}"#.to_owned(), &[r#""b":2,"c":{"d":3}"#]);
        let full: Value = serde_json::from_str(&spliced).unwrap();
        assert_eq!(full, json!({"a": 1, "b": 2, "c": {"d": 3}}));
        let from_empty: Value =
            serde_json::from_str(&splice_into("{}".to_owned(), &[r#""b":2"#])).unwrap();
        assert_eq!(from_empty, json!({"b": 2}));
        let pieces = splice_into(r#"{"a":1}"#.to_owned(), &[r#""b":"#, "2", r#","c":3"#]);
        assert_eq!(pieces, r#"{"a":1,"b":2,"c":3}"#);
        assert_eq!(splice_into("{ }".to_owned(), &[r#""b":2"#]), r#"{ "b":2}"#);
    }

    #[test]
    fn text_reads_back_only_when_watched() {
        let r = Reply::Json(r#"{"isError":true}"#.into());
        assert_eq!(r.watched(false), None);
        assert_eq!(r.watched(true), Some(json!({"isError": true})));
        assert_eq!(r.into_value(), json!({"isError": true}));
        assert_eq!(Reply::Value(json!(1)).watched(true), None);
    }
}
