//! Making a remote call on behalf of a local one: while the remote call runs, the remote
//! server's sampling and elicitation requests routed to it are answered through the local
//! call's [`Context`].

use std::future::Future;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;

use super::{Forward, Proxy, CURRENT};
use crate::client::{ElicitationMode, HandlerError, SamplingError};
use crate::context::{AskError, Context, SampleError};

impl Proxy {
    /// Run the request to the remote server that `call` makes (given the route of this call,
    /// for its progress), answering the requests it causes with `ctx`; its outcome when it
    /// ends.
    pub(crate) async fn forwarded<T, F>(
        &self,
        ctx: Context<'_>,
        call: impl FnOnce(mpsc::UnboundedSender<Forward>) -> F,
    ) -> T
    where
        F: Future<Output = T>,
    {
        let (guard, mut asks) = self.open();
        let call = CURRENT.scope(guard.sender.clone(), call(guard.sender.clone()));
        tokio::pin!(call);
        let mut answering = FuturesUnordered::new();
        loop {
            tokio::select! {
                biased;
                Some(ask) = asks.recv() => answering.push(answer(ctx, ask)),
                Some(()) = answering.next(), if !answering.is_empty() => {}
                out = &mut call => {
                    // Progress sent just before the result is still reported.
                    while let Ok(ask) = asks.try_recv() {
                        if let Forward::Progress(_) = ask {
                            answer(ctx, ask).await;
                        }
                    }
                    return out;
                }
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
        Forward::Progress(p) => {
            ctx.report_progress(p.progress, p.total, p.message.as_deref())
                .await
        }
    }
}
