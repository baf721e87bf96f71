//! The official MCP conformance suite (0.2.0, `--requirements 2025-11-25` and `2026-07-28`)
//! through nginx to three replicas of `everything_server` sharing Redis
//! (`deploy/local-cluster.sh`, issue 14), and against one of those replicas alone:
//! `.ci/conformance.sh --url` runs both eras against each URL. It fails on any scored FAILURE,
//! and this test also requires every check that passed against the one process to pass
//! through the cluster (the not-scored extension scenarios included). One cluster for all four
//! runs; the example is the one the other tests built. Loopback only; skipped with a message
//! when npm, nginx or redis-server is missing.

use std::process::Command;

use toolsmith_tests::cluster::Cluster;
use toolsmith_tests::conformance::{passed_checks, run_conformance_script_with};
use toolsmith_tests::interop::workspace_root;
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
    let cache = workspace_root().join(".ci").join("cache");
    let (through, alone) = (cache.join("results-cluster"), cache.join("results-one"));
    for (url, results) in [
        (cluster.url.clone(), &through),
        (cluster.replica_url(1), &alone),
    ] {
        let _ = std::fs::remove_dir_all(results);
        let env = [("CONFORMANCE_RESULTS", results.as_path())];
        let Some(stdout) =
            run_conformance_script_with(TEST, "conformance.sh", &["--url", &url], &env)
        else {
            return;
        };
        println!("{url}:\n{stdout}");
    }

    let (through, alone) = (passed_checks(&through), passed_checks(&alone));
    println!(
        "passed: {} checks through the cluster, {} against one replica",
        through.len(),
        alone.len()
    );
    let lost: Vec<&String> = alone.difference(&through).collect();
    assert!(
        lost.is_empty(),
        "passed against one replica, not through the cluster: {lost:#?}"
    );
    assert!(
        alone.iter().any(|c| c.contains("2025-11-25"))
            && alone.iter().any(|c| c.contains("2026-07-28")),
        "both eras ran: {alone:?}"
    );
    // Each replica served some of it: the suite went through the balancer, not to one process.
    let served = cluster.requests_per_replica();
    println!("requests per replica through nginx: {served:?}");
    assert!(
        served.iter().all(|&n| n > 0),
        "not every replica served the suite: {served:?}"
    );
    cluster.down();
}
