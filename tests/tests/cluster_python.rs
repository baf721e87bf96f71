//! The official Python MCP SDK (`mcp==2.3.0`) through nginx to three replicas of
//! `everything_server` sharing Redis (`deploy/local-cluster.sh`, issue 14), in both modes
//! (`tests/interop/python/cluster_everything.py`), one cluster for both:
//!
//! * legacy (2025-11-25): one session, four `test_sampling` calls whose samples are live
//!   server-to-client requests answered on the session's replica;
//! * auto (2026-07-28): four `test_sampling` calls of two rounds each (`input_required`, then
//!   the call again with the sample), the rounds of a call served by different replicas, as
//!   nginx's access log shows.
//!
//! Needs `<workspace>/.venv` (`bash .ci/setup-python.sh`), nginx and redis-server; skipped with
//! a message without them, or fails under `TOOLSMITH_REQUIRE_INTEROP=1`. Loopback only.

use toolsmith_tests::cluster::Cluster;
use toolsmith_tests::interop::{
    python_script, run_interop_script, venv_python, workspace_root, PYTHON_ENV,
};

const TEST: &str = "python_sdk_through_the_cluster_in_both_modes";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_through_the_cluster_in_both_modes() {
    let workspace = workspace_root();
    let Some(python) = venv_python(&workspace, TEST) else {
        return;
    };
    let Some(cluster) = Cluster::up(TEST, 3) else {
        return;
    };
    let script = python_script(&workspace, "cluster_everything.py");
    for mode in ["legacy", "auto"] {
        let before = cluster.calls_served("test_sampling").len();
        let args = [mode.to_owned(), "--url".to_owned(), cluster.url.clone()];
        run_interop_script(&python, &script, &args, &workspace, PYTHON_ENV, async {
            String::new()
        })
        .await;
        if mode == "auto" {
            // Four calls, two rounds each, in order: (first round, second round) per call.
            let rounds = cluster.calls_served("test_sampling")[before..].to_vec();
            assert_eq!(rounds.len(), 8, "rounds served by {rounds:?}");
            let pairs: Vec<(usize, usize)> = rounds.chunks(2).map(|p| (p[0], p[1])).collect();
            eprintln!(
                "2026-07-28 test_sampling rounds (first, second) served by replicas {pairs:?}"
            );
            assert!(
                pairs.iter().any(|(a, b)| a != b),
                "every call's rounds landed on one replica: {pairs:?}"
            );
        }
    }
    cluster.down();
}
