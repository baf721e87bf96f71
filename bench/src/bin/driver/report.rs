//! The run of every scenario group on a target, and the Markdown report of the results.

use super::*;

/// Run every scenario group once on `target`.
pub(crate) async fn run_target(target: &Target, plan: &Plan) -> Metrics {
    let mut m = Metrics::new();
    type Group = for<'a> fn(
        &'a Target,
        &'a Plan,
        &'a mut Metrics,
    ) -> futures::future::LocalBoxFuture<'a, Result<(), String>>;
    let groups: [(&str, Group); 8] = [
        ("stdio", |t, p, m| Box::pin(stdio_group(t, p, m))),
        ("stateless", |t, p, m| Box::pin(stateless_group(t, p, m))),
        ("list_10", |t, p, m| Box::pin(list_scenario(t, p, 10, m))),
        ("list_500", |t, p, m| Box::pin(list_scenario(t, p, 500, m))),
        ("cold_start", |t, p, m| Box::pin(cold_start(t, p, m))),
        ("http_echo_64", |t, p, m| Box::pin(http_echo(t, p, m))),
        ("http_sample_32", |t, p, m| Box::pin(http_sample(t, p, m))),
        ("http_idle", |t, p, m| Box::pin(http_idle(t, p, m))),
    ];
    for (name, group) in groups {
        let t0 = Instant::now();
        if let Err(e) = group(target, plan, &mut m).await {
            eprintln!("  {} {name}: FAILED: {e}", target.name);
            m.insert(format!("failed.{name}"), 1.0);
        }
        let secs = t0.elapsed().as_secs_f64();
        if secs > 0.05 {
            eprintln!("  {} {name}: {secs:.1} s", target.name);
        }
    }
    m
}

/// How a metric reads in the table: its label, whether higher is better, its format.
pub(crate) struct Column {
    pub(crate) key: &'static str,
    pub(crate) label: &'static str,
    pub(crate) higher_is_better: bool,
    pub(crate) unit: &'static str,
}

pub(crate) const COLUMNS: &[Column] = &[
    Column {
        key: "echo_seq.rps",
        label: "stdio echo, sequential: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "echo_seq.p50_us",
        label: "stdio echo, sequential: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_seq.p99_us",
        label: "stdio echo, sequential: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_seq.server_cpu_us_per_req",
        label: "stdio echo, sequential: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_seq.server_ctx_switches_per_req",
        label: "stdio echo, sequential: server context switches per request",
        higher_is_better: false,
        unit: "",
    },
    Column {
        key: "echo_32.rps",
        label: "stdio echo, 32 in flight: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "echo_32.p50_us",
        label: "stdio echo, 32 in flight: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_32.p99_us",
        label: "stdio echo, 32 in flight: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "echo_32.server_cpu_us_per_req",
        label: "stdio echo, 32 in flight: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "sample_seq.rps",
        label: "sampling round trip, sequential: calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "sample_seq.p50_us",
        label: "sampling round trip, sequential: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "sample_seq.server_ctx_switches_per_req",
        label: "sampling round trip, sequential: server context switches per call",
        higher_is_better: false,
        unit: "",
    },
    Column {
        key: "sample_32.rps",
        label: "sampling, 32 in flight: calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "sample_32.p99_us",
        label: "sampling, 32 in flight: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "sample_32.server_cpu_us_per_req",
        label: "sampling, 32 in flight: server CPU per call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "stateless_echo_32.rps",
        label: "2026-07-28 stdio echo, 32 in flight: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "stateless_echo_32.p50_us",
        label: "2026-07-28 stdio echo, 32 in flight: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "stateless_echo_32.p99_us",
        label: "2026-07-28 stdio echo, 32 in flight: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "stateless_echo_32.server_cpu_us_per_req",
        label: "2026-07-28 stdio echo, 32 in flight: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "mrtr_sample_32.rps",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: completed calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "mrtr_sample_32.p50_us",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: p50 of the whole call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "mrtr_sample_32.p99_us",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: p99 of the whole call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "mrtr_sample_32.server_cpu_us_per_req",
        label: "2026-07-28 sampling (2-round MRTR), 32 in flight: server CPU per call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_10.p50_us",
        label: "tools/list, 10 tools: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_500.p50_us",
        label: "tools/list, 500 tools: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_500.first_us",
        label: "tools/list, 500 tools: first call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "list_500.late_over_early",
        label: "tools/list, 500 tools: last-tenth p50 / first-tenth p50",
        higher_is_better: false,
        unit: "×",
    },
    Column {
        key: "cold_start.initialize_ms",
        label: "cold start: spawn to initialize result",
        higher_is_better: false,
        unit: "ms",
    },
    Column {
        key: "cold_start.first_call_ms",
        label: "cold start: spawn to first tools/call result",
        higher_is_better: false,
        unit: "ms",
    },
    Column {
        key: "http_echo_64.rps",
        label: "HTTP echo, 64 sessions: throughput",
        higher_is_better: true,
        unit: "req/s",
    },
    Column {
        key: "http_echo_64.p50_us",
        label: "HTTP echo, 64 sessions: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_echo_64.p99_us",
        label: "HTTP echo, 64 sessions: p99 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_echo_64.server_cpu_us_per_req",
        label: "HTTP echo, 64 sessions: server CPU per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_echo_64.server_runq_wait_us_per_req",
        label: "HTTP echo, 64 sessions: server threads' wait for a CPU, per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_echo_64.others_cpu_us_per_req",
        label:
            "HTTP echo, 64 sessions: CPU of other processes (not server, not driver), per request",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_sample_32.rps",
        label: "HTTP sampling, 32 in flight: calls/s",
        higher_is_better: true,
        unit: "calls/s",
    },
    Column {
        key: "http_sample_32.p50_us",
        label: "HTTP sampling, 32 in flight: p50 latency",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_sample_32.server_cpu_us_per_req",
        label: "HTTP sampling, 32 in flight: server CPU per call",
        higher_is_better: false,
        unit: "µs",
    },
    Column {
        key: "http_idle.bytes_per_session",
        label: "HTTP idle session: RSS per session",
        higher_is_better: false,
        unit: "bytes",
    },
    Column {
        key: "rss.stdio_load_peak_kib",
        label: "peak RSS (VmHWM), stdio load",
        higher_is_better: false,
        unit: "KiB",
    },
    Column {
        key: "rss.http_load_peak_kib",
        label: "peak RSS (VmHWM), HTTP 64-session load",
        higher_is_better: false,
        unit: "KiB",
    },
];

