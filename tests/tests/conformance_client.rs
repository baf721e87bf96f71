//! The client mode of the official MCP conformance suite against the toolkit's client: runs
//! `.ci/conformance-client.sh` (which builds `examples/conformance_client.rs` and installs Node 22
//! and the suite into `.ci/cache` on first use, so the first run needs npm and the npm registry)
//! and requires every scenario it runs to pass.

use toolsmith_tests::conformance::run_conformance_script;

#[test]
fn client_conformance_suite_passes() {
    let Some(stdout) =
        run_conformance_script("client_conformance_suite_passes", "conformance-client.sh")
    else {
        return;
    };
    assert!(
        stdout.contains("client conformance passed"),
        "the script exited 0 without its final verdict:\n{stdout}"
    );
    println!("{stdout}");
}
