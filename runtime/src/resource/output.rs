use serde::Serialize;

use crate::protocol::{ReadResourceResult, ResourceContents};

/// Binary resource contents (sent base64-encoded as a blob).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

/// A value sent as JSON text (`application/json` unless the resource names another type).
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

/// A value a `#[resource]` can return (directly, or as the `Ok` of a `Result`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be returned from a #[resource]",
    label = "this return type is not resource contents",
    note = "return a `String` (text), `Vec<u8>` or `Blob` (binary), `Json<T>` (JSON text of a Serialize value), `ResourceContents`, `Vec<ResourceContents>`, or `ReadResourceResult`"
)]
pub trait ResourceOutput {
    /// Build the result for `uri`, with the resource's declared MIME type if any.
    fn into_read_result(self, uri: &str, mime_type: Option<&str>) -> ReadResourceResult;
}

fn one(contents: ResourceContents) -> ReadResourceResult {
    ReadResourceResult {
        contents: vec![contents],
        meta: None,
    }
}

fn mime(declared: Option<&str>, default: &str) -> Option<String> {
    Some(declared.unwrap_or(default).to_owned())
}

impl ResourceOutput for String {
    fn into_read_result(self, uri: &str, mime_type: Option<&str>) -> ReadResourceResult {
        one(ResourceContents::text(
            uri,
            mime(mime_type, "text/plain"),
            self,
        ))
    }
}

impl ResourceOutput for &'static str {
    fn into_read_result(self, uri: &str, mime_type: Option<&str>) -> ReadResourceResult {
        self.to_owned().into_read_result(uri, mime_type)
    }
}

impl ResourceOutput for Vec<u8> {
    fn into_read_result(self, uri: &str, mime_type: Option<&str>) -> ReadResourceResult {
        one(ResourceContents::blob(
            uri,
            mime(mime_type, "application/octet-stream"),
            self,
        ))
    }
}

impl ResourceOutput for Blob {
    fn into_read_result(self, uri: &str, mime_type: Option<&str>) -> ReadResourceResult {
        self.0.into_read_result(uri, mime_type)
    }
}

impl<T: Serialize> ResourceOutput for Json<T> {
    fn into_read_result(self, uri: &str, mime_type: Option<&str>) -> ReadResourceResult {
        let text = serde_json::to_string(&self.0)
            .unwrap_or_else(|e| format!("{{\"error\":\"not serialisable: {e}\"}}"));
        one(ResourceContents::text(
            uri,
            mime(mime_type, "application/json"),
            text,
        ))
    }
}

impl ResourceOutput for ResourceContents {
    fn into_read_result(self, _uri: &str, _mime_type: Option<&str>) -> ReadResourceResult {
        one(self)
    }
}

impl ResourceOutput for Vec<ResourceContents> {
    fn into_read_result(self, _uri: &str, _mime_type: Option<&str>) -> ReadResourceResult {
        ReadResourceResult {
            contents: self,
            meta: None,
        }
    }
}

impl ResourceOutput for ReadResourceResult {
    fn into_read_result(self, _uri: &str, _mime_type: Option<&str>) -> ReadResourceResult {
        self
    }
}
