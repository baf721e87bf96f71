//! The command line: subcommands, the server selection they share, and the options that shape
//! how asks from the server are answered.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::install::ClientApp;

/// Call any MCP server from the command line, answer what it asks, scaffold new servers.
#[derive(Debug, Parser)]
#[command(name = "toolsmith", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the server's tools, with descriptions and their arguments.
    Tools {
        /// The server and how to talk to it.
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List the server's resources and resource templates.
    Resources {
        /// The server and how to talk to it.
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List the server's prompts and their arguments.
    Prompts {
        /// The server and how to talk to it.
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Call a tool.
    ///
    /// `toolsmith call TOOL key=value ... -- CMD`: values are typed from the tool's input schema
    /// (numbers, booleans, JSON arrays and objects). Exit code 1 when the tool reports an error.
    Call {
        /// The tool's name.
        tool: String,
        /// Arguments as `key=value` pairs.
        #[arg(value_name = "KEY=VALUE")]
        arguments: Vec<String>,
        /// All arguments as one JSON object (`key=value` pairs are added to it).
        #[arg(long, value_name = "JSON")]
        json_args: Option<String>,
        /// The server and how to talk to it.
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Read a resource by URI.
    Read {
        /// The resource's URI.
        uri: String,
        /// The server and how to talk to it.
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Get a prompt.
    ///
    /// `toolsmith prompt NAME key=value ... -- CMD` (prompt arguments are strings).
    Prompt {
        /// The prompt's name.
        name: String,
        /// Arguments as `key=value` pairs (prompt arguments are strings).
        #[arg(value_name = "KEY=VALUE")]
        arguments: Vec<String>,
        /// The server and how to talk to it.
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Create a new MCP server project in the directory NAME.
    New {
        /// The project's name (a Cargo package name), also its directory.
        name: String,
        /// Where to create it (default: the current directory).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Depend on the toolsmith checkout at this path (default: the checkout this binary was
        /// built from, when it still exists).
        #[arg(long, value_name = "PATH")]
        toolsmith_path: Option<PathBuf>,
    },
    /// Forget the login kept for a `--url` server (its tokens in the token store).
    Logout {
        /// The server's URL, as given to --url when logging in.
        #[arg(long, value_name = "URL")]
        url: String,
        /// The token store (default: ~/.config/toolsmith/credentials.json).
        #[arg(long, value_name = "PATH")]
        token_store: Option<PathBuf>,
    },
    /// Add a server to an MCP client's configuration.
    ///
    /// `toolsmith install cursor NAME -- CMD [ARGS]`, or `--url URL`: merged with what is there,
    /// the old file kept as FILE.bak.
    Install {
        /// The client to configure.
        #[arg(value_enum)]
        client: ClientApp,
        /// The server's name in that configuration.
        name: String,
        /// A streamable HTTP server's URL (instead of `-- CMD`).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// An environment variable for a stdio server; may be repeated.
        #[arg(long = "env", value_name = "KEY=VALUE")]
        env: Vec<String>,
        /// The configuration file to change (default: the client's usual one).
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Print the new configuration instead of writing it.
        #[arg(long)]
        dry_run: bool,
        /// The command that starts the server: `-- CMD [ARGS]`, last on the line.
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
}

/// Which protocol era to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolChoice {
    /// Ask the server (`server/discover`), fall back to the handshake.
    Auto,
    /// The `initialize` handshake (2025-11-25).
    #[value(name = "2025-11-25", alias = "legacy")]
    Handshake,
    /// Stateless requests (2026-07-28).
    #[value(name = "2026-07-28", alias = "stateless")]
    Stateless,
}

/// Server log levels, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// Informational and above.
    Info,
    /// Notices and above.
    Notice,
    /// Warnings and above.
    Warning,
    /// Errors and above.
    Error,
}

/// The server to talk to, and how: shared by every command that connects.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// A streamable HTTP server's URL (e.g. http://127.0.0.1:8080/mcp).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// An HTTP header to send with every message to a `--url` server, as `Name: value` (for
    /// example `Authorization: Bearer TOKEN`); may be repeated.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Force a protocol era (default: negotiated).
    #[arg(long, value_enum, default_value = "auto")]
    pub protocol: ProtocolChoice,
    /// Print machine-readable JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Show each sampling request and ask before answering it (or type the answer yourself).
    #[arg(long)]
    pub interactive: bool,
    /// Expose this directory (or file) to the server as a root; may be repeated.
    #[arg(long = "root", value_name = "PATH")]
    pub roots: Vec<PathBuf>,
    /// The lowest level of server log messages to show on stderr.
    #[arg(long, value_enum, default_value = "info")]
    pub log_level: LogLevel,
    /// How long to wait for each answer (and for a login in the browser), in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub timeout: u64,
    /// Logging in to an OAuth-protected `--url` server.
    #[command(flatten)]
    pub login: LoginArgs,
    /// The server to start and talk to over stdio: `-- CMD [ARGS]`, last on the line.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// How to log in when a `--url` server answers `401` with an OAuth challenge: the authorization
/// URL is printed on stderr, the browser comes back to a listener on 127.0.0.1, and the tokens
/// are kept for the next run (refreshed when they expire).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Logging in (OAuth, --url servers)")]
pub struct LoginArgs {
    /// A client id registered ahead of time with the authorization server (default: Dynamic
    /// Client Registration, kept in the token store).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// The secret of --client-id, for a confidential client.
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    pub client_secret: Option<String>,
    /// The scopes to ask for, space-separated (default: those the server names).
    #[arg(long, value_name = "SCOPES")]
    pub scope: Option<String>,
    /// Never log in: without a kept (or refreshable) token, fail with exit code 3.
    #[arg(long)]
    pub no_login: bool,
    /// Also open the authorization URL in the default browser.
    #[arg(long, conflicts_with = "no_login")]
    pub open: bool,
    /// Where logins are kept (default: ~/.config/toolsmith/credentials.json, or under
    /// $XDG_CONFIG_HOME); the file is readable by its owner only.
    #[arg(long, value_name = "PATH")]
    pub token_store: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("toolsmith").chain(args.iter().copied()))
    }

    #[test]
    fn a_call_takes_pairs_then_the_command_after_the_double_dash() {
        let cli = parse(&["call", "add", "a=1", "b=2", "--", "server", "--flag"]).unwrap();
        let Command::Call {
            tool,
            arguments,
            server,
            ..
        } = cli.command
        else {
            panic!("not a call: {cli:?}");
        };
        assert_eq!(tool, "add");
        assert_eq!(arguments, ["a=1", "b=2"]);
        assert_eq!(server.command, ["server", "--flag"]);
        assert_eq!(server.protocol, ProtocolChoice::Auto);
    }

    #[test]
    fn login_options_parse_and_a_secret_needs_a_client_id() {
        let cli = parse(&[
            "tools",
            "--url",
            "http://x/mcp",
            "--client-id",
            "me",
            "--client-secret",
            "s",
            "--scope",
            "a b",
            "--token-store",
            "/tmp/t.json",
        ])
        .unwrap();
        let Command::Tools { server } = cli.command else {
            panic!("not tools");
        };
        assert_eq!(server.login.client_id.as_deref(), Some("me"));
        assert_eq!(server.login.client_secret.as_deref(), Some("s"));
        assert_eq!(server.login.scope.as_deref(), Some("a b"));
        assert!(!server.login.no_login && !server.login.open);
        assert!(parse(&["tools", "--url", "http://x/mcp", "--client-secret", "s"]).is_err());
        assert!(parse(&["tools", "--url", "http://x/mcp", "--no-login", "--open"]).is_err());
        let cli = parse(&["logout", "--url", "http://x/mcp"]).unwrap();
        assert!(matches!(cli.command, Command::Logout { .. }));
        assert!(parse(&["logout"]).is_err());
    }

    #[test]
    fn the_protocol_is_named_by_revision_or_era() {
        let cli = parse(&["tools", "--protocol", "stateless", "--url", "http://x/mcp"]).unwrap();
        let Command::Tools { server } = cli.command else {
            panic!("not tools");
        };
        assert_eq!(server.protocol, ProtocolChoice::Stateless);
        let cli = parse(&["tools", "--protocol", "2025-11-25", "--", "s"]).unwrap();
        let Command::Tools { server } = cli.command else {
            panic!("not tools");
        };
        assert_eq!(server.protocol, ProtocolChoice::Handshake);
        assert!(parse(&["tools", "--protocol", "1999", "--", "s"]).is_err());
    }
}
