//! Writing JSON text by hand where a frame or a result is assembled from pieces already
//! serialised: a string, quoted and escaped as serde_json writes it.

/// Append `s` as a JSON string: between quotes as it is when nothing in it needs escaping (ids,
/// method names, ask keys, tokens, in practice), through serde_json otherwise.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("strings serialise"));
    }
}

/// Append `object` (a JSON object's text) with the members `members` write (together, JSON
/// object members' text) added at its end.
pub(crate) fn push_spliced(out: &mut String, object: &str, members: &[&str]) {
    let body = object.trim_end();
    let body = body.strip_suffix('}').expect("results are objects");
    out.push_str(body);
    if members.iter().any(|m| !m.is_empty()) {
        if !body.trim_end().ends_with('{') {
            out.push(',');
        }
        for m in members {
            out.push_str(m);
        }
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    #[test]
    fn members_are_spliced_into_objects() {
        let spliced = |object: &str, members: &[&str]| {
            let mut out = String::from("[");
            super::push_spliced(&mut out, object, members);
            out
        };
        assert_eq!(
            spliced(r#"{"a":1}"#, &[r#""b":"#, "2"]),
            r#"[{"a":1,"b":2}"#
        );
        assert_eq!(spliced("{ }", &[r#""b":2"#]), r#"[{ "b":2}"#);
        assert_eq!(spliced("{}\n", &[r#""b":2"#, ""]), r#"[{"b":2}"#);
        assert_eq!(spliced(r#"{"a":1}"#, &[]), r#"[{"a":1}"#);
    }

    #[test]
    fn json_strings_are_escaped_only_when_needed() {
        for s in [
            "sample-0a1b-1",
            "",
            "é ✓",
            "a\"b",
            "back\\slash",
            "line\nbreak",
            "\u{1}",
        ] {
            let mut out = String::new();
            super::push_json_str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s, "{out}");
            assert_eq!(
                out,
                serde_json::to_string(s).unwrap(),
                "as serde_json writes it"
            );
        }
    }
}
