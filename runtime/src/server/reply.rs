//! What a handler answers: a result as a value, or a `tools/call` result serialised already.
//!
//! A tool's `CallToolResult` is written straight to JSON text: building a `serde_json::Value` of
//! it first, tagging that value, then writing it out costs about a tenth of a call. Whoever needs
//! a value (a task's record, a middleware's `after`) reads the text back; nothing else does.

use serde_json::Value;

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

/// `json` (a JSON object's text) with the members `extra` (JSON object members' text) added.
pub(crate) fn splice(json: &str, extra: &str) -> String {
    let mut out = String::with_capacity(json.len() + extra.len() + 1);
    out.push_str(json);
    splice_into(out, &[extra])
}

/// [`splice`] in place: `json` (a JSON object's text, owned) with the members written by the
/// `extra` pieces (together, JSON object members' text) added, reusing its buffer.
pub(crate) fn splice_into(mut json: String, extra: &[&str]) -> String {
    assert_eq!(json.pop(), Some('}'), "results are objects");
    let empty = json.trim_end().ends_with('{');
    json.reserve(extra.iter().map(|e| e.len()).sum::<usize>() + 2);
    if !empty {
        json.push(',');
    }
    for e in extra {
        json.push_str(e);
    }
    json.push('}');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spliced_members_join_the_object() {
        let full: Value =
            serde_json::from_str(&splice(r#"{"a":1}"#, r#""b":2,"c":{"d":3}"#)).unwrap();
        assert_eq!(full, json!({"a": 1, "b": 2, "c": {"d": 3}}));
        let from_empty: Value = serde_json::from_str(&splice("{}", r#""b":2"#)).unwrap();
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
