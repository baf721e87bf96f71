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

#[cfg(test)]
mod tests {
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
