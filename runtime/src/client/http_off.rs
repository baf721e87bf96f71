//! Without the `http-client` feature no connection is over HTTP: the client core's
//! `Link::http` is always `None`, and this type, which has no values, stands in for the HTTP
//! transport so that the core needs no `cfg` of its own. None of its methods can be called.

use std::sync::Arc;

use super::connection::Connection;
use crate::protocol::Tool;

/// The HTTP transport of a build without `http-client`: uninhabited.
pub(crate) enum HttpTransport {}

impl HttpTransport {
    pub(crate) fn forget_session(&self) {
        match *self {}
    }

    pub(crate) fn stop_streams(&self) {
        match *self {}
    }

    pub(crate) fn session_id(&self) -> Option<String> {
        match *self {}
    }

    pub(crate) fn set_protocol_version(&self, _version: &str) {
        match *self {}
    }

    pub(crate) fn admit_tools(&self, _tools: &mut Vec<Tool>) {
        match *self {}
    }

    pub(crate) async fn open_standalone(self: &Arc<Self>, _connection: Arc<Connection>) {
        match **self {}
    }
}
