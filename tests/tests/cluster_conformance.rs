//! The official MCP conformance suite (0.2.0, `--requirements 2025-11-25` and `2026-07-28`)
//! through nginx to three replicas of `everything_server` sharing Redis
//! (`deploy/local-cluster.sh`, issue 14): `.ci/conformance.sh --url` runs both eras against the
//! cluster's URL, and every check that passes against one process (`conformance.rs`) passes
//! here too: the script fails on any FAILURE check. One cluster for both runs; the example is
//! the one the other tests built. Loopback only; skipped with a message when npm, nginx or
//! redis-server is missing.

use std::process::Command;

use toolsmith_tests::cluster::Cluster;
use toolsmith_tests::conformance::run_conformance_script_with;
use toolsmith_tests::prerequisites::missing;

const TEST: &str = "conformance_suite_passes_through_the_cluster";

#[test]
fn conformance_suite_passes_through_the_cluster() {
    // npm first: no cluster to start when the suite cannot be installed.
    if !Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        missing(TEST, "npm is not on PATH (the suite is installed with it)");
        return;
    }
    let Some(cluster) = Cluster::up(TEST, 3) else {
        return;
    };
    let Some(stdout) =
        run_conformance_script_with(TEST, "conformance.sh", &["--url", &cluster.url])
    else {
        return;
    };
    println!("{stdout}");
    assert!(
        stdout.contains("requirements-2025-11-25") && stdout.contains("requirements-2026-07-28"),
        "both eras ran:\n{stdout}"
    );
    // Each replica served some of it: the suite went through the balancer, not to one process.
    let served = cluster.requests_per_replica();
    println!("requests per replica: {served:?}");
    assert!(
        served.iter().all(|&n| n > 0),
        "not every replica served the suite: {served:?}"
    );
    cluster.down();
}
