//! The approval hook: what the client decides about a sampling request before the model sees
//! it.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::{SamplingError, SamplingRequest};
use crate::protocol::CreateMessageParams;

/// What the approval hook decides about a sampling request before the model sees it.
///
/// Set with [`ClientBuilder::sampling_approval`](crate::client::ClientBuilder::sampling_approval)
/// (or its async twin); it applies in both protocol eras.
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
    /// [`ClientError::InputRequest`]: crate::client::ClientError::InputRequest
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
