//! The stdio scenarios: load runs, the stateless era, listing, and cold start.

use super::*;

/// Warm up, then measure.
pub(crate) async fn measured(
    server: &mut StdioServer,
    call: Call,
    in_flight: usize,
    plan: &Plan,
) -> Result<LoadResult, String> {
    server
        .load(call, in_flight, plan.warmup, plan.max_requests)
        .await?;
    let before = cpu_and_switches(server.pid);
    let mut r = server
        .load(call, in_flight, plan.measure, plan.max_requests)
        .await?;
    r.usage = (before, cpu_and_switches(server.pid));
    Ok(r)
}

/// echo_seq, echo_32, sample_seq, sample_32 on one server process; then its peak RSS.
pub(crate) async fn stdio_group(
    target: &Target,
    plan: &Plan,
    out: &mut Metrics,
) -> Result<(), String> {
    let wanted: Vec<(&str, Call, usize)> = [
        ("echo_seq", Call::Echo, 1),
        ("echo_32", Call::Echo, 32),
        ("sample_seq", Call::Ask, 1),
        ("sample_32", Call::Ask, 32),
    ]
    .into_iter()
    .filter(|(name, ..)| plan.scenarios.iter().any(|s| s == name))
    .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut server = StdioServer::spawn(target, 0, plan)?;
    let version = server.handshake().await?;
    if version != PROTOCOL {
        eprintln!("  {}: negotiated {version}", target.name);
    }
    for (name, call, in_flight) in wanted {
        let r = measured(&mut server, call, in_flight, plan).await?;
        if !r.sane() {
            eprintln!("  {} {name}: {r:?}", target.name);
        }
        out.extend(r.metrics(name));
    }
    if let Some((_, hwm)) = memory_kib(server.pid) {
        out.insert("rss.stdio_load_peak_kib".into(), hwm as f64);
    }
    server.close().await;
    Ok(())
}

/// stateless_echo_32 and mrtr_sample_32 on one server process that was never initialized; "n/a"
/// (`NAME.unsupported`) when the server does not answer the 2026-07-28 envelope, or (for
/// mrtr_sample_32) when its `ask` answers a 2026-07-28 call with an error instead of asking.
pub(crate) async fn stateless_group(
    target: &Target,
    plan: &Plan,
    out: &mut Metrics,
) -> Result<(), String> {
    let wanted: Vec<&str> = STATELESS_SCENARIOS
        .iter()
        .copied()
        .filter(|name| plan.scenarios.iter().any(|s| s == name))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let mut server = StdioServer::spawn(target, 0, plan)?;
    if let Err(e) = server.speaks_stateless().await {
        eprintln!(
            "  {}: does not speak {STATELESS} ({e:.200}): {} n/a",
            target.name,
            wanted.join(", ")
        );
        for name in wanted {
            out.insert(format!("{name}.unsupported"), 1.0);
        }
        server.close().await;
        return Ok(());
    }
    for name in wanted {
        if name == "mrtr_sample_32" {
            if let Err(e) = server.asks_by_mrtr().await {
                eprintln!(
                    "  {}: `ask` does not use multi round-trip requests ({e:.200}): {name} n/a",
                    target.name
                );
                out.insert(format!("{name}.unsupported"), 1.0);
                continue;
            }
        }
        let r = if name == "mrtr_sample_32" {
            server.load_mrtr(32, plan.warmup, plan.max_requests).await?;
            let before = cpu_and_switches(server.pid);
            let mut r = server
                .load_mrtr(32, plan.measure, plan.max_requests)
                .await?;
            r.usage = (before, cpu_and_switches(server.pid));
            r
        } else {
            measured(&mut server, Call::StatelessEcho, 32, plan).await?
        };
        if !r.sane() {
            eprintln!("  {} {name}: {r:?}", target.name);
        }
        out.extend(r.metrics(name));
    }
    server.close().await;
    Ok(())
}

/// tools/list with `total` tools listed (echo, ask and `total - 2` extra).
pub(crate) async fn list_scenario(
    target: &Target,
    plan: &Plan,
    total: usize,
    out: &mut Metrics,
) -> Result<(), String> {
    let name = format!("list_{total}");
    if !plan.scenarios.contains(&name) {
        return Ok(());
    }
    let mut server = StdioServer::spawn(target, total - 2, plan)?;
    server.handshake().await?;
    // The very first listing (anything built lazily is built here).
    let first = server.load(Call::List(total), 1, Duration::ZERO, 1).await?;
    out.insert(format!("{name}.first_us"), first.percentile_us(50.0));
    let r = measured(&mut server, Call::List(total), 1, plan).await?;
    if !r.sane() {
        eprintln!("  {} {name}: {r:?}", target.name);
    }
    // Does a listing cost more as requests accumulate? p50 of the last tenth over the first.
    let tenth = (r.latencies.len() / 10).max(1);
    let early = percentile(&r.latencies[..tenth], 50.0);
    let late = percentile(&r.latencies[r.latencies.len() - tenth..], 50.0);
    out.insert(format!("{name}.late_over_early"), late / early);
    out.extend(r.metrics(&name));
    server.close().await;
    Ok(())
}

/// Spawn to initialize result, and to the first tools/call result.
pub(crate) async fn cold_start(
    target: &Target,
    plan: &Plan,
    out: &mut Metrics,
) -> Result<(), String> {
    if !plan.scenarios.iter().any(|s| s == "cold_start") {
        return Ok(());
    }
    let mut init = Vec::new();
    let mut first_call = Vec::new();
    for _ in 0..plan.cold_reps {
        let t0 = Instant::now();
        let mut server = StdioServer::spawn(target, 0, plan)?;
        server.handshake().await?;
        init.push(t0.elapsed().as_secs_f64() * 1000.0);
        let r = server.load(Call::Echo, 1, Duration::ZERO, 1).await?;
        if !r.sane() {
            return Err(format!("cold start: the first call failed: {r:?}"));
        }
        first_call.push(t0.elapsed().as_secs_f64() * 1000.0);
        server.close().await;
    }
    out.insert("cold_start.initialize_ms".into(), median(&init));
    out.insert("cold_start.first_call_ms".into(), median(&first_call));
    Ok(())
}
