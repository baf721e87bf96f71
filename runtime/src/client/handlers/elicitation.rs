//! Elicitation: the server's `elicitation/create` requests and the handler that asks the user.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::HandlerError;
use crate::jsonrpc::{ErrorObject, RequestId};
use crate::protocol::ElicitResult;
use crate::protocol::Implementation;

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
