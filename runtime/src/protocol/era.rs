/// The protocol era a request belongs to, decided once per incoming frame by the server's
/// dispatcher (`server/era.rs`), from the frame and its transport facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Era {
    /// 2024-11-05 .. 2025-11-25: a session starts with `initialize` and remembers what was
    /// negotiated; the server may send requests to the client on the connection.
    Handshake,
    /// 2026-07-28: every request carries its version and the client's capabilities in `_meta`;
    /// nothing is remembered between requests, and asks travel as multi round-trip results.
    Stateless,
}

impl Era {
    /// A short name for logs and metrics: `handshake` or `stateless`.
    pub fn as_str(self) -> &'static str {
        match self {
            Era::Handshake => "handshake",
            Era::Stateless => "stateless",
        }
    }
}
