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
//! versions) and Node.js >= 20 (`node` on PATH, or `$TOOLSMITH_NODE`); when the SDKs are not
//! installed each test is skipped with a message, or fails under `TOOLSMITH_REQUIRE_INTEROP=1`
//! (which `.ci/run` sets). A Node.js that is present but too old, or SDKs of other versions,
//! always fail. The checks live in `tests/interop/ts/` (`sentiment_sdk1.mjs`,
//! `sentiment_client2.mjs`, shared `checks.mjs`); every script prints one line per check and ends
//! with `N passed, 0 failed`. The HTTP server listens on a free loopback port only.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::process::Command;
use toolsmith_tests::interop::*;

/// The scripts measure concurrency against wall-clock limits; on a small machine two runs at
/// once would compete for the cores, so the tests of this binary take turns.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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
/// versions tests/interop/ts/package.json pins. `None` (after saying why) when Node.js or the
/// SDKs are not installed: the caller skips the test.
async fn node_and_sdks(workspace: &Path, test: &str) -> Option<PathBuf> {
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
        toolsmith_tests::prerequisites::missing(
            test,
            &format!(
                "Node.js not found: `{} --version` did not run. The TypeScript interop tests \
                 need Node.js >= 20 on PATH (or TOOLSMITH_NODE). {}",
                node.display(),
                setup_hint(workspace)
            ),
        );
        return None;
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
            toolsmith_tests::prerequisites::missing(
                test,
                &format!(
                    "TypeScript interop dependencies missing: {} does not exist. {}",
                    installed.display(),
                    setup_hint(workspace)
                ),
            );
            return None;
        };
        let version: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(
            version["version"].as_str(),
            pinned.as_str(),
            "{name} in tests/interop/ts/node_modules is not the pinned version. {}",
            setup_hint(workspace)
        );
    }
    Some(node)
}

/// Run `node script args...` (a script of tests/interop/ts, run from that folder).
async fn run_script(
    workspace: &Path,
    node: &Path,
    script_name: &str,
    args: &[String],
    server_log: impl std::future::Future<Output = String>,
) {
    let dir = ts_dir(workspace);
    run_interop_script(node, &dir.join(script_name), args, &dir, &[], server_log).await;
}

async fn over_stdio(script_name: &str) {
    let _turn = SERIAL.lock().await;
    let workspace = workspace_root();
    // Check the client side first: no point building when it is absent.
    let Some(node) = node_and_sdks(&workspace, script_name).await else {
        return;
    };
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
    let Some(node) = node_and_sdks(&workspace, script_name).await else {
        return;
    };
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

/// Both SDKs read tools returning non-object values (tests/src/output_shapes.rs, served in this
/// process over streamable HTTP): SDK 1.32 in 2025-11-25 (wrapped as `{"result": ...}`) and
/// client 2.4 in 2026-07-28 (as they are); `output_shapes.mjs` holds the checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ts_sdks_read_non_object_outputs_in_both_eras() {
    let _turn = SERIAL.lock().await;
    let workspace = workspace_root();
    let Some(node) = node_and_sdks(&workspace, "output_shapes.mjs").await else {
        return;
    };
    let router = toolsmith_tests::output_shapes::server()
        .into_http_router(toolsmith::HttpConfig::default())
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move { axum::serve(listener, router).await });
    let args = vec!["--url".to_owned(), format!("http://{addr}/mcp")];
    run_script(&workspace, &node, "output_shapes.mjs", &args, async {
        String::new()
    })
    .await;
    serving.abort();
}
