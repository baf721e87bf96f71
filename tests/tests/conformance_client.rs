//! The client mode of the official MCP conformance suite against the toolkit's client: runs
//! `.ci/conformance-client.sh` (which builds `examples/conformance_client.rs` and installs Node 22
//! and the suite into `.ci/cache` on first use, so the first run needs npm and the npm registry)
//! and requires every scenario it runs to pass.

use std::path::Path;
use std::process::Command;

#[test]
fn client_conformance_suite_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives in the workspace");
    let script = root.join(".ci/conformance-client.sh");
    assert!(script.is_file(), "{} is missing", script.display());
    let npm = Command::new("npm").arg("--version").output();
    assert!(
        npm.as_ref().is_ok_and(|o| o.status.success()),
        "the client conformance test needs npm on PATH (it installs Node 22 and \
         @modelcontextprotocol/conformance from the npm registry): {npm:?}"
    );

    let output = Command::new("bash")
        .arg(&script)
        .current_dir(root)
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        script.display(),
        output.status
    );
    assert!(
        stdout.contains("client conformance passed"),
        "the script exited 0 without its final verdict:\n{stdout}"
    );
    println!("{stdout}");
}
