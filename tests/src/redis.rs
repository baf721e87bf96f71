//! A real `redis-server` (Debian's package, installed by `deploy/install-packages.sh`, which
//! `.ci/setup-cluster.sh` runs) started by a test on a free loopback port, without persistence,
//! and killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::prerequisites;

/// A `redis-server` this test started.
pub struct RedisServer {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

/// How long `redis-server` may take to say it is ready.
const READY_WITHIN: Duration = Duration::from_secs(20);

impl RedisServer {
    /// Start one on a free port; `None` (after [`prerequisites::missing`]) when `redis-server` is
    /// not installed.
    pub fn start(test: &str) -> Option<RedisServer> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        Self::start_on(test, port)
    }

    /// Start one on `port` (e.g. again, after [`RedisServer::stop`]).
    pub fn start_on(test: &str, port: u16) -> Option<RedisServer> {
        let spawned = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                prerequisites::missing(
                    test,
                    "redis-server is not installed (bash deploy/install-packages.sh)",
                );
                return None;
            }
            Err(e) => panic!("could not start redis-server: {e}"),
        };
        // Ready when it says so on stdout (read on a thread, so the wait is bounded).
        let stdout = child.stdout.take().expect("piped stdout");
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = ready_tx.send(());
                }
            }
        });
        if ready_rx.recv_timeout(READY_WITHIN).is_err() {
            let _ = child.kill();
            panic!("redis-server on port {port} did not become ready within {READY_WITHIN:?}");
        }
        Some(RedisServer { child, port })
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Run `redis-cli` against it with `args`; its output, trimmed.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Kill it (SIGKILL) and wait until it is gone.
    pub fn stop(mut self) -> u16 {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.port
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
