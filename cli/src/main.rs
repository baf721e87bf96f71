//! `toolsmith`: call any MCP server from the command line, answer what it asks (sampling,
//! elicitation, roots), and scaffold new servers.
//!
//! Exit codes: 0 success, 1 the tool reported an error (`isError`), 2 a usage error, 3 the
//! server could not be reached or answered with a protocol error, 4 a local failure.

mod args;
mod asks;
mod connect;
mod error;
mod install;
mod list;
mod login;
mod progress;
mod render;
mod scaffold;
mod token_file;
mod typed_args;

use std::process::ExitCode;

use clap::Parser;
use serde_json::Value;
use toolsmith::client::{Client, Progress};

use args::{Cli, Command, ServerArgs};
use error::Failure;
use progress::ProgressView;
use render::pretty;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if let Some(message) = failure.message() {
                eprintln!("{message}");
            }
            failure.exit_code()
        }
    }
}

async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::New {
            name,
            dir,
            toolsmith_path,
        } => scaffold::run(&name, dir.as_deref(), toolsmith_path.as_deref()),
        Command::Install {
            client,
            name,
            url,
            env,
            config,
            dry_run,
            command,
        } => install::run(&install::Request {
            app: client,
            name: &name,
            url: url.as_deref(),
            command: &command,
            env: &env,
            config: config.as_deref(),
            dry_run,
        }),
        Command::Logout { url, token_store } => login::logout(&url, token_store.as_ref()),
        Command::Tools { server } => {
            with_client(
                &server,
                |c| async move { list::tools(&c, server.json).await },
            )
            .await
        }
        Command::Resources { server } => {
            with_client(&server, |c| async move {
                list::resources(&c, server.json).await
            })
            .await
        }
        Command::Prompts { server } => {
            with_client(
                &server,
                |c| async move { list::prompts(&c, server.json).await },
            )
            .await
        }
        Command::Call {
            tool,
            arguments,
            json_args,
            server,
        } => {
            let as_json = server.json;
            let view = ProgressView::default();
            let client = connect::connect(&server, &view).await?;
            let outcome = call(&client, &tool, &arguments, json_args.as_deref(), view).await;
            close(&client).await;
            let result = outcome?;
            if as_json {
                println!(
                    "{}",
                    pretty(&serde_json::to_value(&result).unwrap_or(Value::Null))
                );
            } else {
                println!("{}", render::call_result(&result));
            }
            if result.is_error() {
                return Err(Failure::ToolError);
            }
            Ok(())
        }
        Command::Read { uri, server } => {
            with_client(&server, |c| async move {
                let result = c.read_resource(&uri).await?;
                Ok(if server.json {
                    pretty(&serde_json::to_value(&result).unwrap_or(Value::Null))
                } else {
                    render::read_result(&result)
                })
            })
            .await
        }
        Command::Prompt {
            name,
            arguments,
            server,
        } => {
            let arguments = typed_args::string_arguments(&arguments).map_err(Failure::Usage)?;
            with_client(&server, |c| async move {
                let result = c.get_prompt(&name, Value::Object(arguments)).await?;
                Ok(if server.json {
                    pretty(&serde_json::to_value(&result).unwrap_or(Value::Null))
                } else {
                    render::prompt_result(&result)
                })
            })
            .await
        }
    }
}

/// Connect, run `body`, close, and print what `body` produced.
async fn with_client<F, Fut>(server: &ServerArgs, body: F) -> Result<(), Failure>
where
    F: FnOnce(std::sync::Arc<Client>) -> Fut,
    Fut: std::future::Future<Output = Result<String, Failure>>,
{
    let client = std::sync::Arc::new(connect::connect(server, &ProgressView::default()).await?);
    let outcome = body(std::sync::Arc::clone(&client)).await;
    close(&client).await;
    println!("{}", outcome?);
    Ok(())
}

/// `tools/call` with arguments typed from the tool's schema, showing progress as it comes.
async fn call(
    client: &Client,
    tool: &str,
    pairs: &[String],
    json_args: Option<&str>,
    view: ProgressView,
) -> Result<toolsmith::protocol::CallToolResult, Failure> {
    // The schema types the `key=value` pairs; with none, there is nothing to look up.
    let schema = if pairs.is_empty() {
        Value::Null
    } else {
        let tools = client.list_tools().await?;
        let names: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
        match tools.into_iter().find(|t| t.name == tool) {
            Some(found) => found.input_schema,
            None => {
                return Err(Failure::Server(format!(
                    "the server has no tool `{tool}` (it has: {})",
                    names.join(", ")
                )))
            }
        }
    };
    let arguments =
        typed_args::tool_arguments(&schema, json_args, pairs).map_err(Failure::Usage)?;
    let shown = view.clone();
    let result = client
        .call_tool_with_progress(tool, Value::Object(arguments), move |p: Progress| {
            shown.update(&p)
        })
        .await;
    view.finish();
    Ok(result?)
}

/// End the connection; a failure to close cleanly is not the command's failure.
async fn close(client: &Client) {
    if let Err(e) = client.close().await {
        eprintln!("warning: closing the connection: {e}");
    }
}
