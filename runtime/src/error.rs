/// Errors from setting up or running a server or client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server or client was configured inconsistently (for example two tools with one name).
    #[error("configuration error: {0}")]
    Config(String),
    /// The transport failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}
