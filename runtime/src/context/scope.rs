use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::answers::AnswerSource;
use super::log::LogFilter;
use super::sampling_setup::SamplingSetup;
use crate::auth::AuthInfo;
use crate::jsonrpc::{Message, RequestId};
use crate::protocol::{ClientCapabilities, Implementation, LoggingLevel, ProgressToken};
use crate::transport::{Limits, Outbox};

/// Who the client is, as it applies to one request (the session's handshake in the legacy era).
#[derive(Debug, Clone, Default)]
pub(crate) struct PeerInfo {
    pub protocol_version: String,
    pub capabilities: ClientCapabilities,
    pub client_info: Option<Implementation>,
}

impl PeerInfo {
    /// The peer of a session before `initialize`: the latest protocol, no capabilities.
    pub(crate) fn before_initialize() -> Arc<PeerInfo> {
        static PEER: std::sync::OnceLock<Arc<PeerInfo>> = std::sync::OnceLock::new();
        PEER.get_or_init(|| {
            Arc::new(PeerInfo {
                protocol_version: crate::protocol::LATEST_PROTOCOL_VERSION.to_owned(),
                ..Default::default()
            })
        })
        .clone()
    }
}

/// Everything a request's handler can reach, owned by the dispatcher task serving the request.
/// Handlers only ever see it through `Context<'a>`.
pub(crate) struct RequestScope {
    pub request_id: RequestId,
    pub progress_token: Option<ProgressToken>,
    pub peer: Arc<PeerInfo>,
    pub limits: Arc<Limits>,
    pub log_filter: Arc<LogFilter>,
    /// Where this request's notifications go.
    pub sink: Outbox,
    /// Where the answers to this request's asks (sampling, ...) come from.
    pub answers: Box<dyn AnswerSource>,
    pub cancel: CancellationToken,
    /// The tool, prompt or resource being served (for the sampling policy).
    pub handler: Option<String>,
    /// Sampling policy and the server's own sampler.
    pub sampling: Arc<SamplingSetup>,
    /// The authenticated caller, if any.
    pub auth: Option<Arc<AuthInfo>>,
    /// The transport's view of the request (HTTP: `http::request::Parts`).
    pub request: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// Handshake era: the server's URL-mode elicitations and this session's outgoing queue, so
    /// that a completion reaches the client that was asked.
    pub url_elicitations: Option<(Arc<super::UrlElicitations>, Outbox)>,
    last_progress: Mutex<Option<f64>>,
}

impl RequestScope {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        request_id: RequestId,
        progress_token: Option<ProgressToken>,
        peer: Arc<PeerInfo>,
        limits: Arc<Limits>,
        log_filter: Arc<LogFilter>,
        sink: Outbox,
        answers: Box<dyn AnswerSource>,
        cancel: CancellationToken,
    ) -> Self {
        RequestScope {
            request_id,
            progress_token,
            peer,
            limits,
            log_filter,
            sink,
            answers,
            cancel,
            handler: None,
            sampling: Arc::default(),
            auth: None,
            request: None,
            url_elicitations: None,
            last_progress: Mutex::new(None),
        }
    }

    pub(crate) fn log(&self, level: LoggingLevel, logger: Option<&str>, data: Value) {
        if !self.log_filter.allows(level) {
            return;
        }
        let mut params = json!({ "level": level, "data": data });
        if let Some(l) = logger {
            params["logger"] = Value::from(l);
        }
        self.sink.send(&Message::notification(
            "notifications/message",
            Some(params),
        ));
    }

    pub(crate) fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = &self.progress_token else {
            return;
        };
        {
            let mut last = self.last_progress.lock().expect("progress lock");
            if last.is_some_and(|l| progress <= l) || !progress.is_finite() {
                tracing::debug!(progress, "dropping progress that does not increase");
                return;
            }
            *last = Some(progress);
        }
        let mut params = json!({ "progressToken": token, "progress": progress });
        if let Some(t) = total {
            params["total"] = Value::from(t);
        }
        if let Some(m) = message {
            params["message"] = Value::from(m);
        }
        self.sink.send(&Message::notification(
            "notifications/progress",
            Some(params),
        ));
    }
}
