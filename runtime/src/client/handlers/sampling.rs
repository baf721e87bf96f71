//! Sampling: the server's `sampling/createMessage` requests, the handler that answers them
//! with the client's model, and its replies and errors.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;

use crate::client::router::Route;
use crate::jsonrpc::{codes, ErrorObject, RequestId};
use crate::protocol::{
    CreateMessageParams, CreateMessageResult, Implementation, ModelPreferences, Role,
    SamplingMessage,
};

/// The model name put on a [`SamplingReply::Text`] when the client has no
/// [`ModelRouter`](crate::client::ModelRouter) to say which model answered.
pub const UNKNOWN_MODEL: &str = "unknown";

/// A `sampling/createMessage` request from the server, as the approval hook and the sampling
/// handler receive it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamplingRequest {
    /// The id the server sent the request with (the response carries it back). In protocol
    /// 2026-07-28, where the request arrives inside an `input_required` result, this is the
    /// `inputRequests` key as a string id (also in [`input_key`](SamplingRequest::input_key)).
    pub id: RequestId,
    /// The request's parameters as sent: messages, model preferences, system prompt, limits.
    /// After an [`Approval::Edit`](super::Approval::Edit), the edited parameters.
    pub params: CreateMessageParams,
    /// The model the client's [`ModelRouter`](crate::client::ModelRouter) chose for this request,
    /// and why; `None` when the client was built without a router.
    pub route: Option<Route>,
    /// The server asking: its name and version from `initialize` (or `server/discover`), when
    /// known.
    pub server: Option<Implementation>,
    /// Protocol 2026-07-28: the `inputRequests` key this request was sent under; `None` for a
    /// server-to-client request of the handshake era.
    pub input_key: Option<String>,
}

impl SamplingRequest {
    /// A request with these parameters, id `0`, no route and no server: for testing a handler
    /// or an approval hook directly.
    pub fn new(params: CreateMessageParams) -> Self {
        SamplingRequest {
            id: RequestId::Number(0),
            params,
            route: None,
            server: None,
            input_key: None,
        }
    }

    /// The name of the server asking, when known.
    pub fn server_name(&self) -> Option<&str> {
        self.server.as_ref().map(|s| s.name.as_str())
    }

    /// The conversation to complete.
    pub fn messages(&self) -> &[SamplingMessage] {
        &self.params.messages
    }

    /// The text of the last user message (text blocks joined with newlines), or `""` when there
    /// is no user message.
    pub fn last_user_text(&self) -> String {
        self.params
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(SamplingMessage::text)
            .unwrap_or_default()
    }

    /// The system prompt, when the server sent one.
    pub fn system_prompt(&self) -> Option<&str> {
        self.params.system_prompt.as_deref()
    }

    /// The server's model preferences, when it sent any.
    pub fn model_preferences(&self) -> Option<&ModelPreferences> {
        self.params.model_preferences.as_ref()
    }

    /// The most tokens the server wants generated.
    pub fn max_tokens(&self) -> u32 {
        self.params.max_tokens
    }

    /// The model chosen by the router, when the client has one.
    pub fn routed_model(&self) -> Option<&str> {
        self.route.as_ref().map(|r| r.model.as_str())
    }
}

/// A sampling handler's answer: plain text, or a full [`CreateMessageResult`].
///
/// A handler may return a `String` (or `&'static str`), a `CreateMessageResult`, or this type.
/// Text becomes an assistant text result with stop reason `endTurn`, and its `model` is the
/// model the client's [`ModelRouter`](crate::client::ModelRouter) chose for the request, or
/// [`UNKNOWN_MODEL`] (`"unknown"`) when the client has no router. To name the model yourself,
/// return [`CreateMessageResult::text`]`(model, text)`.
#[derive(Debug, Clone, PartialEq)]
pub enum SamplingReply {
    /// An assistant text answer; the client fills in the model name.
    Text(String),
    /// A complete result, sent as is.
    Result(CreateMessageResult),
}

impl SamplingReply {
    /// The result sent to the server, with `routed_model` (or `"unknown"`) as the model of a
    /// text answer.
    pub fn into_result(self, routed_model: Option<&str>) -> CreateMessageResult {
        match self {
            SamplingReply::Text(text) => {
                CreateMessageResult::text(routed_model.unwrap_or(UNKNOWN_MODEL), text)
            }
            SamplingReply::Result(result) => result,
        }
    }
}

impl From<String> for SamplingReply {
    fn from(text: String) -> Self {
        SamplingReply::Text(text)
    }
}

impl From<&str> for SamplingReply {
    fn from(text: &str) -> Self {
        SamplingReply::Text(text.to_owned())
    }
}

impl From<CreateMessageResult> for SamplingReply {
    fn from(result: CreateMessageResult) -> Self {
        SamplingReply::Result(result)
    }
}

/// Why a sampling handler did not produce a completion: sent to the server as a JSON-RPC error.
///
/// It is the error type of every client handler ([`HandlerError`](super::HandlerError) is another
/// name for it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct SamplingError {
    code: i64,
    message: String,
    data: Option<Value>,
}

impl SamplingError {
    /// An error with any JSON-RPC code.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        SamplingError {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// The user (or the client's policy) declined the request: code `-1`, the spec's convention
    /// for a rejected sampling request.
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(codes::USER_REJECTED, message)
    }

    /// The request cannot be served as sent (`-32602 Invalid params`).
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }

    /// The model or the handler failed (`-32603 Internal error`).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }

    /// Attach `data` to the error.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// The JSON-RPC error code.
    pub fn code(&self) -> i64 {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error data, if any.
    pub fn data(&self) -> Option<&Value> {
        self.data.as_ref()
    }
}

