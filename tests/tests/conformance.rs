//! The official MCP conformance suite against `examples/everything_server.rs`: runs
//! `.ci/conformance.sh` (which installs Node 22 and the suite into `.ci/cache` on first use, so
//! the first run needs npm and the npm registry) and requires every run to pass.

use std::path::Path;
use std::process::Command;

#[test]
fn conformance_suite_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives in the workspace");
    let script = root.join(".ci/conformance.sh");
    assert!(script.is_file(), "{} is missing", script.display());
    let npm = Command::new("npm").arg("--version").output();
    assert!(
        npm.as_ref().is_ok_and(|o| o.status.success()),
        "the conformance test needs npm on PATH (it installs Node 22 and \
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
    println!("{stdout}");
}
