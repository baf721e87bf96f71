//! What a transport knows about an incoming frame besides its content: [`RequestFacts`], with
//! the request's header fields behind [`Headers`] so the layers above need no HTTP library.

use std::any::Any;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
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

/// Who is calling, as the per-caller limits (concurrent requests, sessions, listen streams, a
/// rate limit) count requests: the authenticated subject, else the peer's address, else the one
/// client of a byte stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallerKey {
    /// The authenticated subject (of a credential of its own).
    Subject(String),
    /// The peer's IP address (no authentication, or a shared credential).
    Address(IpAddr),
    /// The one client of a byte stream (stdio): it has no headers, no address, no subject.
    Stream,
}

impl CallerKey {
    /// The caller of a request with these transport facts: its authenticated subject, unless its
    /// credential is shared by several parties ([`AuthInfo::shared`], a fixed bearer token),
    /// else its peer's address. `None` for an HTTP request whose peer is unknown (a router
    /// served without connection info): counting every such request as one caller would let any
    /// client refuse service to all the others, so they are not capped per caller.
    pub(crate) fn of(facts: &RequestFacts) -> Option<CallerKey> {
        let shared = facts.auth.as_ref().is_some_and(|a| a.shared);
        let subject = facts.caller.as_ref().filter(|_| !shared);
        match (subject, facts.peer_addr, &facts.headers) {
            (Some(subject), _, _) => Some(CallerKey::Subject(subject.clone())),
            (None, Some(addr), _) => Some(CallerKey::Address(addr.ip())),
            (None, None, None) => Some(CallerKey::Stream),
            (None, None, Some(_)) => None,
        }
    }

    /// The caller of a request as a per-caller table's key, for the limits that apply to
    /// network peers only (sessions and listen streams: a byte stream has one peer anyway).
    pub(crate) fn label(facts: &RequestFacts) -> Option<String> {
        match CallerKey::of(facts)? {
            CallerKey::Stream => None,
            key => Some(key.to_string()),
        }
    }
}

impl fmt::Display for CallerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallerKey::Subject(subject) => write!(f, "caller {subject}"),
            CallerKey::Address(addr) => write!(f, "address {addr}"),
            CallerKey::Stream => f.write_str("stream"),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_is_the_subject_else_the_address() {
        let addr: std::net::SocketAddr = "192.0.2.7:4000".parse().unwrap();
        let mut facts = RequestFacts {
            peer_addr: Some(addr),
            ..RequestFacts::default()
        };
        assert_eq!(CallerKey::of(&facts), Some(CallerKey::Address(addr.ip())));
        facts.caller = Some("alice".into());
        assert_eq!(
            CallerKey::of(&facts),
            Some(CallerKey::Subject("alice".into()))
        );
        assert_eq!(
            CallerKey::of(&RequestFacts::default()),
            Some(CallerKey::Stream)
        );
    }

    #[test]
    fn http_requests_of_unknown_peers_are_not_lumped_into_one_caller() {
        struct NoHeaders;
        impl crate::transport::Headers for NoHeaders {
            fn get(&self, _: &str) -> Option<&[u8]> {
                None
            }
        }
        let facts = RequestFacts {
            headers: Some(Box::new(NoHeaders)),
            ..RequestFacts::default()
        };
        assert_eq!(CallerKey::of(&facts), None);
    }

    #[test]
    fn a_shared_credential_counts_per_address() {
        let addr: std::net::SocketAddr = "192.0.2.7:4000".parse().unwrap();
        let facts = RequestFacts {
            peer_addr: Some(addr),
            caller: Some("bearer".into()),
            auth: Some(Arc::new(AuthInfo::new("bearer").shared_credential())),
            ..RequestFacts::default()
        };
        assert_eq!(CallerKey::of(&facts), Some(CallerKey::Address(addr.ip())));
        assert_eq!(
            CallerKey::label(&facts).as_deref(),
            Some("address 192.0.2.7")
        );
        let own = RequestFacts {
            auth: Some(Arc::new(AuthInfo::new("bearer"))),
            ..facts
        };
        assert_eq!(
            CallerKey::of(&own),
            Some(CallerKey::Subject("bearer".into()))
        );
        assert_eq!(CallerKey::label(&RequestFacts::default()), None);
    }
}
