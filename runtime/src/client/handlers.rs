//! What a client does with what the server sends it: sampling requests (and their approval),
//! elicitation, roots, log messages, progress.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::router::Route;
use crate::context::{ElicitResult, Root};
use crate::jsonrpc::{codes, ErrorObject, RequestId};
use crate::protocol::{
    CreateMessageParams, CreateMessageResult, Implementation, LoggingLevel, ModelPreferences, Role,
    SamplingMessage,
};

/// The model name put on a [`SamplingReply::Text`] when the client has no
/// [`ModelRouter`](super::ModelRouter) to say which model answered.
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
    /// After an [`Approval::Edit`], the edited parameters.
    pub params: CreateMessageParams,
    /// The model the client's [`ModelRouter`](super::ModelRouter) chose for this request, and
    /// why; `None` when the client was built without a router.
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
/// model the client's [`ModelRouter`](super::ModelRouter) chose for the request, or
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
/// It is the error type of every client handler ([`HandlerError`] is another name for it).
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

/// The error of the elicitation and roots handlers: the same JSON-RPC error shape as
/// [`SamplingError`] (code, message, data).
pub type HandlerError = SamplingError;

/// What the approval hook decides about a sampling request before the model sees it.
///
/// Set with [`ClientBuilder::sampling_approval`](super::ClientBuilder::sampling_approval) (or
/// its async twin); it applies in both protocol eras.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per sampling request, never stored
pub enum Approval {
    /// Send the request to the sampling handler as it is.
    Approve,
    /// Send these parameters instead (for example with a message redacted or `maxTokens`
    /// lowered). The model router routes the edited request again.
    Edit(CreateMessageParams),
    /// Refuse: the server gets JSON-RPC error `-1` ("user rejected", with the reason when there
    /// is one). In protocol 2026-07-28 the call fails with [`ClientError::InputRequest`] carrying
    /// that error, since an input response has no error shape.
    ///
    /// [`ClientError::InputRequest`]: super::ClientError::InputRequest
    Reject(Option<String>),
}

impl Approval {
    /// Refuse, saying why.
    pub fn reject(reason: impl Into<String>) -> Self {
        Approval::Reject(Some(reason.into()))
    }

    /// The error a rejection is answered with.
    pub(crate) fn rejection(reason: Option<String>) -> SamplingError {
        match reason {
            Some(r) if !r.trim().is_empty() => {
                SamplingError::rejected(format!("user rejected: {r}"))
            }
            _ => SamplingError::rejected("user rejected"),
        }
    }
}

/// An approval hook behind a pointer: sync hooks answer at once, async ones get a clone.
pub(crate) type DynApproval =
    Arc<dyn Fn(&SamplingRequest) -> BoxFuture<'static, Approval> + Send + Sync>;

pub(crate) fn erase_approval<F>(hook: F) -> DynApproval
where
    F: Fn(&SamplingRequest) -> Approval + Send + Sync + 'static,
{
    Arc::new(move |request| Box::pin(std::future::ready(hook(request))))
}

pub(crate) fn erase_async_approval<F, Fut>(hook: F) -> DynApproval
where
    F: Fn(SamplingRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Approval> + Send + 'static,
{
    Arc::new(move |request| Box::pin(hook(request.clone())))
}

/// How the server wants the user asked (`elicitation/create` `mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ElicitationMode {
    /// Fill in a form described by [`ElicitationRequest::requested_schema`].
    Form,
    /// Visit [`ElicitationRequest::url`] (for example to authorise access).
    Url,
}

/// An `elicitation/create` request from the server, as an elicitation handler receives it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ElicitationRequest {
    /// The server's request id; in protocol 2026-07-28 the `inputRequests` key as a string id.
    pub id: RequestId,
    /// Form or URL mode (form when the server did not say).
    pub mode: ElicitationMode,
    /// What to tell the user.
    pub message: String,
    /// Form mode: the JSON Schema of the form (a flat object of primitive properties).
    pub requested_schema: Option<Value>,
    /// URL mode: the URL to visit.
    pub url: Option<String>,
    /// URL mode: the server's id for this elicitation.
    pub elicitation_id: Option<String>,
    /// The parameters exactly as sent.
    pub params: Map<String, Value>,
    /// The server asking, when known.
    pub server: Option<Implementation>,
    /// Protocol 2026-07-28: the `inputRequests` key.
    pub input_key: Option<String>,
}

