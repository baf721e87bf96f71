use std::any::Any;
use std::fmt;

use crate::jsonrpc::ErrorObject;
use crate::protocol::codes::URL_ELICITATION_REQUIRED;
use crate::protocol::{CallToolResult, UrlElicitation};

/// The `_meta` key that carries a masked error's detail from the tool to the dispatcher, which
/// removes it before anything is sent.
pub(crate) const INTERNAL_DETAIL: &str = "toolsmith/internalErrorDetail";

/// The `_meta` key that carries a URL-elicitation-required error's elicitations from the tool
/// to the dispatcher, which removes it before anything is sent.
const URL_REQUIRED: &str = "toolsmith/urlElicitationRequired";

/// A tool's failure: becomes a result with `isError: true`.
///
/// `ToolError::new(message)` is a message meant for the client (and its model). Any other error
/// converted with `?` is an *internal* error: the client only sees that the tool failed, while the
/// detail is logged on the server (unless the server opts in with
/// `Server::expose_error_details(true)`). The toolkit's own errors ([`SampleError`](crate::SampleError),
/// [`AskError`](crate::AskError)) are shown as they are: they describe the request, not the server.
///
/// ```
/// use toolsmith::prelude::*;
///
/// /// Read a number from the settings file.
/// #[tool]
/// async fn setting(key: String) -> Result<u32, ToolError> {
///     if key.is_empty() {
///         // For the client: it can fix its call.
///         return Err(ToolError::new("`key` must not be empty"));
///     }
///     // Internal: the client sees only that the tool failed; the detail is logged.
///     let text = std::fs::read_to_string("settings.txt")?;
///     text.lines()
///         .find_map(|line| line.strip_prefix(&format!("{key}=")))
///         .ok_or_else(|| ToolError::new(format!("no setting `{key}`")))?
///         .parse()
///         .map_err(ToolError::internal)
/// }
///
/// let err = ToolError::new("`key` must not be empty");
/// assert_eq!(err.message(), "`key` must not be empty");
/// let internal = ToolError::internal("disk on fire");
/// assert_eq!(internal.detail(), Some("disk on fire"));
/// assert_ne!(internal.message(), "disk on fire");
/// let server = Server::new("settings", "1.0.0").tool(setting);
/// # drop(server);
/// ```
pub struct ToolError {
    message: String,
    internal: Option<String>,
    /// URL-mode elicitations the user must complete first (the `-32042` error).
    url_required: Option<Vec<UrlElicitation>>,
}

impl ToolError {
    /// A failure with a message for the client.
    pub fn new(message: impl Into<String>) -> Self {
        ToolError {
            message: message.into(),
            internal: None,
            url_required: None,
        }
    }

    /// The call cannot go on until the user completes the URL-mode `elicitations` (for example
    /// authorising access to a third party). A client that declared URL-mode elicitation gets
    /// the JSON-RPC error `-32042` (URL elicitation required) with the elicitations in
    /// `data.elicitations`, and retries once it heard `notifications/elicitation/complete`
    /// (send it with [`ServerHandle::elicitation_complete`](crate::ServerHandle::elicitation_complete));
    /// any other client gets a tool error with `message`.
    ///
    /// ```
    /// use toolsmith::protocol::UrlElicitation;
    /// use toolsmith::ToolError;
    ///
    /// let e = ToolError::url_elicitation_required(
    ///     "Connect your calendar first.",
    ///     [UrlElicitation::new("cal-7", "https://example.com/connect?s=7", "Connect your calendar")],
    /// );
    /// assert_eq!(e.message(), "Connect your calendar first.");
    /// ```
    pub fn url_elicitation_required(
        message: impl Into<String>,
        elicitations: impl IntoIterator<Item = UrlElicitation>,
    ) -> Self {
        ToolError {
            message: message.into(),
            internal: None,
            url_required: Some(elicitations.into_iter().collect()),
        }
    }

    /// An internal failure: `detail` is logged, the client sees a generic message.
    pub fn internal(detail: impl fmt::Display) -> Self {
        ToolError {
            message: "the tool failed because of an internal error".into(),
            internal: Some(detail.to_string()),
            url_required: None,
        }
    }

    /// The message the client sees.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The detail of an internal failure.
    pub fn detail(&self) -> Option<&str> {
        self.internal.as_deref()
    }

