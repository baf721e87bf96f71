//! Making a remote call on behalf of a local one: while the remote call runs, the remote
//! server's sampling and elicitation requests routed to it are answered through the local
//! call's [`Context`].

use std::future::Future;

use futures::stream::{FuturesUnordered, StreamExt};

use super::{Forward, Proxy, CURRENT};
use crate::client::{ElicitationMode, HandlerError, SamplingError};
use crate::context::{AskError, Context, SampleError};

impl Proxy {
    /// Run `call` (a request to the remote server), answering the requests it causes with
    /// `ctx`; its outcome when it ends.
    pub(crate) async fn forwarded<T>(&self, ctx: Context<'_>, call: impl Future<Output = T>) -> T {
        let (guard, mut asks) = self.open();
        let call = CURRENT.scope(guard.sender.clone(), call);
        tokio::pin!(call);
        let mut answering = FuturesUnordered::new();
        loop {
            tokio::select! {
                out = &mut call => return out,
                Some(ask) = asks.recv() => answering.push(answer(ctx, ask)),
                Some(()) = answering.next(), if !answering.is_empty() => {}
            }
        }
    }
}

/// Answer one remote request through the local client.
async fn answer(ctx: Context<'_>, ask: Forward) {
    match ask {
        Forward::Sample(params, reply) => {
            let outcome = ctx
                .sample(params.messages.clone())
                .with_params(params)
                .await
                .map(|r| r.result)
                .map_err(|e| match e {
                    SampleError::Client {
                        code,
                        message,
                        data,
                    } => {
                        let error = SamplingError::new(code, message);
                        match data {
                            Some(data) => error.with_data(data),
                            None => error,
                        }
                    }
                    other => SamplingError::internal(format!("through the proxy: {other}")),
                });
            let _ = reply.send(outcome);
        }
        Forward::Elicit(request, reply) => {
            let ask = match request.mode {
                ElicitationMode::Url => ctx.elicit_url(
                    request.message,
                    request.url.unwrap_or_default(),
                    request.elicitation_id.unwrap_or_default(),
                ),
                ElicitationMode::Form => ctx.elicit(
                    request.message,
                    request
                        .requested_schema
                        .unwrap_or_else(|| serde_json::json!({"type": "object"})),
                ),
            };
            let outcome = ask.await.map_err(|e| match e {
                AskError::Client { code, message } => HandlerError::new(code, message),
                other => HandlerError::internal(format!("through the proxy: {other}")),
            });
            let _ = reply.send(outcome);
        }
    }
}
