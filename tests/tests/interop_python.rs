//! Interop test: the official Python MCP SDK (`mcp==2.3.0`, legacy mode,
//! protocol 2025-11-25 over stdio) drives the `sentiment_server` example.
//!
//! Needs `<workspace>/.venv` made by `bash .ci/setup-python.sh`; the test fails
//! (it never skips) when that venv is missing. The checks themselves live in
//! `tests/interop/python/sentiment_legacy.py`.

use std::process::Stdio;
use toolsmith_tests::interop::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_legacy_mode_talks_to_sentiment_server() {
    let workspace = workspace_root();
    // Check the venv first: no point building when the client side is absent.
    let python = venv_python(&workspace);
    let server = build_server(&workspace).await;
    let script = workspace
        .join("tests")
        .join("interop")
        .join("python")
        .join("sentiment_legacy.py");
    assert!(script.is_file(), "missing {}", script.display());

    let child = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(&server)
        .current_dir(&workspace)
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
            "the python interop script did not finish within {}s",
            SCRIPT_TIMEOUT.as_secs()
        ),
    };
    let stdout = show(&output.stdout);
    let stderr = show(&output.stderr);
    assert!(
        output.status.success(),
        "python interop script failed ({})\ncommand: {} {} {}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status,
        python.display(),
        script.display(),
        server.display(),
    );
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.ends_with(" passed, 0 failed") && !last.starts_with("0 passed"),
        "the script exited 0 but its summary line is {last:?}\n--- stdout ---\n{stdout}"
    );
    // Visible with `--nocapture`: one line per check, then `N passed, 0 failed`.
    println!("--- sentiment_legacy.py stdout ---\n{stdout}");
    if !stderr.trim().is_empty() {
        println!("--- sentiment_legacy.py stderr (client + server) ---\n{stderr}");
    }
}
