//! Typed elicitation: `ctx.elicit_as::<T>(message)` for a flat form type `T` deriving `Elicit`.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::ask::{Ask, AskOutput};
use super::Context;
use crate::protocol::{ElicitAction, ElicitResult};

/// A flat form the user can fill in: implemented by `#[derive(Elicit)]` on a struct, which also
/// checks every field is an allowed primitive.
pub trait ElicitForm: JsonSchema + DeserializeOwned {}

/// A type allowed as a field of an elicitation form.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be a field of an elicitation form",
    label = "not a string, number, integer, boolean or choice",
    note = "elicitation forms are flat: use `String`, a number, `bool`, an enum deriving `Elicit` (unit variants), a `Vec` of such an enum (multi-select), or an `Option` of these"
)]
pub trait ElicitField {}

/// An enum of unit variants usable as a choice list (`#[derive(Elicit)]` on the enum).
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be a multi-select choice",
    note = "a multi-select field is a `Vec` of an enum deriving `Elicit` (unit variants)"
)]
pub trait ElicitChoice {}

macro_rules! fields {
    ($($t:ty),*) => { $(impl ElicitField for $t {})* };
}
fields!(String, bool, i8, i16, i32, i64, u8, u16, u32, u64, isize, usize, f32, f64);
impl<T: ElicitField> ElicitField for Option<T> {}
impl<T: ElicitChoice> ElicitField for Vec<T> {}

/// The outcome of a typed elicitation.
#[derive(Debug, Clone, PartialEq)]
pub enum Elicitation<T> {
    /// The user submitted the form.
    Accepted(T),
    /// The user declined to answer.
    Declined,
    /// The user dismissed the request.
    Cancelled,
}

impl<T> Elicitation<T> {
    /// The submitted value, if accepted.
    pub fn accepted(self) -> Option<T> {
        match self {
            Elicitation::Accepted(t) => Some(t),
            _ => None,
        }
    }
}

impl<T: DeserializeOwned> AskOutput for Elicitation<T> {
    fn from_answer(answer: Value) -> Result<Self, String> {
        let r = ElicitResult::from_answer(answer)?;
        Ok(match r.action {
            ElicitAction::Accept => {
                let content = Value::Object(r.content.unwrap_or_default());
                Elicitation::Accepted(
                    serde_json::from_value(content)
                        .map_err(|e| format!("the submitted form does not fit: {e}"))?,
                )
            }
            ElicitAction::Decline => Elicitation::Declined,
            ElicitAction::Cancel => Elicitation::Cancelled,
        })
    }
}

/// Make a schemars schema fit the spec's restricted form schema: inline, flat properties, one
/// primitive `type` each (an `Option` is simply not required), titled choices as `oneOf` of
/// `{const, title}`.
pub(crate) fn form_schema<T: JsonSchema>() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Some(root) = schema.as_object_mut() {
        root.remove("$schema");
        root.remove("title");
        root.remove("$defs");
        if let Some(Value::Object(props)) = root.get_mut("properties") {
            for prop in props.values_mut() {
                flatten_property(prop);
            }
        }
    }
    schema
}

fn flatten_property(prop: &mut Value) {
    let Some(obj) = prop.as_object_mut() else {
        return;
    };
    // `Option<T>`: drop the null alternative.
    if let Some(Value::Array(types)) = obj.get("type").cloned() {
        let non_null: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        if non_null.len() == 1 {
            obj.insert("type".into(), non_null[0].clone());
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = obj.get(key).cloned() {
            let non_null: Vec<Value> = alts
                .into_iter()
                .filter(|a| a.get("type") != Some(&Value::from("null")))
                .collect();
            if non_null.len() == 1 && key == "anyOf" {
                obj.remove(key);
                if let Value::Object(inner) = non_null[0].clone() {
                    for (k, v) in inner {
                        obj.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
    if obj.get("default") == Some(&Value::Null) {
        obj.remove("default");
    }
    // Titled choices: `{const, description}` alternatives become `{const, title}`.
    if let Some(Value::Array(alts)) = obj.get_mut("oneOf") {
        for alt in alts.iter_mut() {
            if let Some(a) = alt.as_object_mut() {
                if let Some(d) = a.remove("description") {
                    a.entry("title").or_insert(d);
                }
                a.remove("type");
            }
        }
        obj.entry("type").or_insert(Value::from("string"));
    }
    if let Some(items) = obj.get_mut("items") {
        flatten_property(items);
    }
    let _ = Map::<String, Value>::new;
}

impl<'a> Context<'a> {
    /// Ask the user to fill in the form `T` (a flat struct deriving `Elicit`, `Deserialize` and
    /// `JsonSchema`): accepted with a `T`, declined, or cancelled.
    pub fn elicit_as<T: ElicitForm + Send + 'a>(
        &self,
        message: impl Into<String>,
    ) -> Ask<'a, Elicitation<T>> {
        Ask::new(
            *self,
            "elicitation/create",
            "elicitation",
            serde_json::json!({ "mode": "form", "message": message.into(), "requestedSchema": form_schema::<T>() }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    enum Plan {
        Free,
        Pro,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    enum Size {
        /// Small
        S,
        /// Large
        L,
    }

    #[derive(Deserialize, JsonSchema)]
    #[allow(dead_code)]
    struct Form {
        /// Your name
        name: String,
        age: Option<u32>,
        subscribe: bool,
        plan: Plan,
        size: Option<Size>,
        extras: Vec<Plan>,
    }

    #[test]
    fn form_schemas_are_flat_and_primitive() {
        let s = form_schema::<Form>();
        let p = &s["properties"];
        assert_eq!(s["type"], "object");
        assert_eq!(p["name"]["type"], "string");
        assert_eq!(p["name"]["description"], "Your name");
        assert_eq!(p["age"]["type"], "integer");
        assert_eq!(p["subscribe"]["type"], "boolean");
        assert_eq!(p["plan"]["enum"], json!(["Free", "Pro"]));
        assert_eq!(
            p["size"]["oneOf"],
            json!([{"const": "S", "title": "Small"}, {"const": "L", "title": "Large"}])
        );
        assert_eq!(p["extras"]["type"], "array");
        assert_eq!(p["extras"]["items"]["enum"], json!(["Free", "Pro"]));
        let required: Vec<&str> = s["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(required.contains(&"name") && !required.contains(&"age"));
        assert!(s.get("$defs").is_none(), "{s}");
    }
}
