//! `Server::middleware`: registering middleware on the builder.

use std::sync::Arc;

use super::Middleware;
use crate::Server;

impl Server {
    /// Run `middleware` around every request this server serves (both protocol eras, every
    /// transport). Middleware run in the order registered: each one's
    /// [`before`](Middleware::before) in turn (the first refusal answers the request), then the
    /// [`after`](Middleware::after)s in reverse. See [`crate::middleware`].
    pub fn middleware(mut self, middleware: impl Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }
}