    /// The result sent for this error (internal detail attached for the dispatcher to strip).
    pub(crate) fn into_result(self) -> CallToolResult {
        let mut r = CallToolResult::error(self.message);
        let mut meta = serde_json::Map::new();
        if let Some(detail) = self.internal {
            meta.insert(INTERNAL_DETAIL.into(), detail.into());
        }
        if let Some(list) = self.url_required {
            meta.insert(URL_REQUIRED.into(), serde_json::json!(list));
        }
        r.meta = (!meta.is_empty()).then_some(meta);
        r
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(e: E) -> Self {
        let any = &e as &dyn Any;
        if any.is::<crate::SampleError>() || any.is::<crate::AskError>() {
            ToolError::new(e.to_string())
        } else {
            ToolError::internal(e)
        }
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolError")
            .field("message", &self.message)
            .field("internal", &self.internal)
            .field("url_required", &self.url_required)
            .finish()
    }
}

/// Strip a masked error's detail from `result`: log it, and show it only when `expose` is set.
pub(crate) fn unmask(mut result: CallToolResult, tool: &str, expose: bool) -> CallToolResult {
    let detail = result.meta.as_mut().and_then(|m| m.remove(INTERNAL_DETAIL));
    if result.meta.as_ref().is_some_and(|m| m.is_empty()) {
        result.meta = None;
    }
    if let Some(detail) = detail {
        let detail = detail.as_str().unwrap_or_default().to_owned();
        tracing::warn!(tool, error = %detail, "tool failed with an internal error");
        if expose {
            result.content = vec![crate::protocol::Content::text(detail)];
        }
    }
    result
}

/// A result made by [`ToolError::url_elicitation_required`] becomes the `-32042` error when the
/// client declared URL-mode elicitation (`url_mode`); otherwise it stays a tool error. Either
/// way the marker is removed.
pub(crate) fn url_required(
    mut result: CallToolResult,
    url_mode: bool,
) -> Result<CallToolResult, ErrorObject> {
    let Some(list) = result.meta.as_mut().and_then(|m| m.remove(URL_REQUIRED)) else {
        return Ok(result);
    };
    if result.meta.as_ref().is_some_and(|m| m.is_empty()) {
        result.meta = None;
    }
    if !url_mode {
        return Ok(result);
    }
    let message = match result.content.first() {
        Some(crate::protocol::Content::Text { text, .. }) => text.clone(),
        _ => "this request needs the user to complete an elicitation first".to_owned(),
    };
    Err(ErrorObject::new(URL_ELICITATION_REQUIRED, message)
        .with_data(serde_json::json!({ "elicitations": list })))
}

/// A JSON-RPC internal error whose detail is attached for the dispatcher, which logs it and sends
/// it only when the server exposes error details (see [`unmask_error`]).
pub(crate) fn internal_error(
    message: impl Into<String>,
    detail: impl fmt::Display,
) -> crate::jsonrpc::ErrorObject {
    crate::jsonrpc::ErrorObject::internal(message)
        .with_data(serde_json::json!({ INTERNAL_DETAIL: detail.to_string() }))
}

/// Strip a masked error's detail from a JSON-RPC error: log it, and show it only when `expose`.
pub(crate) fn unmask_error(
    mut error: crate::jsonrpc::ErrorObject,
    handler: &str,
    expose: bool,
) -> crate::jsonrpc::ErrorObject {
    let detail = error
        .data
        .as_mut()
        .and_then(|d| d.as_object_mut())
        .and_then(|d| d.remove(INTERNAL_DETAIL));
    if error
        .data
        .as_ref()
        .is_some_and(|d| d.as_object().is_some_and(|o| o.is_empty()))
    {
        error.data = None;
    }
    if let Some(detail) = detail {
        let detail = detail.as_str().unwrap_or_default().to_owned();
        tracing::warn!(handler, error = %detail, "handler failed with an internal error");
        if expose {
            error.message = format!("{}: {detail}", error.message);
        }
    }
    error
}

/// An error a `#[resource]` or `#[prompt]` can return in `Err`. Its text is treated as internal
/// detail (logged, sent only when the server exposes error details), except a
/// `ToolError::new(message)`, which is meant for the client and always sent.
#[diagnostic::on_unimplemented(
    message = "`{Self}` can't be the error type of a #[resource] or #[prompt]",
    note = "use `toolsmith::ToolError`, or any type that implements `std::fmt::Display`"
)]
pub trait IntoHandlerError {
    /// The JSON-RPC error, given what failed (e.g. "reading `config://app` failed").
    fn into_handler_error(self, what: &str) -> crate::jsonrpc::ErrorObject;
}

impl<E: fmt::Display> IntoHandlerError for E {
    fn into_handler_error(self, what: &str) -> crate::jsonrpc::ErrorObject {
        internal_error(what, self)
    }
}

impl IntoHandlerError for ToolError {
    fn into_handler_error(self, what: &str) -> crate::jsonrpc::ErrorObject {
        match self.internal {
            Some(detail) => internal_error(what, detail),
            None => crate::jsonrpc::ErrorObject::internal(format!("{what}: {}", self.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_errors_are_masked_and_own_errors_shown() {
        let io = std::io::Error::other("disk /secret/path unreadable");
        let e = ToolError::from(io);
        assert!(!e.message().contains("secret"));
        assert_eq!(e.detail(), Some("disk /secret/path unreadable"));
        let masked = unmask(e.into_result(), "t", false);
        assert!(!masked.text_content().contains("secret"));
        assert!(masked.meta.is_none(), "the detail never leaves");
        let shown = unmask(ToolError::internal("boom").into_result(), "t", true);
        assert_eq!(shown.text_content(), "boom");

        let s = ToolError::from(crate::SampleError::NotSupported);
        assert!(s.message().contains("sampling"));
        assert!(s.detail().is_none());
    }
}
