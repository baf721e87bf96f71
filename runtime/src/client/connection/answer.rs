//! Answering the server's requests (handshake era) and input requests (protocol 2026-07-28)
//! with the registered handlers, each on its own task.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use serde_json::{json, Value};

use super::{decode, Connection};
use crate::client::handlers::{Approval, ElicitationRequest, RootsRequest, SamplingRequest};
use crate::jsonrpc::{codes, ErrorObject, Request, RequestId};
use crate::protocol::CreateMessageParams;

impl Connection {
    pub(super) fn on_request(self: &Arc<Self>, request: Request) {
        let Request {
            id, method, params, ..
        } = request;
        match method.as_str() {
            // Cheap answers go out at once, in the reader; only handlers run on their own task.
            "ping" => self.reply(id, Ok(json!({}))),
            m if self.handlers.answers(m) => self.spawn_answer(id, method, params),
            _ => self.reply(id, Err(ErrorObject::method_not_found(&method))),
        }
    }

    /// Answer a server-to-client request on its own task, so a slow model or user never holds
    /// up the others; `notifications/cancelled` aborts it. Beyond the limit of requests answered
    /// at once, it is refused at once with a "client busy" error.
    fn spawn_answer(self: &Arc<Self>, id: RequestId, method: String, params: Option<Value>) {
        let mut incoming = self.incoming.lock().expect("incoming lock");
        if incoming.len() >= self.limits.max_concurrent_asks {
            drop(incoming);
            tracing::warn!(%id, method, limit = self.limits.max_concurrent_asks, "too many server requests at once; refused");
            let busy = self.limits.busy(&method);
            self.reply(id, Err(busy));
            return;
        }
        if incoming.contains_key(&id) {
            drop(incoming);
            self.reply(
                id.clone(),
                Err(ErrorObject::new(
                    codes::INVALID_REQUEST,
                    format!("request id {id} is already in use by a request in flight"),
                )),
            );
            return;
        }
        let connection = Arc::clone(self);
        let task_id = id.clone();
        // Spawned while the map is locked, so the task's own removal comes after the insert.
        let task = tokio::spawn(async move {
            let outcome = connection
                .answer(&method, params, task_id.clone(), None)
                .await;
            connection
                .incoming
                .lock()
                .expect("incoming lock")
                .remove(&task_id);
            connection.reply(task_id, outcome);
        });
        incoming.insert(id, task.abort_handle());
    }

    /// Produce the client's answer to a server-to-client request (handshake era) or an input
    /// request (protocol 2026-07-28) with the registered handlers: the JSON result, or the
    /// JSON-RPC error to answer with. A handler that panics is answered with `-32603`.
    pub(crate) async fn answer(
        self: &Arc<Self>,
        method: &str,
        params: Option<Value>,
        id: RequestId,
        input_key: Option<String>,
    ) -> Result<Value, ErrorObject> {
        let work = async {
            match method {
                "sampling/createMessage" => self.sample(method, params, id, input_key).await,
                "elicitation/create" => {
                    let Some(handler) = self.handlers.elicitation.clone() else {
                        return Err(ErrorObject::method_not_found(method));
                    };
                    let request =
                        ElicitationRequest::from_params(id, params, self.server(), input_key)?;
                    let result = handler(request).await.map_err(ErrorObject::from)?;
                    Ok(serde_json::to_value(result).expect("elicitation results serialise"))
                }
                "roots/list" => {
                    let Some(handler) = self.handlers.roots.clone() else {
                        return Err(ErrorObject::method_not_found(method));
                    };
                    let request = RootsRequest {
                        id,
                        server: self.server(),
                        input_key,
                    };
                    let roots = handler(request).await.map_err(ErrorObject::from)?;
                    Ok(json!({ "roots": roots }))
                }
                _ => Err(ErrorObject::method_not_found(method)),
            }
        };
        match AssertUnwindSafe(work).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(panic) => {
                tracing::error!(method, panic = %panic_message(&*panic), "a client handler panicked");
                Err(ErrorObject::internal(format!(
                    "the client's handler for `{method}` failed"
                )))
            }
        }
    }

    /// Route, approve, then sample.
    async fn sample(
        &self,
        method: &str,
        params: Option<Value>,
        id: RequestId,
        input_key: Option<String>,
    ) -> Result<Value, ErrorObject> {
        let Some(handler) = self.handlers.sampling.clone() else {
            return Err(ErrorObject::method_not_found(method));
        };
        let params = decode::<CreateMessageParams>(method, params)?;
        let route = |p: &CreateMessageParams| {
            self.handlers
                .router
                .as_ref()
                .map(|r| r.route(p.model_preferences.as_ref()))
        };
        let mut request = SamplingRequest {
            id,
            route: route(&params),
            params,
            server: self.server(),
            input_key,
        };
        if let Some(approve) = &self.handlers.approval {
            match approve(&request).await {
                Approval::Approve => {}
                Approval::Edit(edited) => {
                    request.route = route(&edited);
                    request.params = edited;
                }
                Approval::Reject(reason) => return Err(Approval::rejection(reason).into()),
            }
        }
        let routed = request.route.as_ref().map(|r| r.model.clone());
        let reply = handler(request).await.map_err(ErrorObject::from)?;
        Ok(serde_json::to_value(reply.into_result(routed.as_deref()))
            .expect("sampling results serialise"))
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
