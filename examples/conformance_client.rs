//! A client for the client mode of the official MCP conformance suite
//! (`@modelcontextprotocol/conformance client --command ... --scenario NAME`).
//!
//! The suite starts a mock server, then runs this binary with the server's URL as the last
//! argument. It names the scenario in `MCP_CONFORMANCE_SCENARIO`, passes scenario data (for
//! example the tool calls to make) as JSON in `MCP_CONFORMANCE_CONTEXT`, and (0.2.0-alpha)
//! the protocol revision to speak in `MCP_CONFORMANCE_PROTOCOL_VERSION`: `2026-07-28` means the
//! stateless wire, anything else (or nothing, as in 0.1.16) the `initialize` handshake.
//!
//! Everything the scenarios check is done by the toolkit's own client
//! ([`toolsmith::client::Client`]); this file only decides what to ask the server, and answers
//! sampling and elicitation requests like a cooperative user would (accepting a form with each
//! field's `default`).
//!
//! `.ci/conformance-client.sh` runs the scenarios; run one by hand with
//! `MCP_CONFORMANCE_SCENARIO=tools_call cargo run --example conformance_client -- <url>`.

use std::time::Duration;

use serde_json::{json, Map, Value};
use toolsmith::client::auth::OAuthConfig;
use toolsmith::client::{
    Client, ClientError, ElicitationMode, ElicitationRequest, HandlerError, Protocol,
    SamplingRequest,
};
use toolsmith::{ElicitResult, Root};

/// The stateless protocol revision.
const STATELESS: &str = "2026-07-28";
/// Where the authorization server sends the user back (never listened on: the redirect is
/// read from the authorization endpoint's answer).
const REDIRECT_URI: &str = "http://localhost:3000/callback";
/// The Client ID Metadata Document URL the `auth/basic-cimd` scenario expects.
const CLIENT_METADATA_URL: &str = "https://conformance-test.local/client-metadata.json";

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let Some(url) = std::env::args().skip(1).last() else {
        eprintln!("usage: conformance_client <server url> (scenario in MCP_CONFORMANCE_SCENARIO)");
        std::process::exit(2);
    };
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    let context: Value = std::env::var("MCP_CONFORMANCE_CONTEXT")
        .ok()
        .and_then(|c| serde_json::from_str(&c).ok())
        .unwrap_or(Value::Null);
    let stateless = std::env::var("MCP_CONFORMANCE_PROTOCOL_VERSION").as_deref() == Ok(STATELESS);
    eprintln!("conformance_client: scenario {scenario:?}, stateless {stateless}, url {url}");
    if let Err(e) = run(&scenario, &context, stateless, &url).await {
        eprintln!("conformance_client: {scenario}: {e}");
        std::process::exit(1);
    }
}

/// A client that answers whatever the server asks.
fn client(stateless: bool) -> toolsmith::client::ClientBuilder {
    Client::builder("toolsmith-conformance-client", env!("CARGO_PKG_VERSION"))
        .protocol(if stateless {
            Protocol::Stateless
        } else {
            Protocol::Legacy
        })
        .request_timeout(Duration::from_secs(20))
        .sampling_handler(|req: SamplingRequest| async move {
            Ok(format!("A reply to: {}", req.last_user_text()))
        })
        .elicitation_handler(elicit)
        .roots([Root::new("file:///tmp/conformance").with_name("conformance")])
}

/// Accept every form, filling each field with its `default` (SEP-1034) or a value of its type.
async fn elicit(req: ElicitationRequest) -> Result<ElicitResult, HandlerError> {
    if req.mode != ElicitationMode::Form {
        return Ok(ElicitResult::decline());
    }
    let mut content = Map::new();
    let properties = req
        .requested_schema
        .as_ref()
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for (name, schema) in properties.into_iter().flatten() {
        let value = match schema.get("default") {
            Some(default) => default.clone(),
            None => placeholder(schema),
        };
        content.insert(name.clone(), value);
    }
    Ok(ElicitResult::accept(content))
}

/// A value of a form field's type, for a field without a default.
fn placeholder(schema: &Value) -> Value {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => json!(true),
        Some("integer") => json!(1),
        Some("number") => json!(1.0),
        _ => json!("conformance"),
    }
}

/// The login of the `auth/*` scenarios: credentials from the scenario's context where it has
/// them, a Client ID Metadata Document URL, and the user-facing step done headlessly.
fn oauth(scenario: &str, context: &Value) -> OAuthConfig {
    let text = |key: &str| context.get(key).and_then(Value::as_str).map(str::to_owned);
    let config = OAuthConfig::new(REDIRECT_URI, follow_authorization)
        .client_name("toolsmith-conformance-client")
        .client_metadata_url(CLIENT_METADATA_URL);
    if let (Some(id), Some(key)) = (text("client_id"), text("private_key_pem")) {
        let algorithm = text("signing_algorithm").unwrap_or_else(|| "ES256".into());
        return config.client_credentials_jwt(id, key, algorithm);
    }
    match (text("client_id"), text("client_secret")) {
        (Some(id), Some(secret)) if scenario.starts_with("auth/client-credentials") => {
            config.client_credentials(id, secret)
        }
        (Some(id), secret) => config.pre_registered(id, secret, text("issuer")),
        _ => config,
    }
}

