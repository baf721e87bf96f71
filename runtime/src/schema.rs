//! JSON Schema generation (schemars, JSON Schema 2020-12: the MCP default dialect).

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;

/// The schema of `T` as a JSON value, without the `$schema` keyword.
pub(crate) fn schema_value<T: JsonSchema + ?Sized>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut v = generator.into_root_schema_for::<T>().to_value();
    if let Some(obj) = v.as_object_mut() {
        obj.remove("$schema");
    }
    v
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
