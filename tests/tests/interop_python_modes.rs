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

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// Generous upper bound for one script run; the scripts have their own 120 s limit, this only
/// guards against a wedged process.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the HTTP server may take to accept connections.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(20);

/// The scripts measure concurrency against wall-clock limits; on a small machine two runs at
/// once would compete for the cores, so the tests of this binary take turns.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
    let output = Command::new(&cargo)
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

/// A `sentiment_server --http` child on a free loopback port; its stderr is collected so that a
/// failure can show it. Killed on drop.
struct HttpServer {
    child: Child,
    url: String,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl HttpServer {
    async fn start(server: &Path) -> HttpServer {
        let mut last_failure = String::new();
        // A port found free can be taken before the server binds it: try a few.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("binding an ephemeral loopback port")
                .port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut child = Command::new(server)
                .arg("--http")
                .arg(addr.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {}: {e}", server.display()));
            let stderr = Arc::new(Mutex::new(Vec::new()));
            let mut pipe = child.stderr.take().expect("stderr is piped");
            let sink = stderr.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            });
            let deadline = Instant::now() + LISTEN_TIMEOUT;
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last_failure = format!(
                        "the server exited with {status} before listening on {addr}\n--- server stderr ---\n{}",
                        show(&stderr.lock().unwrap())
                    );
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return HttpServer {
                        child,
                        url: format!("http://{addr}/mcp"),
                        stderr,
                    };
                }
                if Instant::now() > deadline {
                    panic!(
                        "{} --http {addr} did not accept connections within {}s\n--- server stderr ---\n{}",
                        server.display(),
                        LISTEN_TIMEOUT.as_secs(),
                        show(&stderr.lock().unwrap())
                    );
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!("could not start the HTTP server: {last_failure}");
    }

    async fn stop(mut self) -> String {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
        let bytes = self.stderr.lock().unwrap().clone();
        show(&bytes)
    }
}

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
