//! Interop tests: the official Python MCP SDK (`mcp==2.3.0`) drives the `sentiment_server`
//! example in the modes `interop_python.rs` (legacy over stdio) does not cover:
//!
//! * legacy mode (`initialize`, protocol 2025-11-25) over streamable HTTP;
//! * the default `auto` mode, which negotiates protocol 2026-07-28 through `server/discover`
//!   (sampling by multi round-trip requests), over stdio and over streamable HTTP.
//!
//! Needs `<workspace>/.venv` made by `bash .ci/setup-python.sh`; without it each test is skipped
//! with a message, or fails under `TOOLSMITH_REQUIRE_INTEROP=1` (which `.ci/run` sets). The checks live in `tests/interop/python/` (`sentiment_legacy.py`,
//! `sentiment_auto.py`, shared `sentiment_checks.py`); every script prints one line per check and
//! ends with `N passed, 0 failed`. The HTTP server listens on a free loopback port only.

use std::path::Path;
use toolsmith_tests::interop::*;

/// The scripts measure concurrency against wall-clock limits; on a small machine two runs at
/// once would compete for the cores, so the tests of this binary take turns.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Run `python script args...` (a script of tests/interop/python).
async fn run_script(
    workspace: &Path,
    python: &Path,
    script_name: &str,
    args: &[String],
    server_log: impl std::future::Future<Output = String>,
) {
    let script = python_script(workspace, script_name);
    run_interop_script(python, &script, args, workspace, PYTHON_ENV, server_log).await;
}

async fn over_stdio(script_name: &str) {
    let _turn = SERIAL.lock().await;
    let workspace = workspace_root();
    // Check the venv first: no point building when the client side is absent.
    let Some(python) = venv_python(&workspace, script_name) else {
        return;
    };
    let server = build_server(&workspace).await;
    let args = vec![server.display().to_string()];
    run_script(&workspace, &python, script_name, &args, async {
        String::new()
    })
    .await;
}

async fn over_http(script_name: &str) {
    let _turn = SERIAL.lock().await;
    let workspace = workspace_root();
    let Some(python) = venv_python(&workspace, script_name) else {
        return;
    };
    let server = build_server(&workspace).await;
    let http = HttpServer::start(&server).await;
    let args = vec!["--url".to_string(), http.url.clone()];
    run_script(&workspace, &python, script_name, &args, http.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_legacy_mode_over_streamable_http() {
    over_http("sentiment_legacy.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_auto_mode_2026_over_stdio() {
    over_stdio("sentiment_auto.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_auto_mode_2026_over_streamable_http() {
    over_http("sentiment_auto.py").await;
}
