//! The client's answers to the session's own requests (samples, elicitations, roots), handed to
//! the asks waiting for them.

use super::Session;
use crate::jsonrpc::{Answer, ErrorObject, RequestId, Response, ResultJson};

impl Session {
    /// A response as a message (an error, or a result already read into a value).
    pub(crate) fn on_response(&self, r: Response) {
        let Some(id) = r.id else {
            tracing::warn!(error = ?r.outcome.err(), "the client reported an error about an unreadable message");
            return;
        };
        self.resolve(&id, r.outcome.map(ResultJson::Value));
    }

    /// A success response as read from a frame: its result goes to the ask waiting for it as
    /// the frame's text, decoded there once.
    pub(crate) fn on_answer(&self, a: Answer) {
        self.resolve(&a.id, Ok(ResultJson::Raw(a.result)));
    }

    fn resolve(&self, id: &RequestId, outcome: Result<ResultJson, ErrorObject>) {
        if !self.pending.resolve(id, outcome) {
            tracing::warn!(%id, "ignored a response to a request that is not pending (late, duplicate or unknown id)");
        }
    }
}
