//! `ServerHandle::elicitation_complete`: the end of a URL-mode elicitation, told to the client
//! that was asked.

use super::ServerHandle;

impl ServerHandle {
    /// Tell the client that was sent the URL-mode elicitation `elicitation_id`
    /// ([`Context::elicit_url`](crate::Context::elicit_url)) that it is complete
    /// (`notifications/elicitation/complete`), e.g. from the callback of the page it opened. Only
    /// that client hears it. False when no session of this server was sent that elicitation (in
    /// protocol 2026-07-28 there is no session to tell: the client retries on its own), it was
    /// completed already, or the session is gone.
    pub fn elicitation_complete(&self, elicitation_id: &str) -> bool {
        self.shared.url_elicitations.complete(elicitation_id)
    }
}
