//! Connecting to the server named on the command line: `--url` (streamable HTTP) or `-- CMD`
//! (a child process over stdio), in the era asked for, with the handlers for its asks.

use std::time::Duration;

use toolsmith::client::{Client, Protocol};
use toolsmith::protocol::LoggingLevel;

use crate::args::{LogLevel, LoginArgs, ProtocolChoice, ServerArgs};
use crate::asks;
use crate::error::Failure;
use crate::login;
use crate::progress::ProgressView;

/// How much longer than `--timeout` the protocol probe waits (it may include a login).
const PROBE_MARGIN: Duration = Duration::from_secs(10);

/// Connect to the server `args` names; its logs are printed through `view`.
pub async fn connect(args: &ServerArgs, view: &ProgressView) -> Result<Client, Failure> {
    let level = logging_level(args.log_level);
    let builder = Client::builder("toolsmith-cli", env!("CARGO_PKG_VERSION"))
        .request_timeout(Duration::from_secs(args.timeout))
        .protocol(match args.protocol {
            ProtocolChoice::Auto => Protocol::Auto,
            ProtocolChoice::Handshake => Protocol::Legacy,
            ProtocolChoice::Stateless => Protocol::Stateless,
        });
    if !args.headers.is_empty() && args.url.is_none() {
        return Err(Failure::Usage("--header is for --url servers".into()));
    }
    let mut builder = builder;
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(Failure::Usage(format!(
                "--header `{header}` is not `Name: value`"
            )));
        };
        builder = builder.http_header(name.trim(), value.trim());
    }
    let mut builder = asks::install(builder, args.interactive, &args.roots, level, view.clone())?;
    let authorization_header = args.headers.iter().any(|h| {
        h.split_once(':')
            .is_some_and(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
    });
    match &args.url {
        // An `Authorization` header of the user's own: no login on top of it.
        Some(_) if authorization_header => {}
        Some(url) => {
            let wait = Duration::from_secs(args.timeout);
            builder = builder.oauth(login::oauth_config(&args.login, url, wait).await?);
            // The first request (the era probe) may wait for the user to log in: give it as
            // long as the login may take and a little more, so that a login not finished in
            // time fails as such rather than as a probe timeout.
            builder = builder.probe_timeout(wait + PROBE_MARGIN);
        }
        None if login_flags(&args.login) => {
            return Err(Failure::Usage(
                "the login options are for --url servers".into(),
            ))
        }
        None => {}
    }
    let client =
        match (&args.url, args.command.split_first()) {
            (Some(url), None) => builder.connect_http(url).await?,
            (None, Some((program, rest))) => {
                let mut command = tokio::process::Command::new(program);
                command.args(rest);
                builder.connect_stdio(command).await.map_err(|e| {
                    Failure::Server(format!("could not start or talk to `{program}`: {e}"))
                })?
            }
            (Some(_), Some(_)) => {
                return Err(Failure::Usage(
                    "name one server: either --url URL or -- CMD [ARGS], not both".into(),
                ))
            }
            (None, None) => return Err(Failure::Usage(
                "name a server: --url URL (streamable HTTP), or -- CMD [ARGS] at the end (stdio)"
                    .into(),
            )),
        };
    // Logs: the handshake era sends none below the level set (and none without `logging`); the
    // stateless era sends the level with every request.
    let stateless = client.protocol() == Protocol::Stateless;
    if stateless || client.initialize_result().capabilities.logging.is_some() {
        client.set_log_level(level).await?;
    }
    Ok(client)
}

/// True when any login option was given.
fn login_flags(login: &LoginArgs) -> bool {
    login.client_id.is_some()
        || login.scope.is_some()
        || login.no_login
        || login.open
        || login.token_store.is_some()
}

fn logging_level(level: LogLevel) -> LoggingLevel {
    match level {
        LogLevel::Debug => LoggingLevel::Debug,
        LogLevel::Info => LoggingLevel::Info,
        LogLevel::Notice => LoggingLevel::Notice,
        LogLevel::Warning => LoggingLevel::Warning,
        LogLevel::Error => LoggingLevel::Error,
    }
}
