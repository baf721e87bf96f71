//! The official MCP conformance suite against `examples/everything_server.rs`: runs
//! `.ci/conformance.sh` (which installs Node 22 and the suite into `.ci/cache` on first use, so
//! the first run needs npm and the npm registry) and requires every run to pass.

use toolsmith_tests::conformance::run_conformance_script;

#[test]
fn conformance_suite_passes() {
    let Some(stdout) = run_conformance_script("conformance_suite_passes", "conformance.sh") else {
        return;
    };
    println!("{stdout}");
}
