//! Measurements: one scenario's numbers, percentiles and medians, and the server's memory, CPU time and context switches.

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
    /// The server's (CPU ns, context switches) before and after the window.
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

/// A process's CPU time (ns) and context switches so far.
pub(crate) type Usage = (u64, u64);

/// CPU time (ns) and context switches so far, summed over a process's threads.
pub(crate) fn cpu_and_switches(pid: u32) -> Option<Usage> {
    let mut cpu = 0;
    let mut switches = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let path = task.path();
        if let Ok(s) = std::fs::read_to_string(path.join("schedstat")) {
            cpu += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(s) = std::fs::read_to_string(path.join("status")) {
            switches += s
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    Some((cpu, switches))
}

/// Server CPU time and context switches per answered request, over a measured window.
pub(crate) fn per_request(
    prefix: &str,
    before: Option<Usage>,
    after: Option<Usage>,
    answered: u64,
) -> Metrics {
    let mut m = Metrics::new();
    if let (Some((c0, s0)), Some((c1, s1))) = (before, after) {
        let n = answered.max(1) as f64;
        m.insert(
            format!("{prefix}.server_cpu_us_per_req"),
            (c1 - c0) as f64 / 1000.0 / n,
        );
        m.insert(
            format!("{prefix}.server_ctx_switches_per_req"),
            (s1 - s0) as f64 / n,
        );
    }
    m
}