impl ElicitationRequest {
    /// Read a request's parameters (`-32602` when they are not an elicitation).
    pub(crate) fn from_params(
        id: RequestId,
        params: Option<Value>,
        server: Option<Implementation>,
        input_key: Option<String>,
    ) -> Result<Self, ErrorObject> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(default)]
            mode: Option<ElicitationMode>,
            message: String,
            #[serde(default)]
            requested_schema: Option<Value>,
            #[serde(default)]
            url: Option<String>,
            #[serde(default)]
            elicitation_id: Option<String>,
        }
        let params = match params {
            None => Map::new(),
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(ErrorObject::invalid_params(format!(
                    "invalid params for `elicitation/create`: expected an object, got {other}"
                )))
            }
        };
        let wire: Wire = serde_json::from_value(Value::Object(params.clone())).map_err(|e| {
            ErrorObject::invalid_params(format!("invalid params for `elicitation/create`: {e}"))
        })?;
        let mode = wire.mode.unwrap_or(ElicitationMode::Form);
        if mode == ElicitationMode::Url && wire.url.is_none() {
            return Err(ErrorObject::invalid_params(
                "invalid params for `elicitation/create`: URL mode needs a `url`",
            ));
        }
        Ok(ElicitationRequest {
            id,
            mode,
            message: wire.message,
            requested_schema: wire.requested_schema,
            url: wire.url,
            elicitation_id: wire.elicitation_id,
            params,
            server,
            input_key,
        })
    }
}

/// Answers the server's `elicitation/create` requests, usually by asking the user.
///
/// Implemented for every async closure `|req: ElicitationRequest| async move { .. }` returning
/// `Result<ElicitResult, HandlerError>`. A user who declines or dismisses the form is an
/// answer (`ElicitAction::Decline` / `Cancel`), not an error; return an error only when the
/// request cannot be handled at all.
pub trait ElicitationHandler: Send + Sync + 'static {
    /// Ask the user and report what they did.
    fn elicit(
        &self,
        request: ElicitationRequest,
    ) -> impl Future<Output = Result<ElicitResult, HandlerError>> + Send;
}

impl<F, Fut> ElicitationHandler for F
where
    F: Fn(ElicitationRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ElicitResult, HandlerError>> + Send + 'static,
{
    fn elicit(
        &self,
        request: ElicitationRequest,
    ) -> impl Future<Output = Result<ElicitResult, HandlerError>> + Send {
        self(request)
    }
}

pub(crate) type DynElicitation = Arc<
    dyn Fn(ElicitationRequest) -> BoxFuture<'static, Result<ElicitResult, HandlerError>>
        + Send
        + Sync,
>;

pub(crate) fn erase_elicitation<H: ElicitationHandler>(handler: H) -> DynElicitation {
    let handler = Arc::new(handler);
    Arc::new(move |request| {
        let handler = Arc::clone(&handler);
        Box::pin(async move { handler.elicit(request).await })
    })
}

/// A `roots/list` request from the server, as a roots handler receives it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RootsRequest {
    /// The server's request id; in protocol 2026-07-28 the `inputRequests` key as a string id.
    pub id: RequestId,
    /// The server asking, when known.
    pub server: Option<Implementation>,
    /// Protocol 2026-07-28: the `inputRequests` key.
    pub input_key: Option<String>,
}

/// Answers the server's `roots/list` requests with the directories or files the client exposes.
///
/// Implemented for every async closure `|req: RootsRequest| async move { .. }` returning
/// `Result<Vec<Root>, HandlerError>`; for a fixed list use
/// [`ClientBuilder::roots`](super::ClientBuilder::roots).
pub trait RootsHandler: Send + Sync + 'static {
    /// The roots to expose to this server.
    fn list_roots(
        &self,
        request: RootsRequest,
    ) -> impl Future<Output = Result<Vec<Root>, HandlerError>> + Send;
}

impl<F, Fut> RootsHandler for F
where
    F: Fn(RootsRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Root>, HandlerError>> + Send + 'static,
{
    fn list_roots(
        &self,
        request: RootsRequest,
    ) -> impl Future<Output = Result<Vec<Root>, HandlerError>> + Send {
        self(request)
    }
}

pub(crate) type DynRoots =
    Arc<dyn Fn(RootsRequest) -> BoxFuture<'static, Result<Vec<Root>, HandlerError>> + Send + Sync>;

pub(crate) fn erase_roots<H: RootsHandler>(handler: H) -> DynRoots {
    let handler = Arc::new(handler);
    Arc::new(move |request| {
        let handler = Arc::clone(&handler);
        Box::pin(async move { handler.list_roots(request).await })
    })
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

/// A `notifications/message` log message from the server.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct LogMessage {
    /// The severity.
    pub level: LoggingLevel,
    /// The logger's name, when the server gave one.
    #[serde(default)]
    pub logger: Option<String>,
    /// The message: any JSON value, often a string.
    pub data: Value,
}

impl LogMessage {
    /// The data as text: the string itself, or the JSON of any other value.
    pub fn text(&self) -> String {
        match &self.data {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

/// A `notifications/progress` update for a request this client made.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Progress {
    /// Progress so far (increases with every update).
    pub progress: f64,
    /// The total, when the server knows it.
    #[serde(default)]
    pub total: Option<f64>,
    /// A human-readable description of the progress.
    #[serde(default)]
    pub message: Option<String>,
}

/// A log handler behind a pointer.
pub(crate) type LogFn = Arc<dyn Fn(LogMessage) + Send + Sync>;

/// A progress callback behind a pointer.
pub(crate) type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

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
