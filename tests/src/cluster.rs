//! The local cluster of `deploy/local-cluster.sh` (nginx, redis-server, replicas of
//! `everything_server`) for the `cluster_*` tests: started in a run directory of its own, its
//! parts' pids and ports read from there, stopped (and checked stopped) when dropped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::interop::{example_binary, show, workspace_root};
use crate::prerequisites;

/// The `_meta` of a 2026-07-28 request declaring `capabilities`.
pub fn stateless_meta(capabilities: Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": {"name": "cluster-test", "version": "0"}
    })
}

/// A running cluster.
pub struct Cluster {
    /// The MCP endpoint through nginx (the last line `up` printed).
    pub url: String,
    run_dir: PathBuf,
    script: PathBuf,
    down: bool,
}

fn program_present(name: &str) -> bool {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()));
    on_path || Path::new("/usr/sbin").join(name).is_file()
}

impl Cluster {
    /// `up --replicas n`, or `None` (after saying why) when nginx or redis-server is missing.
    pub fn up(test: &str, replicas: usize) -> Option<Cluster> {
        for program in ["nginx", "redis-server"] {
            if !program_present(program) {
                prerequisites::missing(
                    test,
                    &format!("{program} is not installed (bash .ci/setup-cluster.sh installs it)"),
                );
                return None;
            }
        }
        let binary = example_binary("everything_server");
        let root = workspace_root();
        let run_dir = root
            .join("target")
            .join("cluster-tests")
            .join(format!("{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&run_dir);
        let script = root.join("deploy").join("local-cluster.sh");
        let output = Command::new("bash")
            .arg(&script)
            .args(["up", "--replicas", &replicas.to_string(), "--run-dir"])
            .arg(&run_dir)
            .env("TOOLSMITH_CLUSTER_BIN", &binary)
            .stdin(Stdio::null())
            .output()
            .expect("running deploy/local-cluster.sh");
        let mut cluster = Cluster {
            url: String::new(),
            run_dir,
            script,
            down: false,
        };
        assert!(
            output.status.success(),
            "local-cluster.sh up failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            output.status,
            show(&output.stdout),
            show(&output.stderr)
        );
        let stdout = show(&output.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("http://127.0.0.1:") && last.ends_with("/mcp"),
            "the last line of `up` is not the MCP URL: {stdout:?}"
        );
        cluster.url = last.to_owned();
        Some(cluster)
    }

    /// POST a 2026-07-28 `tools/call` of `tool` through nginx: `params` beyond the name and
    /// `_meta` (`arguments`, `inputResponses`, `requestState`, ...), `capabilities` declared.
    pub async fn post_call(
        &self,
        http: &reqwest::Client,
        tool: &str,
        params: Value,
        capabilities: Value,
    ) -> reqwest::Result<reqwest::Response> {
        let mut p = json!({"name": tool, "_meta": stateless_meta(capabilities)});
        for (k, v) in params.as_object().expect("params is an object") {
            p[k] = v.clone();
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": p});
        http.post(&self.url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", tool)
            .body(body.to_string())
            .send()
            .await
    }

    /// A 2026-07-28 `tools/call` answered with JSON: which replica answered (from nginx's
    /// `X-Mcp-Replica`), and the response body.
    pub async fn call(
        &self,
        http: &reqwest::Client,
        tool: &str,
        params: Value,
        capabilities: Value,
    ) -> (usize, Value) {
        let response = self
            .post_call(http, tool, params, capabilities)
            .await
            .unwrap_or_else(|e| panic!("calling {tool} through nginx: {e}"));
        let replica = self.answered_by(&response);
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "{tool}: {body}");
        let body = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        (replica, body)
    }

    /// Which replica (1-based) answered `response` (nginx's `X-Mcp-Replica`).
    pub fn answered_by(&self, response: &reqwest::Response) -> usize {
        let addr = response
            .headers()
            .get("x-mcp-replica")
            .expect("nginx names the replica")
            .to_str()
            .unwrap();
        // `a, b` when nginx tried `a` first: the last one answered.
        self.replica_at(addr.rsplit(", ").next().unwrap_or(addr).trim())
    }

    /// Run `local-cluster.sh ARGS` on this cluster; its stdout.
    pub fn script(&self, args: &[&str]) -> String {
        let output = Command::new("bash")
            .arg(&self.script)
            .args(args)
            .arg("--run-dir")
            .arg(&self.run_dir)
            .stdin(Stdio::null())
            .output()
            .expect("running deploy/local-cluster.sh");
        assert!(
            output.status.success(),
            "local-cluster.sh {args:?} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            output.status,
            show(&output.stdout),
            show(&output.stderr)
        );
        show(&output.stdout)
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.run_dir.join(file))
            .unwrap_or_else(|e| panic!("reading {file} of the run directory: {e}"))
            .trim()
            .to_owned()
    }

    /// The pid of replica `i` (1-based).
    pub fn replica_pid(&self, i: usize) -> i32 {
        self.read(&format!("replica-{i}.pid")).parse().unwrap()
    }

    /// The MCP URL of replica `i` (1-based) itself, not through nginx.
    pub fn replica_url(&self, i: usize) -> String {
        format!(
            "http://127.0.0.1:{}/mcp",
            self.read(&format!("replica-{i}.port"))
        )
    }

    /// The pid of the cluster's redis-server.
    pub fn redis_pid(&self) -> i32 {
        self.read("redis.pid").parse().unwrap()
    }

    /// Which replica (1-based) listens on `addr` (`127.0.0.1:PORT`, as nginx's `X-Mcp-Replica`
    /// names it).
    pub fn replica_at(&self, addr: &str) -> usize {
        let replicas: usize = self.read("replicas").parse().unwrap();
        (1..=replicas)
            .find(|i| addr == format!("127.0.0.1:{}", self.read(&format!("replica-{i}.port"))))
            .unwrap_or_else(|| panic!("no replica at {addr}"))
    }

    /// The log of replica `i`.
    pub fn replica_log(&self, i: usize) -> String {
        self.read(&format!("replica-{i}.log"))
    }

    /// How many requests nginx sent to each replica so far (index 0 is replica 1), from its
    /// access log (`upstream=ADDR`; a request nginx tried on two replicas counts for the last).
    pub fn requests_per_replica(&self) -> Vec<usize> {
        let replicas: usize = self.read("replicas").parse().unwrap();
        let mut counts = vec![0; replicas];
        for line in self.read("nginx-access.log").lines() {
            let Some(rest) = line.split(" upstream=").nth(1) else {
                continue;
            };
            let upstreams = rest.split(" session=").next().unwrap_or_default();
            let last = upstreams.rsplit(", ").next().unwrap_or_default().trim();
            if last.starts_with("127.0.0.1:") {
                counts[self.replica_at(last) - 1] += 1;
            }
        }
        counts
    }

    /// Which replica (1-based) served each 2026-07-28 `tools/call` of `tool` so far, in order,
    /// from nginx's access log (the `Mcp-Method` and `Mcp-Name` headers it logs).
    pub fn calls_served(&self, tool: &str) -> Vec<usize> {
        let wanted = format!(" method=\"tools/call\" name=\"{tool}\" ");
        self.read("nginx-access.log")
            .lines()
            .filter(|line| line.contains(&wanted))
            .filter_map(|line| {
                let upstreams = line.split(" upstream=").nth(1)?.split(" session=").next()?;
                Some(self.replica_at(upstreams.rsplit(", ").next()?.trim()))
            })
            .collect()
    }

    /// Every pid and port the run directory records (redis, replicas, nginx).
    fn parts(&self) -> (BTreeSet<i32>, BTreeSet<u16>) {
        let mut pids = BTreeSet::new();
        let mut ports = BTreeSet::new();
        for entry in std::fs::read_dir(&self.run_dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".pid") && name != "nginx.pid" {
                pids.insert(self.read(&name).parse().unwrap());
            }
            if name.ends_with(".port") {
                ports.insert(self.read(&name).parse().unwrap());
            }
        }
        (pids, ports)
    }

    /// `down`, then check that none of the processes `up` started runs and none of its ports
    /// is listened on.
    pub fn down(mut self) {
        let (pids, ports) = self.parts();
        assert!(pids.len() >= 3, "too few parts recorded: {pids:?}");
        self.script(&["down"]);
        self.down = true;
        for pid in pids {
            assert!(!alive(pid), "pid {pid} still runs after `down`");
        }
        for port in ports {
            assert!(
                std::net::TcpStream::connect_timeout(
                    &format!("127.0.0.1:{port}").parse().unwrap(),
                    Duration::from_secs(1)
                )
                .is_err(),
                "port {port} still listens after `down`"
            );
        }
        let status = self.script(&["status"]);
        assert!(status.contains("nothing runs"), "{status}");
        // Kept only when a test fails (for its logs).
        let _ = std::fs::remove_dir_all(&self.run_dir);
    }
}

/// True when process `pid` exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses: `Z` is a zombie.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z')),
        Err(_) => false,
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.down {
            // A failed test: stop what runs anyway, without asserting.
            let _ = Command::new("bash")
                .arg(&self.script)
                .args(["down", "--run-dir"])
                .arg(&self.run_dir)
                .stdin(Stdio::null())
                .output();
        }
    }
}
