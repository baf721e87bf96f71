//! JSON-RPC 2.0: message frames, request ids, error objects, and the map of requests awaiting a
//! response from the peer.

mod answer;
mod cancel;
mod envelope;
mod error;
#[cfg(feature = "server")]
mod json_text;
mod key;
mod message;
mod pending;

#[cfg(feature = "server")]
pub(crate) use answer::ResultJson;
pub(crate) use answer::{Answer, Incoming};
pub(crate) use cancel::{CancelOnDrop, MessageSink};
#[cfg(feature = "server")]
pub(crate) use envelope::MetaMember;
pub use error::{codes, ErrorObject};
#[cfg(feature = "server")]
pub(crate) use json_text::{push_json_str, push_spliced};
pub(crate) use key::Key;
#[cfg(any(feature = "http-client", all(test, feature = "server")))]
pub(crate) use message::parse_frame;
pub(crate) use message::{read_frame, FrameError};
pub use message::{Message, Notification, Request, RequestId, Response};
#[cfg(feature = "server")]
pub(crate) use pending::{json_len, RegisterError};
pub(crate) use pending::{PeerError, Pending};
