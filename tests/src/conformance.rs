//! Running the official conformance suite's scripts (`.ci/conformance.sh`,
//! `.ci/conformance-client.sh`), which install Node 22 and `@modelcontextprotocol/conformance`
//! into `.ci/cache` on first use.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::interop::workspace_root;
use crate::prerequisites::missing;

/// Run `bash .ci/<script>` from the workspace root after checking that npm is on PATH (the first
/// run installs from the npm registry); assert it exits 0 and return its stdout. Without npm,
/// `None` after [`missing`] said why (the caller skips `test`), or a failure under
/// `TOOLSMITH_REQUIRE_INTEROP`.
pub fn run_conformance_script(test: &str, script: &str) -> Option<String> {
    run_conformance_script_with(test, script, &[], &[])
}

/// [`run_conformance_script`] with arguments (e.g. `--url URL`) and environment variables (e.g.
/// `CONFORMANCE_RESULTS`) for the script.
pub fn run_conformance_script_with(
    test: &str,
    script: &str,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> Option<String> {
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
        .envs(envs.iter().copied())
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

/// The checks that passed in the conformance results under `dir` (what `.ci/conformance.sh`
/// writes: a directory per run, in it one per scenario with a `checks.json`), each as
/// `run / scenario / check id`.
pub fn passed_checks(dir: &Path) -> BTreeSet<String> {
    let mut passed = BTreeSet::new();
    let entries = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("reading {}: {e}", d.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect::<Vec<_>>()
    };
    for run in entries(dir) {
        let run_name = run.file_name().unwrap().to_string_lossy().into_owned();
        for scenario in entries(&run) {
            let file = scenario.join("checks.json");
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            // `server-NAME-2026-12-04T19-02-31-565Z`: the name without the time.
            let name = scenario.file_name().unwrap().to_string_lossy().into_owned();
            let name = name.strip_prefix("server-").unwrap_or(&name);
            let name = name.get(..name.len().saturating_sub(25)).unwrap_or(name);
            let checks: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for check in checks.as_array().into_iter().flatten() {
                if check["status"] == "SUCCESS" {
                    passed.insert(format!("{run_name} / {name} / {}", check["id"]));
                }
            }
        }
    }
    passed
}
