//! Smoke test of the abuse driver (`bench/src/bin/abuse.rs`): every attack with tiny counts and
//! short holds against our everything_server example, checking that each prints one JSON line
//! whose figures add up; the slow-client attack against a fixture that answers 408 and closes,
//! checking that the driver sees the closes; and the refusal of non-loopback addresses. No
//! assertion depends on how fast the machine is.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;

fn everything_server() -> PathBuf {
    common::example("everything_server")
}

/// Run the driver with `args` plus tiny counts and short holds.
fn abuse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_abuse"))
        .args(args)
        .args([
            "--starve-sessions",
            "2",
            "--starve-calls",
            "3",
            "--trickle-conns",
            "4",
            "--trickle-interval-ms",
            "300",
            "--trickle-hold-ms",
            "1500",
            "--probe-delay-ms",
            "200",
            "--flood-sessions",
            "20",
            "--probe-timeout-ms",
            "20000",
            "--big-bodies",
            "3",
            "--big-body-kib",
            "64",
            "--big-body-settle-ms",
            "500",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("the abuse driver runs")
}

/// The JSON lines of a successful run, by attack.
fn lines(output: &Output) -> Vec<Value> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the driver failed ({}):\n{stderr}",
        output.status
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn num(v: &Value, path: &str) -> u64 {
    path.split('.')
        .fold(v, |v, k| &v[k])
        .as_u64()
        .unwrap_or_else(|| panic!("no number at `{path}` in {v:#}"))
}

fn sum(v: &Value) -> u64 {
    v.as_object()
        .unwrap_or_else(|| panic!("not a tally: {v}"))
        .values()
        .map(|n| n.as_u64().expect("a count"))
        .sum()
}

#[test]
fn every_attack_reports_figures_that_add_up_against_everything_server() {
    let server = everything_server();
    let server = server.to_str().expect("a UTF-8 path");
    let out = lines(&abuse(&["--name", "toolsmith", "--server", server]));
    let attacks: Vec<&str> = out.iter().map(|l| l["attack"].as_str().unwrap()).collect();
    assert_eq!(
        attacks,
        [
            "starvation",
            "slowloris",
            "slow_body",
            "flood",
            "big_bodies"
        ]
    );
    for line in &out {
        assert_eq!(line["target"], "toolsmith");
        assert_eq!(line["result"]["server_alive"], true, "{line:#}");
    }

    let starve = &out[0]["result"];
    assert_eq!(num(starve, "sessions_opened"), 2, "{starve:#}");
    assert_eq!(sum(&starve["heads"]), 6, "every call accounted for");
    // Six waiting samples are far below any limit: the caller is answered, from its own address
    // and from the attackers'.
    assert_eq!(starve["probe"]["answered"], true, "{starve:#}");
    assert_eq!(
        starve["probe_from_attacker_address"]["answered"], true,
        "{starve:#}"
    );
    assert!(starve["rss_kib"].as_u64().unwrap() > 0);

    for slow in &out[1..3] {
        let r = &slow["result"];
        assert_eq!(
            num(r, "still_open") + num(r, "closed") + sum(&r["refused"]),
            4,
            "every connection accounted for: {r:#}"
        );
        assert!(num(r, "probes") >= 1, "{r:#}");
        assert!(num(r, "probes_answered") >= 1, "{r:#}");
        assert!(num(r, "server_fds.end") > 0, "{r:#}");
    }

    let flood = &out[3]["result"];
    assert_eq!(sum(&flood["answers"]), 20, "{flood:#}");
    assert_eq!(
        num(flood, "sessions"),
        20,
        "twenty sessions are far below any cap"
    );
    assert_eq!(flood["probe"]["answered"], true, "{flood:#}");
    assert!(num(flood, "rss_after_kib") > 0);

    let bodies = &out[4]["result"];
    assert_eq!(sum(&bodies["fill_heads"]), 6, "{bodies:#}");
    assert_eq!(
        sum(&bodies["heads"]),
        3,
        "every body accounted for: {bodies:#}"
    );
    assert!(num(bodies, "rss_during_kib") > 0, "{bodies:#}");
}

/// A fixture that reads what a connection sends for a moment, then answers 408 and closes.
fn closing_fixture() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut conn = conn;
                let _ = conn.set_read_timeout(Some(std::time::Duration::from_millis(100)));
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(
                    b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                );
            });
        }
    });
    format!("http://{addr}/mcp")
}

#[test]
fn slow_clients_closed_by_the_server_are_counted_as_closed() {
    let url = closing_fixture();
    for attack in ["slowloris", "slow_body"] {
        let out = lines(&abuse(&["--url", &url, "--attacks", attack]));
        assert_eq!(out.len(), 1);
        let r = &out[0]["result"];
        assert_eq!(num(r, "still_open"), 0, "{attack}: {r:#}");
        assert_eq!(num(r, "closed"), 4, "{attack}: {r:#}");
        assert_eq!(
            num(r, "closed_how.answered HTTP 408 and closed"),
            4,
            "{attack}: {r:#}"
        );
        // The fixture is no MCP server: the innocent caller is never answered.
        assert_eq!(num(r, "probes_answered"), 0, "{attack}: {r:#}");
    }
}

#[test]
fn addresses_outside_loopback_are_refused_before_any_connection() {
    for url in [
        "http://192.0.2.1:3001/mcp",
        "http://example.com/mcp",
        "https://127.0.0.1/mcp",
    ] {
        let output = abuse(&["--url", url]);
        assert_eq!(output.status.code(), Some(2), "{url}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("loopback"),
            "{url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "{url}");
    }
    // The driver's own addresses too: loopback only, and the innocent caller is not an attacker.
    let url = "http://127.0.0.1:9/mcp";
    for (flags, says) in [
        (["--attack-from", "192.0.2.1"], "loopback"),
        (["--probe-from", "10.0.0.1"], "loopback"),
        (["--probe-from", "127.0.0.1"], "also an attacker"),
    ] {
        let output = abuse(&[&["--url", url][..], &flags[..]].concat());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{flags:?}");
    }
}
