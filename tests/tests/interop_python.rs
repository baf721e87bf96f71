//! Interop test: the official Python MCP SDK (`mcp==2.3.0`, legacy mode,
//! protocol 2025-11-25 over stdio) drives the `sentiment_server` example.
//!
//! Needs `<workspace>/.venv` made by `bash .ci/setup-python.sh`; the test fails
//! (it never skips) when that venv is missing. The checks themselves live in
//! `tests/interop/python/sentiment_legacy.py`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Generous upper bound for the whole Python run; the script has its own
/// 120 s limit, this only guards against a wedged process.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the workspace root")
        .to_path_buf()
}

fn target_dir(workspace: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        }
        None => workspace.join("target"),
    }
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn build_server(workspace: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = tokio::process::Command::new(&cargo)
        .args(["build", "--example", "sentiment_server"])
        .current_dir(workspace)
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap_or_else(|e| {
            panic!("could not run `{cargo} build --example sentiment_server`: {e}")
        });
    assert!(
        output.status.success(),
        "`cargo build --example sentiment_server` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        show(&output.stdout),
        show(&output.stderr),
    );
    let server = target_dir(workspace)
        .join("debug")
        .join("examples")
        .join(format!("sentiment_server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        server.is_file(),
        "the build succeeded but {} does not exist",
        server.display()
    );
    server
}

fn venv_python(workspace: &Path) -> PathBuf {
    let python = workspace.join(".venv").join("bin").join("python");
    if !python.exists() {
        panic!(
            "\n\nPython interop venv missing: {} does not exist.\n\
             Run `bash .ci/setup-python.sh` from the workspace root ({}) to create it \
             (it installs mcp==2.3.0 from tests/interop/python/requirements.txt), \
             then rerun this test.\n",
            python.display(),
            workspace.display()
        );
    }
    python
}

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
