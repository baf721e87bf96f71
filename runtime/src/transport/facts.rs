//! What a transport knows about an incoming frame besides its content: [`RequestFacts`], with
//! the request's header fields behind [`Headers`] so the layers above need no HTTP library.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::auth::AuthInfo;

/// The header fields of a request, as the dispatcher reads them (HTTP only). Implemented by the
/// HTTP transport over its header map, so nothing is copied and the layers above need no HTTP
/// library.
pub(crate) trait Headers: Send + Sync {
    /// The raw value of the field `name` (lowercase), if present.
    fn get(&self, name: &str) -> Option<&[u8]>;

    /// True when the field `name` (lowercase) is present.
    fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The value of the field `name` (lowercase) as text, if present and made of visible ASCII
    /// (and tabs) only, as a field value should be.
    fn get_str(&self, name: &str) -> Option<&str> {
        let raw = self.get(name)?;
        if raw.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)) {
            std::str::from_utf8(raw).ok()
        } else {
            None
        }
    }
}

/// What the transport knows about one incoming frame besides its content.
///
/// Stdio knows nothing more (`RequestFacts::default()`). HTTP adds the request's header fields
/// and, when served with connection info, the peer's address. The caller established by an
/// authentication layer goes in `caller`, so that handlers, middleware and the
/// `requestState` seal can see it.
#[derive(Default)]
pub(crate) struct RequestFacts {
    /// The request's header fields (HTTP); `None` on transports without headers.
    pub headers: Option<Box<dyn Headers>>,
    /// The peer's network address, when the transport knows it.
    pub peer_addr: Option<SocketAddr>,
    /// The authenticated caller (a stable subject id), once an authentication layer sets it;
    /// `requestState` is bound to it. `None` without authentication.
    pub caller: Option<String>,
    /// The authenticated caller in full (subject, scopes, claims), when an authentication layer
    /// established one; `caller` is its subject.
    pub auth: Option<Arc<AuthInfo>>,
    /// The transport's own view of the request, for handlers that read it (HTTP: the request's
    /// `http::request::Parts`: method, URI, headers, extensions). `None` on stdio.
    pub request: Option<Arc<dyn Any + Send + Sync>>,
}

/// The request's header fields, none off HTTP.
impl Headers for RequestFacts {
    fn get(&self, name: &str) -> Option<&[u8]> {
        self.headers.as_deref()?.get(name)
    }
}

impl std::fmt::Debug for RequestFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestFacts")
            .field("headers", &self.headers.as_ref().map(|_| ".."))
            .field("peer_addr", &self.peer_addr)
            .field("caller", &self.caller)
            .finish()
    }
}
