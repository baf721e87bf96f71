//! Interop test: the official Python MCP SDK (`mcp==2.3.0`, legacy mode,
//! protocol 2025-11-25 over stdio) drives the `sentiment_server` example.
//!
//! Needs `<workspace>/.venv` made by `bash .ci/setup-python.sh`; without it the test is skipped
//! with a message, or fails under `TOOLSMITH_REQUIRE_INTEROP=1` (which `.ci/run` sets). The checks themselves live in
//! `tests/interop/python/sentiment_legacy.py`.

use toolsmith_tests::interop::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_legacy_mode_talks_to_sentiment_server() {
    let workspace = workspace_root();
    // Check the venv first: no point building when the client side is absent.
    let Some(python) = venv_python(
        &workspace,
        "python_sdk_legacy_mode_talks_to_sentiment_server",
    ) else {
        return;
    };
    let server = build_server(&workspace).await;
    let script = python_script(&workspace, "sentiment_legacy.py");
    let args = [server.display().to_string()];
    run_interop_script(&python, &script, &args, &workspace, PYTHON_ENV, async {
        String::new()
    })
    .await;
}
