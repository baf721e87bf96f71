//! The dispatcher as transports see it: the server's side of [`Dispatch`] and
//! [`SessionDispatch`]. Frames come in with their transport facts; the era is decided once
//! ([`era::decide`]); a handshake-era request is served by its [`Session`], a stateless-era one
//! outside a session by [`stateless::serve`].

use std::sync::Arc;

use futures::future::BoxFuture;

use super::era;
use super::middleware::{finish, Watch};
use super::runner::reply;
use super::session::Session;
use super::stateless;
use super::ServerCore;
use crate::jsonrpc::{Answer, Message, Notification, Request, Response};
use crate::protocol::Era;
use crate::transport::http::SessionFacts;
use crate::transport::CallerKey;
use crate::transport::{
    Dispatch, Endpoint, FrameReceiver, Limits, Outbox, RequestFacts, SessionDispatch,
};

/// The server core, as the dispatcher of a transport serving many requests (HTTP).
pub(crate) struct Dispatcher(pub Arc<ServerCore>);

impl Dispatch for Dispatcher {
    fn limits(&self) -> &Limits {
        &self.0.limits
    }

    fn era(&self, message: &Message, facts: &RequestFacts) -> Era {
        era::decide(message, facts)
    }

    /// `initialize` opens a session; nothing else does.
    fn opens_session(&self, message: &Message) -> bool {
        matches!(message, Message::Request(r) if r.method == "initialize")
    }

    fn open_session(&self) -> (Arc<dyn SessionDispatch>, FrameReceiver) {
        let (session, outbox) = Session::new(Arc::clone(&self.0));
        (session, outbox)
    }

    fn serve_stateless(
        &self,
        req: Request,
        facts: RequestFacts,
        sink: Outbox,
    ) -> BoxFuture<'static, ()> {
        let core = Arc::clone(&self.0);
        Box::pin(async move {
            let envelope = match stateless::accept(&core, &req, &facts) {
                Ok(e) => e,
                Err(e) => return reply(&sink, req.id, Err(e)),
            };
            let chain = core.middleware.as_ref();
            let watch = match Watch::start(chain, &req, Era::Stateless, &facts) {
                Ok(watch) => watch,
                Err(e) => return reply(&sink, req.id, Err(e)),
            };
            let _permits = if stateless::takes_permit(&req) {
                match core
                    .admission
                    .admit(CallerKey::of(&facts), None, &req)
                    .await
                {
                    Ok(permits) => Some(permits),
                    Err(busy) => {
                        finish(watch, Err(&busy));
                        return reply(&sink, req.id, Err(busy));
                    }
                }
            } else {
                None
            };
            // The transport drops this future when the client goes away, which cancels it; the
            // token is for the request's own end.
            let cancel = tokio_util::sync::CancellationToken::new();
            stateless::serve(core, req, envelope, sink, cancel, watch).await
        })
    }
}

impl SessionDispatch for Session {
    fn request(
        self: Arc<Self>,
        req: Request,
        era: Era,
        facts: RequestFacts,
        sink: Outbox,
    ) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            match self.admit_request(&req, era, &facts).await {
                Ok(permits) => self.on_request(req, era, &facts, sink, permits),
                Err(busy) => reply(&sink, req.id, Err(busy)),
            }
        })
    }

    fn notification(&self, notification: Notification) {
        self.on_notification(notification)
    }

    fn response(&self, response: Response) {
        self.on_response(response)
    }

    fn answer(&self, answer: Answer) {
        self.on_answer(answer)
    }

    fn is_open(&self) -> bool {
        self.is_initialized()
    }

    fn is_busy(&self) -> bool {
        Session::is_busy(self)
    }

    fn facts(&self) -> Option<SessionFacts> {
        Session::facts(self)
    }

    fn changes(&self) -> u64 {
        Session::changes(self)
    }

    fn restore(&self, facts: SessionFacts) {
        Session::restore(self, facts)
    }

    fn close(self: Arc<Self>) -> BoxFuture<'static, ()> {
        Endpoint::on_close(self)
    }
}
