//! Tools: taking the input schema in hand (a mirrored header, a hand-written 2020-12 schema).

use std::borrow::Cow;

use schemars::{json_schema, Schema, SchemaGenerator};
use serde_json::Value;
use toolsmith::prelude::*;

// ===== Tools: taking the input schema in hand ===================================================
//
// `Params<T>` takes the whole argument object as one type, and `T`'s `JsonSchema` is the input
// schema: schemars attributes shape it, and a hand-written `JsonSchema` impl publishes any JSON
// Schema 2020-12 document as is.

/// The arguments of `test_mirrored_header`.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct RegionArgs {
    /// The region to run in
    #[schemars(extend("x-mcp-header" = "Region"))]
    region: String,
}

/// Runs in a region; over HTTP the region also travels in an `Mcp-Param-Region` header, which
/// the transport checks against the argument (2026-07-28)
#[tool]
pub(crate) async fn test_mirrored_header(Params(args): Params<RegionArgs>) -> String {
    format!("Ran in region {}", args.region)
}

/// The arguments of `json_schema_2020_12_tool`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactForm {
    name: Option<String>,
    address: Option<Value>,
    contact_method: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl JsonSchema for ContactForm {
    fn schema_name() -> Cow<'static, str> {
        "ContactForm".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "$defs": {
                "address": {
                    "$anchor": "addressDef",
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}}
                }
            },
            "properties": {
                "name": {"type": "string"},
                "address": {"$ref": "#/$defs/address"},
                "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                "phone": {"type": "string"},
                "email": {"type": "string"}
            },
            "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
            "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
            "then": {"required": ["phone"]},
            "else": {"required": ["email"]},
            "additionalProperties": false
        })
    }
}

/// Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)
#[tool]
pub(crate) async fn json_schema_2020_12_tool(Params(form): Params<ContactForm>) -> String {
    let args = serde_json::to_string(&form).unwrap_or_default();
    format!("JSON Schema 2020-12 tool called with: {args}")
}
