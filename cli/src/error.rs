//! How a command fails, and the exit code each failure gives.

use std::process::ExitCode;

use toolsmith::client::ClientError;

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// The command line or its arguments are wrong (exit code 2, as for clap's own errors).
    Usage(String),
    /// The tool ran and reported an error (`isError`): its content is already printed
    /// (exit code 1).
    ToolError,
    /// The server could not be reached, or answered with a protocol error (exit code 3).
    Server(String),
    /// A local failure: files, the scaffold's directory (exit code 4).
    Local(String),
}

impl Failure {
    /// The process's exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Failure::ToolError => 1,
            Failure::Usage(_) => 2,
            Failure::Server(_) => 3,
            Failure::Local(_) => 4,
        })
    }

    /// What to print on stderr, if anything.
    pub fn message(&self) -> Option<String> {
        match self {
            Failure::ToolError => None,
            Failure::Usage(m) => Some(format!("error: {m}")),
            Failure::Server(m) => Some(format!("error from the server: {m}")),
            Failure::Local(m) => Some(format!("error: {m}")),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        Failure::Server(error.to_string())
    }
}
