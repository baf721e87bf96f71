//! Interop tests: the official TypeScript MCP SDKs drive the `sentiment_server` example, over
//! stdio and over streamable HTTP:
//!
//! * `@modelcontextprotocol/sdk` 1.32.x (`Client` + `StdioClientTransport` /
//!   `StreamableHTTPClientTransport`, the `initialize` handshake at protocol 2025-11-25, sampling
//!   as live server->client requests);
//! * `@modelcontextprotocol/client` 2.4.x with `versionNegotiation: { mode: 'auto' }`, which
//!   negotiates protocol 2026-07-28 through `server/discover` (sampling by multi round-trip
//!   requests).
//!
//! Needs `tests/interop/ts/node_modules` made by `bash .ci/setup-node.sh` (`npm ci` of the pinned
//! versions) and Node.js >= 20 (`node` on PATH, or `$TOOLSMITH_NODE`); each test fails (never
//! skips) when they are missing. The checks live in `tests/interop/ts/` (`sentiment_sdk1.mjs`,
//! `sentiment_client2.mjs`, shared `checks.mjs`); every script prints one line per check and ends
//! with `N passed, 0 failed`. The HTTP server listens on a free loopback port only.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
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

fn ts_dir(workspace: &Path) -> PathBuf {
    workspace.join("tests").join("interop").join("ts")
}

fn setup_hint(workspace: &Path) -> String {
    format!(
        "Run `bash .ci/setup-node.sh` from the workspace root ({}) to install them \
         (`npm ci` in tests/interop/ts, with Node.js >= 20), then rerun this test.",
        workspace.display()
    )
}

/// The Node.js binary, checked to run and to be >= 20; and the installed SDKs, checked to be the
/// versions tests/interop/ts/package.json pins.
async fn node_and_sdks(workspace: &Path) -> PathBuf {
    let node = PathBuf::from(std::env::var_os("TOOLSMITH_NODE").unwrap_or_else(|| "node".into()));
    let version = Command::new(&node)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .await
        .ok()
        .filter(|o| o.status.success())
        .map(|o| show(&o.stdout).trim().to_owned());
    let Some(version) = version else {
        panic!(
            "\n\nNode.js not found: `{} --version` did not run. The TypeScript interop tests need \
             Node.js >= 20 on PATH (or TOOLSMITH_NODE). {}\n",
            node.display(),
            setup_hint(workspace)
        );
    };
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    assert!(
        major >= 20,
        "Node.js {version} is too old for @modelcontextprotocol/client (needs >= 20). {}",
        setup_hint(workspace)
    );
    let dir = ts_dir(workspace);
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("package.json"))
            .expect("reading tests/interop/ts/package.json"),
    )
    .expect("tests/interop/ts/package.json is JSON");
    let pins = manifest["dependencies"]
        .as_object()
        .expect("package.json has dependencies");
    for (name, pinned) in pins {
        let installed = dir.join("node_modules").join(name).join("package.json");
        let Ok(text) = std::fs::read_to_string(&installed) else {
            panic!(
                "\n\nTypeScript interop dependencies missing: {} does not exist. {}\n",
                installed.display(),
                setup_hint(workspace)
            );
        };
        let version: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            version["version"].as_str(),
            pinned.as_str(),
            "{name} in tests/interop/ts/node_modules is not the pinned version. {}",
            setup_hint(workspace)
        );
    }
    node
}

/// Run `node script args...`; assert exit 0 and a `N passed, 0 failed` summary; print the output.
async fn run_script(
    workspace: &Path,
    node: &Path,
    script_name: &str,
    args: &[String],
    server_log: impl std::future::Future<Output = String>,
) {
    let dir = ts_dir(workspace);
    let script = dir.join(script_name);
    assert!(script.is_file(), "missing {}", script.display());
    let child = Command::new(node)
        .arg(&script)
        .args(args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", node.display()));
    let output = match tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output()).await {
        Ok(result) => result.expect("waiting for the node interop script"),
        Err(_) => panic!(
            "{script_name} did not finish within {}s",
            SCRIPT_TIMEOUT.as_secs()
        ),
    };
    let server_log = server_log.await;
    let stdout = show(&output.stdout);
    let stderr = show(&output.stderr);
    let command = format!("{} {} {}", node.display(), script.display(), args.join(" "));
    assert!(
        output.status.success(),
        "node interop script failed ({})\ncommand: {command}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}\n--- server stderr (HTTP) ---\n{server_log}",
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
    // Check the client side first: no point building when it is absent.
    let node = node_and_sdks(&workspace).await;
    let server = build_server(&workspace).await;
    let args = vec![server.display().to_string()];
    run_script(&workspace, &node, script_name, &args, async {
        String::new()
    })
    .await;
}

async fn over_http(script_name: &str) {
    let _turn = SERIAL.lock().await;
    let workspace = workspace_root();
    let node = node_and_sdks(&workspace).await;
    let server = build_server(&workspace).await;
    let http = HttpServer::start(&server).await;
    let args = vec!["--url".to_string(), http.url.clone()];
    run_script(&workspace, &node, script_name, &args, http.stop()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts_sdk_1_32_legacy_over_stdio() {
    over_stdio("sentiment_sdk1.mjs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts_sdk_1_32_legacy_over_streamable_http() {
    over_http("sentiment_sdk1.mjs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts_client_2_4_auto_mode_2026_over_stdio() {
    over_stdio("sentiment_client2.mjs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts_client_2_4_auto_mode_2026_over_streamable_http() {
    over_http("sentiment_client2.mjs").await;
}