/// The user-facing step without a user: request the authorization URL and return where the
/// authorization server redirects (the mock servers approve at once).
async fn follow_authorization(url: String) -> Result<String, String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let response = http.get(&url).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("the authorization endpoint answered {status} without a redirect"))
}

async fn run(
    scenario: &str,
    context: &Value,
    stateless: bool,
    url: &str,
) -> Result<(), ClientError> {
    let mut builder = client(stateless);
    if scenario.starts_with("auth/") {
        builder = builder.oauth(oauth(scenario, context));
    }
    let c = builder.connect_http(url).await?;
    eprintln!(
        "conformance_client: connected ({:?}, {})",
        c.protocol(),
        c.protocol_version()
    );
    match scenario {
        "initialize" => {}
        // Every auth/* scenario: the protected server's one tool (the login happens on the way).
        s if s.starts_with("auth/") => {
            c.list_tools().await?;
            c.call_tool("test-tool", json!({})).await?;
        }
        "tools_call" => {
            c.list_tools().await?;
            let r = c.call_tool("add_numbers", json!({"a": 2, "b": 3})).await?;
            eprintln!("conformance_client: add_numbers -> {:?}", r.content);
        }
        "elicitation-sep1034-client-defaults" => {
            c.list_tools().await?;
            c.call_tool("test_client_elicitation_defaults", json!({}))
                .await?;
        }
        "sse-retry" => {
            // The mock takes any GET that arrives after the tools/call as the resumption of the
            // call's stream. The client also opens its standalone GET stream right after the
            // handshake; give it time to be up first, else (on a loaded machine) the mock
            // delivers the result on that stream and the retry/Last-Event-ID checks warn.
            tokio::time::sleep(Duration::from_millis(300)).await;
            c.list_tools().await?;
            c.call_tool("test_reconnection", json!({})).await?;
        }
        "sep-2322-client-request-state" => {
            c.list_tools().await?;
            // The echo flow and an unrelated call at once: the unrelated one must carry none of
            // the other flow's `inputResponses` / `requestState`.
            let (echo, unrelated) = futures::join!(
                c.call_tool("test_mrtr_echo_state", json!({})),
                c.call_tool("test_mrtr_unrelated", json!({}))
            );
            echo?;
            unrelated?;
            c.call_tool("test_mrtr_no_state", json!({})).await?;
            c.call_tool("test_mrtr_no_result_type", json!({})).await?;
        }
        "http-custom-headers" => {
            c.list_tools().await?;
            let calls = context
                .get("toolCalls")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for call in calls {
                let name = call.get("name").and_then(Value::as_str).unwrap_or_default();
                let arguments = call.get("arguments").cloned().unwrap_or(json!({}));
                c.call_tool(name, arguments).await?;
            }
        }
        "json-schema-2020-12-preservation" => {
            let tools = c.list_tools().await?;
            let schema = tools
                .iter()
                .find(|t| t.name == "json_schema_2020_12_tool")
                .map(|t| t.input_schema.clone())
                .unwrap_or(Value::Null);
            c.call_tool("json_schema_echo", json!({ "schema": schema }))
                .await?;
        }
        // request-metadata, http-standard-headers, http-invalid-tool-headers,
        // json-schema-ref-no-deref, and any other: use everything the server offers.
        _ => explore(&c).await,
    }
    c.close().await?;
    Ok(())
}

/// List tools, resources and prompts, and use each one (failures of single calls are reported
/// and skipped: the scenario, not this client, judges them).
async fn explore(c: &Client) {
    match c.list_tools().await {
        Ok(tools) => {
            for tool in tools {
                let args = arguments_for(&tool.input_schema);
                if let Err(e) = c.call_tool(&tool.name, args).await {
                    eprintln!("conformance_client: tools/call {}: {e}", tool.name);
                }
            }
        }
        Err(e) => eprintln!("conformance_client: tools/list: {e}"),
    }
    match c.request("resources/list", Value::Null).await {
        Ok(list) => {
            for uri in list["resources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["uri"].as_str())
            {
                if let Err(e) = c.read_resource(uri).await {
                    eprintln!("conformance_client: resources/read {uri}: {e}");
                }
            }
        }
        Err(e) => eprintln!("conformance_client: resources/list: {e}"),
    }
    match c.request("prompts/list", Value::Null).await {
        Ok(list) => {
            for prompt in list["prompts"].as_array().into_iter().flatten() {
                let Some(name) = prompt["name"].as_str() else {
                    continue;
                };
                let mut args = Map::new();
                for arg in prompt["arguments"].as_array().into_iter().flatten() {
                    if let Some(n) = arg["name"].as_str() {
                        args.insert(n.into(), json!("conformance"));
                    }
                }
                if let Err(e) = c.get_prompt(name, Value::Object(args)).await {
                    eprintln!("conformance_client: prompts/get {name}: {e}");
                }
            }
        }
        Err(e) => eprintln!("conformance_client: prompts/list: {e}"),
    }
}

/// Arguments for a tool: a value of the right type for each required property.
fn arguments_for(schema: &Value) -> Value {
    let mut args = Map::new();
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    for name in required.iter().filter_map(Value::as_str) {
        args.insert(name.into(), placeholder(&schema["properties"][name]));
    }
    Value::Object(args)
}
