//! The server under attack: a URL on a loopback address, and, when the driver started it, its
//! child process (so its memory and open descriptors can be read from `/proc`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// Where the attacks go: the endpoint's URL, its socket address, and the process behind it (when
/// known).
pub(crate) struct Server {
    /// The MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`.
    pub(crate) url: String,
    /// The socket address of `url` (always in 127.0.0.0/8).
    pub(crate) addr: SocketAddr,
    /// The path of `url` (for raw HTTP requests), e.g. `/mcp`.
    pub(crate) path: String,
    /// The server's process id, when the driver started it or was told it.
    pub(crate) pid: Option<u32>,
    child: Option<Child>,
}

/// Parse `url` and refuse anything but an `http://` URL whose host is an IPv4 address in
/// 127.0.0.0/8 (or `localhost`, taken as 127.0.0.1): the driver attacks nothing else.
pub(crate) fn loopback_url(url: &str) -> Result<(SocketAddr, String), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad URL `{url}`: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!("`{url}`: only http:// URLs (loopback, no TLS)"));
    }
    let ip = match parsed.host_str() {
        Some("localhost") => Ipv4Addr::LOCALHOST,
        Some(host) => host.parse::<Ipv4Addr>().map_err(|_| {
            format!("`{url}`: the host must be an address in 127.0.0.0/8 (loopback only)")
        })?,
        None => return Err(format!("`{url}`: no host")),
    };
    if !ip.is_loopback() {
        return Err(format!(
            "`{url}`: {ip} is not in 127.0.0.0/8; the driver attacks loopback only"
        ));
    }
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| format!("`{url}`: no port"))?;
    Ok((
        SocketAddr::new(IpAddr::V4(ip), port),
        parsed.path().to_owned(),
    ))
}

impl Server {
    /// A server the driver did not start, at `url` (loopback only), with process `pid` if given.
    pub(crate) fn external(url: &str, pid: Option<u32>) -> Result<Self, String> {
        let (addr, path) = loopback_url(url)?;
        Ok(Server {
            url: url.to_owned(),
            addr,
            path,
            pid,
            child: None,
        })
    }

    /// Start `command` (split on whitespace) with `--http 127.0.0.1:PORT` appended, on a free
    /// loopback port, and wait (at most 60 s) until it accepts connections. Its endpoint is `/mcp`.
    pub(crate) async fn spawn(command: &str, stderr: bool) -> Result<Self, String> {
        let mut words = command.split_whitespace();
        let program = words.next().ok_or("an empty --server command")?;
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(|e| format!("no free loopback port: {e}"))?;
            l.local_addr().map_err(|e| e.to_string())?.port()
        };
        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        let mut cmd = Command::new(program);
        cmd.args(words)
            .arg("--http")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if stderr {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start `{program}`: {e}"))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let t0 = Instant::now();
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("`{command}` exited before listening ({status})"));
            }
            if t0.elapsed() > Duration::from_secs(60) {
                return Err(format!("`{command}`: nothing listens on {addr} after 60 s"));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Server {
            url: format!("http://{addr}/mcp"),
            addr,
            path: "/mcp".to_owned(),
            pid: Some(pid),
            child: Some(child),
        })
    }

    /// The server's resident memory now and its peak, in KiB (`VmRSS`, `VmHWM`), if known.
    pub(crate) fn memory_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// How many file descriptors the server holds open (sockets included), if known.
    pub(crate) fn open_fds(&self) -> Option<u64> {
        let dir = std::fs::read_dir(format!("/proc/{}/fd", self.pid?)).ok()?;
        Some(dir.count() as u64)
    }

    /// Whether the process the driver started is still running (`None` if it did not start it).
    pub(crate) fn alive(&mut self) -> Option<bool> {
        let child = self.child.as_mut()?;
        Some(matches!(child.try_wait(), Ok(None)))
    }

    /// Stop the server if the driver started it (SIGKILL; nothing of its state is needed).
    pub(crate) async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }
}