pub(crate) fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.abs() >= 100.0 {
        format!("{:.0}", v)
    } else if v.abs() >= 10.0 {
        format!("{:.1}", v)
    } else {
        format!("{:.2}", v)
    }
}

pub(crate) fn markdown(
    targets: &[Target],
    medians: &BTreeMap<String, Metrics>,
    baseline: Option<&str>,
) -> String {
    let mut s = String::new();
    s.push_str("| metric | unit |");
    for t in targets {
        s.push_str(&format!(" {} |", t.name));
    }
    if let Some(b) = baseline {
        for t in targets.iter().filter(|t| t.name != b) {
            s.push_str(&format!(" {} vs {b} |", t.name));
        }
    }
    s.push('\n');
    let ncols = 2 + targets.len() + baseline.map_or(0, |_| targets.len() - 1);
    s.push_str(&"| --- ".repeat(ncols));
    s.push_str("|\n");
    for c in COLUMNS {
        if !medians.values().any(|m| m.contains_key(c.key)) {
            continue;
        }
        let get = |t: &str| {
            medians
                .get(t)
                .and_then(|m| m.get(c.key))
                .copied()
                .unwrap_or(f64::NAN)
        };
        // A 2026-07-28 scenario on a server that does not support it.
        let na = |t: &str| {
            STATELESS_SCENARIOS.iter().any(|s| {
                c.key.strip_prefix(s).is_some_and(|k| k.starts_with('.'))
                    && medians
                        .get(t)
                        .is_some_and(|m| m.contains_key(&format!("{s}.unsupported")))
            })
        };
        s.push_str(&format!("| {} | {} |", c.label, c.unit));
        for t in targets {
            if na(&t.name) {
                s.push_str(" n/a |");
            } else {
                s.push_str(&format!(" {} |", fmt_value(get(&t.name))));
            }
        }
        if let Some(b) = baseline {
            for t in targets.iter().filter(|t| t.name != b) {
                if na(&t.name) || na(b) {
                    s.push_str(" n/a |");
                    continue;
                }
                // A "times better" factor: > 1 means better than the baseline.
                let (v, base) = (get(&t.name), get(b));
                let factor = if c.higher_is_better {
                    v / base
                } else {
                    base / v
                };
                s.push_str(&format!(" {}× |", fmt_value(factor)));
            }
        }
        s.push('\n');
    }
    s
}

/// The 1-minute load average.
pub(crate) fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}
