//! Interop test: the official Python MCP SDK (`mcp==2.3.0`) calls tools that return non-object
//! values (tests/src/output_shapes.rs) over streamable HTTP, in both eras: `mode="legacy"`
//! (2025-11-25: schemas and values wrapped as `{"result": ...}`) and `mode="auto"`
//! (2026-07-28: the tool's own schema and value). The SDK validates each `structuredContent`
//! against the listed `outputSchema`; the checks live in `tests/interop/python/output_shapes.py`.
//!
//! Needs `<workspace>/.venv` made by `bash .ci/setup-python.sh`; without it the test is skipped
//! with a message, or fails under `TOOLSMITH_REQUIRE_INTEROP=1`. The server runs in this process,
//! on a free loopback port.

use toolsmith::HttpConfig;
use toolsmith_tests::interop::*;
use toolsmith_tests::output_shapes::server;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_reads_non_object_outputs_in_both_eras() {
    let workspace = workspace_root();
    let test = "python_sdk_reads_non_object_outputs_in_both_eras";
    let Some(python) = venv_python(&workspace, test) else {
        return;
    };
    let router = server().into_http_router(HttpConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move { axum::serve(listener, router).await });
    let script = python_script(&workspace, "output_shapes.py");
    let args = ["--url".to_owned(), format!("http://{addr}/mcp")];
    run_interop_script(&python, &script, &args, &workspace, PYTHON_ENV, async {
        String::new()
    })
    .await;
    serving.abort();
}
