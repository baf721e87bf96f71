//! Running the official conformance suite's scripts (`.ci/conformance.sh`,
//! `.ci/conformance-client.sh`), which install Node 22 and `@modelcontextprotocol/conformance`
//! into `.ci/cache` on first use.

use std::process::Command;

use crate::interop::workspace_root;
use crate::prerequisites::missing;

/// Run `bash .ci/<script>` from the workspace root after checking that npm is on PATH (the first
/// run installs from the npm registry); assert it exits 0 and return its stdout. Without npm,
/// `None` after [`missing`] said why (the caller skips `test`), or a failure under
/// `TOOLSMITH_REQUIRE_INTEROP`.
pub fn run_conformance_script(test: &str, script: &str) -> Option<String> {
    run_conformance_script_with(test, script, &[])
}

/// [`run_conformance_script`] with arguments for the script (e.g. `--url URL`).
pub fn run_conformance_script_with(test: &str, script: &str, args: &[&str]) -> Option<String> {
    let root = workspace_root();
    let path = root.join(".ci").join(script);
    assert!(path.is_file(), "{} is missing", path.display());
    let npm = Command::new("npm").arg("--version").output();
    if !npm.as_ref().is_ok_and(|o| o.status.success()) {
        missing(
            test,
            &format!(
                "{script} needs npm on PATH (it installs Node 22 and \
                 @modelcontextprotocol/conformance from the npm registry): {npm:?}"
            ),
        );
        return None;
    }
    let output = Command::new("bash")
        .arg(&path)
        .args(args)
        .current_dir(&root)
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} {args:?} failed ({}):\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        path.display(),
        output.status
    );
    Some(stdout)
}