impl From<SamplingError> for ErrorObject {
    fn from(e: SamplingError) -> Self {
        ErrorObject {
            code: e.code,
            message: e.message,
            data: e.data,
        }
    }
}

/// Answers the server's `sampling/createMessage` requests with the client's model.
///
/// Implemented for every async closure `|req: SamplingRequest| async move { .. }` returning
/// `Result<R, SamplingError>` where `R` is a `String`, a `CreateMessageResult` or a
/// [`SamplingReply`]; implement it on a type when the handler has state:
///
/// ```
/// use toolsmith::client::{SamplingError, SamplingHandler, SamplingReply, SamplingRequest};
///
/// struct Echo;
///
/// impl SamplingHandler for Echo {
///     async fn create_message(&self, req: SamplingRequest) -> Result<SamplingReply, SamplingError> {
///         if req.max_tokens() == 0 {
///             return Err(SamplingError::rejected("nothing to generate"));
///         }
///         Ok(req.last_user_text().into())
///     }
/// }
/// ```
///
/// Each request runs on its own task, so requests are answered concurrently; a handler that
/// panics is answered with `-32603`. When the server cancels a request, its future is dropped.
pub trait SamplingHandler: Send + Sync + 'static {
    /// Produce a completion for `request`, or refuse it.
    fn create_message(
        &self,
        request: SamplingRequest,
    ) -> impl Future<Output = Result<SamplingReply, SamplingError>> + Send;
}

impl<F, Fut, R> SamplingHandler for F
where
    F: Fn(SamplingRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, SamplingError>> + Send + 'static,
    R: Into<SamplingReply>,
{
    fn create_message(
        &self,
        request: SamplingRequest,
    ) -> impl Future<Output = Result<SamplingReply, SamplingError>> + Send {
        let answer = self(request);
        async move { answer.await.map(Into::into) }
    }
}

/// A sampling handler behind a pointer, callable from a spawned task.
pub(crate) type DynSampling = Arc<
    dyn Fn(SamplingRequest) -> BoxFuture<'static, Result<SamplingReply, SamplingError>>
        + Send
        + Sync,
>;

pub(crate) fn erase_sampling<H: SamplingHandler>(handler: H) -> DynSampling {
    let handler = Arc::new(handler);
    Arc::new(move |request| {
        let handler = Arc::clone(&handler);
        Box::pin(async move { handler.create_message(request).await })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::StopReason;

    fn params(messages: Vec<SamplingMessage>) -> CreateMessageParams {
        serde_json::from_value(serde_json::json!({
            "messages": messages, "maxTokens": 5
        }))
        .unwrap()
    }

    #[test]
    fn text_replies_take_the_routed_model_or_unknown() {
        let r = SamplingReply::from("positive").into_result(Some("gpt-4o"));
        assert_eq!(r.model, "gpt-4o");
        assert_eq!(r.role, Role::Assistant);
        assert_eq!(r.text_content(), "positive");
        assert_eq!(r.stop_reason, Some(StopReason::EndTurn));
        let r = SamplingReply::from(String::from("x")).into_result(None);
        assert_eq!(r.model, UNKNOWN_MODEL);
        // A full result keeps its own model whatever was routed.
        let full = CreateMessageResult::text("mine", "y");
        assert_eq!(
            SamplingReply::from(full.clone()).into_result(Some("other")),
            full
        );
    }

    #[test]
    fn sampling_errors_keep_their_codes() {
        let e = SamplingError::rejected("no");
        assert_eq!(e.code(), -1);
        assert_eq!(e.to_string(), "no (code -1)");
        let o: ErrorObject = SamplingError::internal("boom")
            .with_data(serde_json::json!({"why": 1}))
            .into();
        assert_eq!(o.code, codes::INTERNAL_ERROR);
        assert_eq!(o.data, Some(serde_json::json!({"why": 1})));
        assert_eq!(SamplingError::invalid_params("p").code(), -32602);
    }

    #[test]
    fn last_user_text_skips_assistant_turns() {
        let req = SamplingRequest::new(params(vec![
            SamplingMessage::user("first"),
            SamplingMessage::user("second"),
            SamplingMessage::assistant("reply"),
        ]));
        assert_eq!(req.last_user_text(), "second");
        assert_eq!(SamplingRequest::new(params(vec![])).last_user_text(), "");
    }

    #[tokio::test]
    async fn closures_and_impls_are_handlers() {
        let req = SamplingRequest::new(params(vec![SamplingMessage::user("hi")]));
        let h = erase_sampling(|r: SamplingRequest| async move { Ok(r.last_user_text() + "!") });
        assert_eq!(h(req.clone()).await, Ok(SamplingReply::Text("hi!".into())));
        let h = erase_sampling(|_| async { Err::<String, _>(SamplingError::rejected("no")) });
        assert_eq!(h(req.clone()).await.unwrap_err().code(), -1);

        struct Fixed;
        impl SamplingHandler for Fixed {
            async fn create_message(
                &self,
                _: SamplingRequest,
            ) -> Result<SamplingReply, SamplingError> {
                Ok(CreateMessageResult::text("m", "t").into())
            }
        }
        let h = erase_sampling(Fixed);
        assert!(matches!(h(req).await, Ok(SamplingReply::Result(r)) if r.model == "m"));
    }
}
