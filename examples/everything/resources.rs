//! Resources: static text and binary, a watched resource, a template.

use toolsmith::prelude::*;

use super::*;

// ===== Resources ================================================================================
//
// `#[resource(uri = ..)]` serves a static URI, or a family of URIs when the URI is a template
// (each `{variable}` is a parameter of the same name, parsed with `FromStr`). A `String` is text,
// `Vec<u8>` binary (sent base64), `Json<T>` the JSON text of any `Serialize` value.

/// A static text resource for testing
#[resource(
    uri = "test://static-text",
    name = "static-text",
    title = "Static Text Resource",
    mime_type = "text/plain"
)]
pub(crate) async fn static_text() -> &'static str {
    "This is the content of the static text resource."
}

/// A static binary resource (image) for testing
#[resource(
    uri = "test://static-binary",
    name = "static-binary",
    title = "Static Binary Resource",
    mime_type = "image/png"
)]
pub(crate) async fn static_binary() -> Vec<u8> {
    PNG.to_vec()
}

/// A resource that subscribers hear about when it changes
#[resource(
    uri = "test://watched-resource",
    name = "watched-resource",
    title = "Watched Resource",
    mime_type = "text/plain"
)]
pub(crate) async fn watched_resource() -> &'static str {
    "Watched resource content"
}

/// What a read of `test://template/{id}/data` returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TemplateData {
    id: String,
    template_test: bool,
    data: String,
}

/// A resource template with parameter substitution
#[resource(
    uri = "test://template/{id}/data",
    name = "template",
    title = "Resource Template",
    mime_type = "application/json"
)]
pub(crate) async fn template(id: String) -> Json<TemplateData> {
    Json(TemplateData {
        data: format!("Data for ID: {id}"),
        id,
        template_test: true,
    })
}
