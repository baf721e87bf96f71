//! JSON Schema generation (schemars, JSON Schema 2020-12: the MCP default dialect).

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;

/// The schema of `T` as a JSON value. No `$schema` keyword is added (2020-12 is the dialect MCP
/// assumes), but one that `T`'s own `JsonSchema` impl declares is kept: dropping it would change
/// what the schema means.
pub(crate) fn schema_value<T: JsonSchema + ?Sized>() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.meta_schema = None;
    settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// The input schema of a tool whose arguments decode into `A`: an object schema, without the
/// generated argument struct's title.
pub(crate) fn input_schema<A: JsonSchema + ?Sized>() -> Value {
    let mut v = schema_value::<A>();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("title");
        obj.entry("type").or_insert_with(|| Value::from("object"));
        if obj.get("type") == Some(&Value::from("object")) {
            obj.entry("properties")
                .or_insert_with(|| Value::Object(Default::default()));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use schemars::{json_schema, Schema, SchemaGenerator};
    use serde_json::json;

    use super::*;

    #[allow(dead_code)]
    #[derive(JsonSchema)]
    struct Generated {
        name: String,
    }

    /// A type publishing a hand-written schema that names its dialect.
    struct HandWritten;

    impl JsonSchema for HandWritten {
        fn schema_name() -> Cow<'static, str> {
            "HandWritten".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "$defs": {"a": {"$anchor": "a", "type": "string"}},
                "properties": {"x": {"$ref": "#/$defs/a"}},
                "additionalProperties": false
            })
        }
    }

    #[test]
    fn adds_no_dialect_but_keeps_a_declared_one() {
        let generated = input_schema::<Generated>();
        assert!(generated.get("$schema").is_none(), "{generated}");
        assert_eq!(generated["properties"]["name"]["type"], "string");

        let declared = input_schema::<HandWritten>();
        assert_eq!(
            declared,
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "$defs": {"a": {"$anchor": "a", "type": "string"}},
                "properties": {"x": {"$ref": "#/$defs/a"}},
                "additionalProperties": false
            })
        );
    }
}
