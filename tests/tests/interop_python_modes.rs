//! Interop tests: the official Python MCP SDK (`mcp==2.3.0`) drives the `sentiment_server`
//! example in the modes `interop_python.rs` (legacy over stdio) does not cover:
//!
//! * legacy mode (`initialize`, protocol 2025-11-25) over streamable HTTP;
//! * the default `auto` mode, which negotiates protocol 2026-07-28 through `server/discover`
//!   (sampling by multi round-trip requests), over stdio and over streamable HTTP.
//!
//! Needs `<workspace>/.venv` made by `bash .ci/setup-python.sh`; each test fails (never skips)
//! when that venv is missing. The checks live in `tests/interop/python/` (`sentiment_legacy.py`,
//! `sentiment_auto.py`, shared `sentiment_checks.py`); every script prints one line per check and
//! ends with `N passed, 0 failed`. The HTTP server listens on a free loopback port only.

use std::path::Path;
use std::process::Stdio;

use tokio::process::Command;
use toolsmith_tests::interop::*;

/// The scripts measure concurrency against wall-clock limits; on a small machine two runs at
/// once would compete for the cores, so the tests of this binary take turns.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Run `python script args...`; assert exit 0 and a `N passed, 0 failed` summary; print the output.
async fn run_script(
    workspace: &Path,
    python: &Path,
    script_name: &str,
    args: &[String],
    server_log: impl std::future::Future<Output = String>,
) {
    let script = workspace
        .join("tests")
        .join("interop")
        .join("python")
        .join(script_name);
    assert!(script.is_file(), "missing {}", script.display());
    let child = Command::new(python)
        .arg(&script)
        .args(args)
        .current_dir(workspace)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", python.display()));
    let output = match tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output()).await {
        Ok(result) => result.expect("waiting for the python interop script"),
        Err(_) => panic!(
            "{script_name} did not finish within {}s",
            SCRIPT_TIMEOUT.as_secs()
        ),
    };
    let server_log = server_log.await;
    let stdout = show(&output.stdout);
    let stderr = show(&output.stderr);
    let command = format!(
        "{} {} {}",
        python.display(),
        script.display(),
        args.join(" ")
    );
    assert!(
        output.status.success(),
        "python interop script failed ({})\ncommand: {command}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- server stderr (HTTP) ---\n{server_log}",
        output.status,
    );
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 passed"),
        "{script_name} exited 0 but its summary line is {last:?}\ncommand: {command}\n--- stdout ---\n{stdout}"
    );
    // Visible with `--nocapture`: one line per check, then `N passed, 0 failed`.
    println!(
        "--- {script_name} {} stdout ---\n{stdout}",
        args.first().map_or("", String::as_str)
    );
    if !stderr.trim().is_empty() {
        println!("--- {script_name} stderr (client, and server on stdio) ---\n{stderr}");
    }
}

async fn over_stdio(script_name: &str) {
    let _turn = SERIAL.lock().await;
    let workspace = workspace_root();
    // Check the venv first: no point building when the client side is absent.
    let python = venv_python(&workspace);
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
    let python = venv_python(&workspace);
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
