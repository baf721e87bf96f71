//! `Deserialize` for the wire structs that keep unknown keys in an `extra` map
//! (`Implementation`, `ClientCapabilities`, `SamplingCapability`), written out instead of
//! derived with `#[serde(flatten)]`: a flattened struct is read by first buffering the whole object
//! into serde's internal content tree and reading the fields from that copy. These structs are read
//! on every 2026-07-28 request (its envelope) and every `initialize`, so they are read directly:
//! known keys into their fields, every other key into `extra`. The result and the messages
//! (`missing field`, `duplicate field`, `invalid type ... expected struct X`) are the same.
//! Serialisation stays derived (`#[serde(flatten)]` on `extra`).

/// `impl Deserialize for $ty`: an object whose `required` keys must be present, whose `optional`
/// keys default when absent, and whose other keys go to `extra`.
macro_rules! deserialize_with_extra {
    ($ty:ident, $expecting:literal,
     required { $($req:ident: $rwire:literal),* $(,)? }
     optional { $($opt:ident: $owire:literal),* $(,)? }) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> ::serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$ty, A::Error> {
                        use ::serde::de::Error as _;
                        $(let mut $req = None;)*
                        $(let mut $opt = None;)*
                        let mut extra = ::serde_json::Map::new();
                        while let Some(key) = map.next_key::<$crate::jsonrpc::Key<'de>>()? {
                            match &*key.0 {
                                $($rwire => {
                                    if $req.is_some() {
                                        return Err(A::Error::duplicate_field($rwire));
                                    }
                                    $req = Some(map.next_value()?);
                                })*
                                $($owire => {
                                    if $opt.is_some() {
                                        return Err(A::Error::duplicate_field($owire));
                                    }
                                    $opt = Some(map.next_value()?);
                                })*
                                _ => {
                                    extra.insert(key.0.into_owned(), map.next_value()?);
                                }
                            }
                        }
                        Ok($ty {
                            $($req: $req.ok_or_else(|| A::Error::missing_field($rwire))?,)*
                            $($opt: $opt.unwrap_or_default(),)*
                            extra,
                        })
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}
pub(super) use deserialize_with_extra;

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{json, Map, Value};

    use crate::protocol::{ClientCapabilities, Implementation, SamplingCapability};

    /// The derived, flattened reading these impls replace, as the reference.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ReferenceImplementation {
        name: String,
        version: String,
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        icons: Vec<Value>,
        #[serde(default)]
        website_url: Option<String>,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }

    #[test]
    fn implementations_read_like_the_flattened_derive() {
        for v in [
            json!({"name": "c", "version": "1"}),
            json!({"name": "c", "version": "1", "title": "C", "websiteUrl": "https://c.example",
                   "icons": [{"src": "https://c.example/i.png"}], "x": {"y": [1]}, "description": null}),
            json!({"name": "c"}),
            json!({"version": "1", "name": 5}),
            json!({"name": "c", "version": "1", "title": 3}),
            json!("c"),
            json!(null),
        ] {
            let ours = Implementation::deserialize(&v);
            let reference = ReferenceImplementation::deserialize(&v);
            match (ours, reference) {
                (Ok(o), Ok(r)) => {
                    assert_eq!(
                        (
                            &o.name,
                            &o.version,
                            &o.title,
                            &o.description,
                            &o.website_url,
                            &o.extra
                        ),
                        (
                            &r.name,
                            &r.version,
                            &r.title,
                            &r.description,
                            &r.website_url,
                            &r.extra
                        ),
                        "{v}"
                    );
                    assert_eq!(o.icons.len(), r.icons.len(), "{v}");
                }
                (Err(o), Err(r)) => assert_eq!(
                    o.to_string()
                        .replace("ReferenceImplementation", "Implementation"),
                    r.to_string()
                        .replace("ReferenceImplementation", "Implementation"),
                    "{v}"
                ),
                (o, r) => panic!("{v}: ours {o:?}, reference {r:?}"),
            }
        }
    }

    #[test]
    fn capabilities_keep_unknown_keys_and_refuse_bad_known_ones() {
        let caps = ClientCapabilities::deserialize(
            &json!({"sampling": {"tools": {}, "z": 1}, "roots": null, "elicitation": {"url": {}}, "tasks": {"a": 1}}),
        )
        .unwrap();
        let sampling: &SamplingCapability = caps.sampling.as_ref().unwrap();
        assert!(sampling.tools.is_some() && sampling.context.is_none());
        assert_eq!(sampling.extra["z"], 1);
        assert!(caps.roots.is_none());
        assert_eq!(caps.extra["tasks"], json!({"a": 1}));
        let e = ClientCapabilities::deserialize(&json!({"sampling": 1})).unwrap_err();
        assert!(
            e.to_string().contains("expected struct SamplingCapability"),
            "{e}"
        );
        let e = ClientCapabilities::deserialize(&json!(7)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: integer `7`, expected struct ClientCapabilities"
        );
        let e =
            serde_json::from_str::<ClientCapabilities>(r#"{"roots":{},"roots":{}}"#).unwrap_err();
        assert!(e.to_string().starts_with("duplicate field `roots`"), "{e}");
        // Escaped keys (not borrowable) are read too.
        let caps = serde_json::from_str::<ClientCapabilities>(r#"{"s\u0061mpling":{},"\u0078":2}"#)
            .unwrap();
        assert!(caps.sampling.is_some());
        assert_eq!(caps.extra["x"], 2);
    }
}
