//! Measurements: one scenario's numbers, percentiles and medians, and the server's memory, CPU time,
//! context switches and run-queue wait (with the driver's and the rest of the machine's CPU time).

use super::*;

/// One scenario's numbers on one target in one round: metric name -> value.
pub(crate) type Metrics = BTreeMap<String, f64>;

/// The outcome of a load run.
#[derive(Debug, Default, Clone, Serialize)]
pub(crate) struct LoadResult {
    /// Requests sent in the measured window.
    pub(crate) sent: u64,
    /// Responses received for them, each id exactly once.
    pub(crate) answered: u64,
    /// Responses whose id had already been answered.
    pub(crate) duplicates: u64,
    /// Responses with an id never sent.
    pub(crate) unknown: u64,
    /// Error responses, or results that were not what the request asked for.
    pub(crate) bad: u64,
    /// Server-to-client requests answered (sampling).
    pub(crate) server_requests: u64,
    /// Latencies in nanoseconds.
    #[serde(skip)]
    pub(crate) latencies: Vec<u64>,
    pub(crate) elapsed: Duration,
    /// What the server, the driver and the machine had spent before and after the window.
    #[serde(skip)]
    pub(crate) usage: (Option<Usage>, Option<Usage>),
}

impl LoadResult {
    pub(crate) fn percentile_us(&self, p: f64) -> f64 {
        percentile(&self.latencies, p) / 1000.0
    }

    pub(crate) fn throughput(&self) -> f64 {
        self.answered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub(crate) fn sane(&self) -> bool {
        self.sent > 0
            && self.answered == self.sent
            && self.duplicates == 0
            && self.unknown == 0
            && self.bad == 0
    }

    pub(crate) fn metrics(&self, prefix: &str) -> Metrics {
        let mut m = Metrics::new();
        m.insert(format!("{prefix}.rps"), self.throughput());
        m.insert(format!("{prefix}.p50_us"), self.percentile_us(50.0));
        m.insert(format!("{prefix}.p90_us"), self.percentile_us(90.0));
        m.insert(format!("{prefix}.p99_us"), self.percentile_us(99.0));
        m.insert(format!("{prefix}.requests"), self.answered as f64);
        m.insert(format!("{prefix}.sent"), self.sent as f64);
        m.insert(format!("{prefix}.duplicates"), self.duplicates as f64);
        m.insert(format!("{prefix}.unknown"), self.unknown as f64);
        m.insert(format!("{prefix}.bad"), self.bad as f64);
        m.insert(
            format!("{prefix}.server_requests"),
            self.server_requests as f64,
        );
        m.extend(per_request(
            prefix,
            self.usage.0,
            self.usage.1,
            self.answered,
        ));
        m.insert(format!("{prefix}.ok"), if self.sane() { 1.0 } else { 0.0 });
        m
    }
}

/// The `p`th percentile (nearest rank) of unsorted samples.
pub(crate) fn percentile(samples: &[u64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut v = samples.to_vec();
    v.sort_unstable();
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1] as f64
}

pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB.
pub(crate) fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// What a process and the machine have spent so far, read at a measured window's start and end.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// The server's CPU time (ns), summed over its threads.
    cpu_ns: u64,
    /// How long the server's threads were runnable but waited for a CPU (ns): the scheduler's
    /// delay, which a latency percentile pays for but the server's CPU time does not show.
    wait_ns: u64,
    /// The server's context switches (voluntary and not).
    switches: u64,
    /// This driver's own CPU time and run-queue wait (ns): it shares the machine's CPUs.
    driver: (u64, u64),
    /// CPU time the whole machine has spent (ns: user, nice, system, irq and softirq over all
    /// CPUs), when `/proc/stat` could be read.
    machine_ns: Option<u64>,
}

/// CPU time (ns) and run-queue wait (ns) so far, summed over a process's threads, and its
/// context switches (`None` when the process is gone).
fn thread_times(proc_dir: &str) -> Option<(u64, u64, u64)> {
    let (mut cpu, mut wait, mut switches) = (0, 0, 0);
    for task in std::fs::read_dir(format!("{proc_dir}/task"))
        .ok()?
        .flatten()
    {
        let path = task.path();
        if let Ok(s) = std::fs::read_to_string(path.join("schedstat")) {
            let mut fields = s.split_whitespace().map(|v| v.parse::<u64>().unwrap_or(0));
            cpu += fields.next().unwrap_or(0);
            wait += fields.next().unwrap_or(0);
        }
        if let Ok(s) = std::fs::read_to_string(path.join("status")) {
            switches += s
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some((cpu, wait, switches))
}

/// The machine's busy CPU time so far (ns), from `/proc/stat`'s first line (in `USER_HZ` ticks,
/// 100 a second on Linux).
fn machine_busy_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // user, nice, system, (idle, iowait,) irq, softirq.
    let busy = [0, 1, 2, 5, 6]
        .iter()
        .filter_map(|&i| ticks.get(i))
        .sum::<u64>();
    Some(busy * 10_000_000)
}

/// The server's CPU time, run-queue wait and context switches so far, summed over its threads;
/// with this driver's own CPU time and wait, and the machine's busy time, for the same moment.
pub(crate) fn cpu_and_switches(pid: u32) -> Option<Usage> {
    let (cpu_ns, wait_ns, switches) = thread_times(&format!("/proc/{pid}"))?;
    let (driver_cpu, driver_wait, _) = thread_times("/proc/self").unwrap_or_default();
    Some(Usage {
        cpu_ns,
        wait_ns,
        switches,
        driver: (driver_cpu, driver_wait),
        machine_ns: machine_busy_ns(),
    })
}

/// Per answered request, over a measured window: the server's CPU time, context switches and
/// run-queue wait, the driver's CPU time and wait, and the CPU time everything else on the machine
/// took meanwhile (what competed with the two for the CPUs).
pub(crate) fn per_request(
    prefix: &str,
    before: Option<Usage>,
    after: Option<Usage>,
    answered: u64,
) -> Metrics {
    let mut m = Metrics::new();
    let (Some(b), Some(a)) = (before, after) else {
        return m;
    };
    let n = answered.max(1) as f64;
    let us = |ns: u64| ns as f64 / 1000.0 / n;
    let server_cpu = a.cpu_ns.saturating_sub(b.cpu_ns);
    let driver_cpu = a.driver.0.saturating_sub(b.driver.0);
    m.insert(format!("{prefix}.server_cpu_us_per_req"), us(server_cpu));
    m.insert(
        format!("{prefix}.server_ctx_switches_per_req"),
        a.switches.saturating_sub(b.switches) as f64 / n,
    );
    m.insert(
        format!("{prefix}.server_runq_wait_us_per_req"),
        us(a.wait_ns.saturating_sub(b.wait_ns)),
    );
    m.insert(format!("{prefix}.driver_cpu_us_per_req"), us(driver_cpu));
    m.insert(
        format!("{prefix}.driver_runq_wait_us_per_req"),
        us(a.driver.1.saturating_sub(b.driver.1)),
    );
    if let (Some(m0), Some(m1)) = (b.machine_ns, a.machine_ns) {
        let others = m1
            .saturating_sub(m0)
            .saturating_sub(server_cpu + driver_cpu);
        m.insert(format!("{prefix}.others_cpu_us_per_req"), us(others));
    }
    m
}
