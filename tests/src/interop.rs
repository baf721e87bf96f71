//! Shared by the interop tests: locating the workspace, building an example, the Python venv,
//! running a client script of an official SDK, and a `sentiment_server --http` child on a free
//! loopback port.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

/// Generous upper bound for one script run; the scripts have their own 120 s limit, this only
/// guards against a wedged process.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// How long the HTTP server may take to accept connections.
pub const LISTEN_TIMEOUT: Duration = Duration::from_secs(20);

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives one level below the workspace root")
        .to_path_buf()
}

pub fn target_dir(workspace: &Path) -> PathBuf {
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

pub fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Build the examples once per test process and return the path of the executable `name`.
///
/// It runs `cargo build --workspace --examples` (with the `cargo` running the tests) rather than
/// `--example NAME`: selecting the whole workspace resolves dependency features exactly as
/// `cargo test --workspace` does, so the examples reuse the test build's artifacts instead of
/// building every dependency a second time with other features (which doubled CI's disk use).
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap();
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(&cargo)
        .args(["build", "--workspace", "--examples"])
        .current_dir(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run `{cargo} build --workspace --examples`: {e}"));
    assert!(
        output.status.success(),
        "`cargo build --workspace --examples` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        show(&output.stdout),
        show(&output.stderr),
    );
    let path = target_dir(&root)
        .join("debug")
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "the build succeeded but {} does not exist",
        path.display()
    );
    built.insert(name.to_owned(), path.clone());
    path
}

/// The `sentiment_server` example, built.
pub async fn build_server(_workspace: &Path) -> PathBuf {
    tokio::task::spawn_blocking(|| example_binary("sentiment_server"))
        .await
        .expect("building the server panicked")
}

/// The interop venv's Python, or `None` (after [`prerequisites::missing`] said why) when
/// `.ci/setup-python.sh` has not made it: the caller then skips the test.
///
/// [`prerequisites::missing`]: crate::prerequisites::missing
pub fn venv_python(workspace: &Path, test: &str) -> Option<PathBuf> {
    let python = workspace.join(".venv").join("bin").join("python");
    if python.exists() {
        return Some(python);
    }
    crate::prerequisites::missing(
        test,
        &format!(
            "the Python interop venv is missing: {} does not exist. Run `bash .ci/setup-python.sh` \
             from the workspace root ({}) to create it (it installs mcp==2.3.0 from \
             tests/interop/python/requirements.txt).",
            python.display(),
            workspace.display()
        ),
    );
    None
}

/// The environment the Python interop scripts run with (unbuffered output, no `.pyc` files in
/// the repository).
pub const PYTHON_ENV: &[(&str, &str)] =
    &[("PYTHONUNBUFFERED", "1"), ("PYTHONDONTWRITEBYTECODE", "1")];

/// The path of the Python interop script `name` (in tests/interop/python).
pub fn python_script(workspace: &Path, name: &str) -> PathBuf {
    workspace
        .join("tests")
        .join("interop")
        .join("python")
        .join(name)
}

/// Run `program script args...` in `dir` with `envs`; assert that it exits 0 within
/// [`SCRIPT_TIMEOUT`] and that its last line is a `N passed, 0 failed` summary with N > 0; print
/// its output (visible with `--nocapture`). `server_log` is awaited once the script ended (the
/// HTTP server's stderr, or nothing when the script spawned the server itself) and shown on
/// failure.
pub async fn run_interop_script(
    program: &Path,
    script: &Path,
    args: &[String],
    dir: &Path,
    envs: &[(&str, &str)],
    server_log: impl std::future::Future<Output = String>,
) {
    assert!(script.is_file(), "missing {}", script.display());
    let script_name = script.file_name().map_or_else(
        || script.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let child = Command::new(program)
        .arg(script)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", program.display()));
    let output = match tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output()).await {
        Ok(result) => result.unwrap_or_else(|e| panic!("waiting for {script_name}: {e}")),
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
        program.display(),
        script.display(),
        args.join(" ")
    );
    assert!(
        output.status.success(),
        "{script_name} failed ({})\ncommand: {command}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- server stderr (HTTP) ---\n{server_log}",
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
    // One line per check, then `N passed, 0 failed`.
    println!(
        "--- {script_name} {} stdout ---\n{stdout}",
        args.first().map_or("", String::as_str)
    );
    if !stderr.trim().is_empty() {
        println!("--- {script_name} stderr (client, and server on stdio) ---\n{stderr}");
    }
}

/// A `sentiment_server --http` child on a free loopback port; its stderr is collected so that a
/// failure can show it. Killed on drop.
pub struct HttpServer {
    child: Child,
    pub url: String,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl HttpServer {
    pub async fn start(server: &Path) -> HttpServer {
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

    pub async fn stop(mut self) -> String {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
        let bytes = self.stderr.lock().unwrap().clone();
        show(&bytes)
    }
}
