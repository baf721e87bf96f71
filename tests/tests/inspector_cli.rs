//! The official MCP Inspector (`@modelcontextprotocol/inspector`, CLI mode `--cli`) against the
//! examples, over stdio and over streamable HTTP: list tools, call a tool, read a resource, get a
//! prompt, each answer checked. These are the commands the README's "MCP Inspector" snippet
//! shows, so the snippet is proven to work.
//!
//! Needs the Inspector in `.ci/cache/inspector` and Node 22 in `.ci/cache/node22`, both installed
//! by `bash .ci/setup-inspector.sh`; without them the tests are skipped with a message, or fail
//! under `TOOLSMITH_REQUIRE_INTEROP=1` (which `.ci/run` sets after running that script).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;
use toolsmith_tests::interop::{example_binary, show, workspace_root, HttpServer};
use toolsmith_tests::prerequisites::missing;

/// Upper bound for one Inspector run (it starts Node, connects, makes one request).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// Node 22 and the Inspector's launcher script, or `None` (after saying why) when not installed.
fn inspector(test: &str) -> Option<(PathBuf, PathBuf)> {
    let cache = workspace_root().join(".ci").join("cache");
    let node = cache.join("node22/node_modules/node/bin/node");
    let launcher = cache.join(
        "inspector/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js",
    );
    for path in [&node, &launcher] {
        if !path.is_file() {
            missing(
                test,
                &format!(
                    "the MCP Inspector is not installed: {} does not exist. Run \
                     `bash .ci/setup-inspector.sh` from the workspace root (it installs Node 22 \
                     and @modelcontextprotocol/inspector into .ci/cache from the npm registry).",
                    path.display()
                ),
            );
            return None;
        }
    }
    Some((node, launcher))
}

/// Run `node <launcher> --cli <args>` and return its stdout parsed as JSON; fail with its output
/// when it exits non-zero or prints something else.
async fn run(node: &Path, launcher: &Path, args: &[&str]) -> Value {
    let mut command = Command::new(node);
    command
        .arg(launcher)
        .arg("--cli")
        .args(args)
        // A catalog of its own: the CLI otherwise creates ~/.mcp-inspector/mcp.json.
        .env(
            "MCP_CATALOG_PATH",
            std::env::temp_dir().join(format!("toolsmith-inspector-{}.json", std::process::id())),
        )
        .stdin(Stdio::null())
        .kill_on_drop(true);
    // No OpenAI-compatible backend: `--fallback-model` answers with the offline model.
    for var in ["OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODELS"] {
        command.env_remove(var);
    }
    let output = tokio::time::timeout(RUN_TIMEOUT, command.output())
        .await
        .unwrap_or_else(|_| panic!("the Inspector did not finish within {RUN_TIMEOUT:?}: {args:?}"))
        .unwrap_or_else(|e| panic!("could not start {}: {e}", node.display()));
    let stdout = show(&output.stdout);
    assert!(
        output.status.success(),
        "inspector --cli {args:?} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        output.status,
        show(&output.stderr)
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("inspector --cli {args:?} printed non-JSON ({e}):\n{stdout}"))
}

/// The text of the first content block of a result (`content`, `contents` or a prompt message).
fn first_text(result: &Value, list: &str) -> String {
    let item = &result[list][0];
    item["text"]
        .as_str()
        .or_else(|| item["content"]["text"].as_str())
        .unwrap_or_else(|| panic!("no text in {list}[0] of {result}"))
        .to_owned()
}

/// The four checks against `everything_server`, reached through `target` (the server's command
/// or its URL).
async fn check_everything(node: &Path, launcher: &Path, target: &str) {
    let tools = run(node, launcher, &[target, "--method", "tools/list"]).await;
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools array in {tools}"))
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"test_simple_text"), "tools/list: {names:?}");
    assert!(
        names.contains(&"test_error_handling"),
        "tools/list: {names:?}"
    );

    let call = run(
        node,
        launcher,
        &[
            target,
            "--method",
            "tools/call",
            "--tool-name",
            "test_simple_text",
        ],
    )
    .await;
    assert_eq!(
        first_text(&call, "content"),
        "This is a simple text response for testing.",
        "tools/call: {call}"
    );
    assert_ne!(call["isError"], true, "tools/call: {call}");

    let read = run(
        node,
        launcher,
        &[
            target,
            "--method",
            "resources/read",
            "--uri",
            "test://static-text",
        ],
    )
    .await;
    assert_eq!(read["contents"][0]["uri"], "test://static-text", "{read}");
    assert_eq!(
        first_text(&read, "contents"),
        "This is the content of the static text resource.",
        "resources/read: {read}"
    );

    let prompt = run(
        node,
        launcher,
        &[
            target,
            "--method",
            "prompts/get",
            "--prompt-name",
            "test_prompt_with_arguments",
            "--prompt-args",
            "arg1=first",
            "arg2=second",
        ],
    )
    .await;
    assert_eq!(prompt["messages"][0]["role"], "user", "{prompt}");
    let text = first_text(&prompt, "messages");
    assert!(
        text.contains("arg1='first'") && text.contains("arg2='second'"),
        "prompts/get: {prompt}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_cli_over_stdio() {
    let Some((node, launcher)) = inspector("inspector_cli_over_stdio") else {
        return;
    };
    let server = tokio::task::spawn_blocking(|| example_binary("everything_server"))
        .await
        .expect("building the examples panicked");
    check_everything(&node, &launcher, &server.display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_cli_over_streamable_http() {
    let Some((node, launcher)) = inspector("inspector_cli_over_streamable_http") else {
        return;
    };
    let server = tokio::task::spawn_blocking(|| example_binary("everything_server"))
        .await
        .expect("building the examples panicked");
    let http = HttpServer::start(&server).await;
    check_everything(&node, &launcher, &http.url).await;
    http.stop().await;
}

/// The README's sampling note: the Inspector's CLI cannot sample, and `--fallback-model` still
/// gets it a real label from the server's own model. Arguments after `--` go to the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspector_cli_gets_a_label_from_the_fallback_model() {
    let Some((node, launcher)) = inspector("inspector_cli_gets_a_label_from_the_fallback_model")
    else {
        return;
    };
    let server = tokio::task::spawn_blocking(|| example_binary("sentiment_server"))
        .await
        .expect("building the examples panicked");
    let server = server.display().to_string();
    let args = [
        "--method",
        "tools/call",
        "--tool-name",
        "analyze_sentiment",
        "--tool-arg",
        "text=I love it, it is wonderful",
        "--",
        &server,
        "--fallback-model",
    ];
    let answer = run(&node, &launcher, &args).await;
    assert_eq!(answer["structuredContent"]["label"], "positive", "{answer}");
    assert_eq!(
        answer["structuredContent"]["model"], "lexicon-sentiment-v1",
        "{answer}"
    );
}
