//! Smoke test of the load driver against our `bench_server` example: a short run with tiny
//! counts, checking that the numbers are sane (every request answered exactly once and correctly,
//! nonzero throughput). Nothing here is timed: no assertion depends on how fast the machine is.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;

fn bench_server() -> PathBuf {
    common::example("bench_server")
}

/// Run the driver on one target `name=command` for `scenarios` (one short round, tiny counts),
/// assert it succeeded, and return that target's medians from its JSON report.
fn drive(name: &str, command: &Path, scenarios: &str) -> Value {
    let json_path = std::env::temp_dir().join(format!(
        "toolsmith-bench-smoke-{name}-{}.json",
        std::process::id()
    ));
    let output = Command::new(env!("CARGO_BIN_EXE_driver"))
        .arg("--target")
        .arg(format!("{name}={}", command.display()))
        .args([
            "--rounds",
            "1",
            "--duration-ms",
            "150",
            "--max-requests",
            "300",
            "--cold-reps",
            "1",
            "--idle-sessions",
            "10",
            "--scenarios",
            scenarios,
            "--json",
        ])
        .arg(&json_path)
        .stdin(Stdio::null())
        .output()
        .expect("the driver runs");
    assert!(
        output.status.success(),
        "the driver failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("the JSON report"))
            .expect("JSON");
    let _ = std::fs::remove_file(&json_path);
    report["medians"][name].clone()
}

#[test]
fn driver_reports_sane_numbers_for_bench_server() {
    let m = &drive(
        "toolsmith",
        &bench_server(),
        "echo_seq,echo_32,sample_seq,sample_32,list_10,cold_start,http_echo_64,http_sample_32,http_idle,stateless_echo_32,mrtr_sample_32",
    );
    let num = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("no `{k}` in {m:#}"));

    for s in [
        "echo_seq",
        "echo_32",
        "sample_seq",
        "sample_32",
        "list_10",
        "http_echo_64",
        "http_sample_32",
        "stateless_echo_32",
        "mrtr_sample_32",
    ] {
        let sent = num(&format!("{s}.sent"));
        assert!(sent > 0.0, "{s}: nothing was sent");
        assert_eq!(
            num(&format!("{s}.requests")),
            sent,
            "{s}: every request is answered"
        );
        assert_eq!(
            num(&format!("{s}.duplicates")),
            0.0,
            "{s}: no id is answered twice"
        );
        assert_eq!(
            num(&format!("{s}.unknown")),
            0.0,
            "{s}: no answer has an unknown id"
        );
        assert_eq!(
            num(&format!("{s}.bad")),
            0.0,
            "{s}: every answer is the right result"
        );
        assert_eq!(num(&format!("{s}.ok")), 1.0, "{s}: sane");
        assert!(num(&format!("{s}.rps")) > 0.0, "{s}: nonzero throughput");
        let (p50, p99) = (num(&format!("{s}.p50_us")), num(&format!("{s}.p99_us")));
        assert!(
            p50 > 0.0 && p50 <= p99,
            "{s}: percentiles are ordered ({p50} <= {p99})"
        );
    }
    // Beside the server's CPU time, what the CPUs did: the server's wait for one, the driver's own
    // time and wait, and everything else's time (read from /proc; a missing field fails here).
    for s in ["echo_32", "http_echo_64", "http_sample_32"] {
        for k in ["server_cpu_us_per_req", "driver_cpu_us_per_req"] {
            assert!(
                num(&format!("{s}.{k}")) > 0.0,
                "{s}.{k}: CPU time was spent"
            );
        }
        for k in [
            "server_runq_wait_us_per_req",
            "driver_runq_wait_us_per_req",
            "others_cpu_us_per_req",
        ] {
            let v = num(&format!("{s}.{k}"));
            assert!(v.is_finite() && v >= 0.0, "{s}.{k} = {v}");
        }
    }
    // Each `ask` made exactly one sampling request, answered by the driver.
    for s in ["sample_seq", "sample_32", "http_sample_32"] {
        assert_eq!(
            num(&format!("{s}.server_requests")),
            num(&format!("{s}.sent")),
            "{s}: one sample per call"
        );
    }
    // Our server speaks 2026-07-28: no scenario of it is "n/a", and each 2-round `ask` call
    // answered exactly one input request (its `sampling/createMessage`).
    for s in ["stateless_echo_32", "mrtr_sample_32"] {
        assert!(
            m.get(format!("{s}.unsupported")).is_none(),
            "{s}: bench_server speaks 2026-07-28"
        );
    }
    assert_eq!(
        num("mrtr_sample_32.server_requests"),
        num("mrtr_sample_32.sent"),
        "mrtr_sample_32: one input request per call"
    );
    assert!(num("cold_start.initialize_ms") > 0.0);
    assert!(num("cold_start.first_call_ms") >= num("cold_start.initialize_ms"));
    assert_eq!(num("http_idle.sessions"), 10.0);
    assert!(num("rss.stdio_load_peak_kib") > 0.0);
    assert!(
        m.as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("failed.")),
        "no scenario failed: {m:#}"
    );
}

/// The floor server passes the driver's checks on the stdio scenarios it is meant for (so its
/// numbers are comparable: every answer right, every id once, one sample per `ask`).
#[test]
fn the_floor_server_passes_the_drivers_checks() {
    let m = &drive(
        "floor",
        Path::new(env!("CARGO_BIN_EXE_floor_server")),
        "echo_seq,echo_32,sample_seq,sample_32,list_10",
    );
    let num = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("no `{k}` in {m:#}"));
    for s in ["echo_seq", "echo_32", "sample_seq", "sample_32", "list_10"] {
        assert!(num(&format!("{s}.sent")) > 0.0, "{s}: nothing was sent");
        assert_eq!(
            num(&format!("{s}.requests")),
            num(&format!("{s}.sent")),
            "{s}"
        );
        assert_eq!(num(&format!("{s}.bad")), 0.0, "{s}: every answer is right");
        assert_eq!(num(&format!("{s}.duplicates")), 0.0, "{s}");
        assert_eq!(num(&format!("{s}.ok")), 1.0, "{s}: sane");
    }
    assert_eq!(
        num("sample_seq.server_requests"),
        num("sample_seq.sent"),
        "one sample per call"
    );
}
