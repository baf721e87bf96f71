//! Streamable HTTP: a server child process on a loopback port, its sessions, and the HTTP scenarios.

use super::*;

/// A server child process serving streamable HTTP on a loopback port.
pub(crate) struct HttpServer {
    pub(crate) child: Child,
    pub(crate) pid: u32,
    pub(crate) url: String,
}

impl HttpServer {
    pub(crate) async fn spawn(target: &Target, plan: &Plan) -> Result<Self, String> {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
            l.local_addr().map_err(|e| e.to_string())?.port()
        };
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = command(target, &["--http".into(), addr.clone()], plan.server_stderr);
        cmd.stdin(Stdio::null()).stdout(Stdio::null());
        let child = cmd
            .spawn()
            .map_err(|e| format!("{}: cannot start `{}`: {e}", target.name, target.command[0]))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let t0 = Instant::now();
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            if t0.elapsed() > Duration::from_secs(30) {
                return Err(format!(
                    "{}: nothing listens on {addr} after 30 s",
                    target.name
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(HttpServer {
            child,
            pid,
            url: format!("http://{addr}/mcp"),
        })
    }

    /// SIGTERM (so a profiler wrapping the server can write its data), then SIGKILL after 5 s.
    pub(crate) async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(2048)
        .http1_only()
        .tcp_nodelay(true)
        .build()
        .expect("a client")
}

/// One streamable HTTP session, spoken to with plain POSTs.
pub(crate) struct HttpSession {
    pub(crate) client: reqwest::Client,
    pub(crate) url: Arc<str>,
    pub(crate) session: String,
    pub(crate) next_id: u64,
}

/// Read the JSON-RPC response with `id` from a POST's answer (a JSON body or an SSE stream).
pub(crate) async fn read_response(resp: reqwest::Response, id: u64) -> Result<Value, String> {
    let status = resp.status();
    let sse = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/event-stream"));
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        return Err(format!("HTTP {status}: {body:.300}"));
    }
    let matches =
        |v: &Value| v.get("id").and_then(Value::as_u64) == Some(id) && v.get("method").is_none();
    if !sse {
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        return if matches(&v) {
            Ok(v)
        } else {
            Err(format!("unexpected body: {v:.300}"))
        };
    }
    let mut stream = resp.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut data = String::new();
    let mut found = None;
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(d) = line.strip_prefix("data:") {
                data.push_str(d.strip_prefix(' ').unwrap_or(d));
            } else if line.is_empty() && !data.is_empty() {
                if let Ok(v) = serde_json::from_str::<Value>(&data) {
                    if matches(&v) {
                        found = Some(v);
                    }
                }
                data.clear();
            }
        }
        if found.is_some() {
            break;
        }
    }
    // The server ends the stream after the response; read that end so the connection is reused.
    if found.is_some() {
        let _ = tokio::time::timeout(Duration::from_millis(100), async {
            while stream.next().await.is_some() {}
        })
        .await;
    }
    found.ok_or_else(|| "the SSE stream ended without the response".into())
}

impl HttpSession {
    pub(crate) fn post(&self, body: String) -> reqwest::RequestBuilder {
        let mut req = self
            .client
            .post(&*self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                reqwest::header::ACCEPT,
                "application/json, text/event-stream",
            )
            .body(body);
        if !self.session.is_empty() {
            req = req
                .header("mcp-session-id", &self.session)
                .header("mcp-protocol-version", PROTOCOL);
        }
        req
    }

    pub(crate) async fn open(client: reqwest::Client, url: Arc<str>) -> Result<Self, String> {
        let mut s = HttpSession {
            client,
            url,
            session: String::new(),
            next_id: 1,
        };
        let init = json!({
            "jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL,
                "capabilities": {"sampling": {}},
                "clientInfo": {"name": "toolsmith-bench-driver", "version": "0.1.0"}
            }
        });
        let resp = s
            .post(init.to_string())
            .send()
            .await
            .map_err(|e| format!("initialize: {e}"))?;
        let session = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or("initialize: no Mcp-Session-Id header")?;
        read_response(resp, 0).await?;
        s.session = session;
        let resp = s
            .post(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.into())
            .send()
            .await
            .map_err(|e| format!("initialized: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("notifications/initialized: HTTP {}", resp.status()));
        }
        let _ = resp.bytes().await;
        Ok(s)
    }

    /// One echo call; its latency in nanoseconds, and whether the result was right.
    pub(crate) async fn echo(&mut self) -> Result<(u64, bool), String> {
        let id = self.next_id;
        self.next_id += 1;
        let t0 = Instant::now();
        let resp = self
            .post(Call::Echo.frame(id))
            .send()
            .await
            .map_err(|e| format!("tools/call: {e}"))?;
        let v = read_response(resp, id).await?;
        let nanos = t0.elapsed().as_nanos() as u64;
        let ok = v.get("error").is_none()
            && v.get("result").is_some_and(|r| {
                let raw = serde_json::value::to_raw_value(r).expect("json");
                Call::Echo.check(id, &raw)
            });
        Ok((nanos, ok))
    }
}

/// 64 sessions, each calling echo back to back; then the server's peak RSS.
pub(crate) async fn http_echo(
    target: &Target,
    plan: &Plan,
    out: &mut Metrics,
) -> Result<(), String> {
    const SESSIONS: usize = 64;
    if !plan.scenarios.iter().any(|s| s == "http_echo_64") {
        return Ok(());
    }
    let server = HttpServer::spawn(target, plan).await?;
    let result = async {
        let client = http_client();
        let url: Arc<str> = server.url.clone().into();
        let sessions = futures::future::try_join_all(
            (0..SESSIONS).map(|_| HttpSession::open(client.clone(), Arc::clone(&url))),
        )
        .await?;
        // One connection per session (the load goes through hyper's connection API, not the
        // reqwest client that opened them).
        let mut sessions =
            futures::future::try_join_all(sessions.into_iter().map(|s| async move {
                let conn = Conn::open(&s.url, &s.session).await?;
                Ok::<_, String>((conn, s.next_id))
            }))
            .await?;
        // Warm-up, then the measured window; sessions run concurrently on this one thread.
        let mut measured = LoadResult::default();
        for (window, record) in [(plan.warmup, false), (plan.measure, true)] {
            let before = cpu_and_switches(server.pid);
            let start = Instant::now();
            let deadline = start + window;
            let per_session = (plan.max_requests / SESSIONS as u64).max(1);
            let runs = sessions.iter_mut().map(|(conn, next_id)| async move {
                let mut lat = Vec::new();
                let mut bad = 0u64;
                while Instant::now() < deadline && (lat.len() as u64) < per_session {
                    let (nanos, ok) = echo_on(conn, *next_id).await?;
                    *next_id += 1;
                    lat.push(nanos);
                    bad += u64::from(!ok);
                }
                Ok::<_, String>((lat, bad))
            });
            let all = futures::future::try_join_all(runs).await?;
            if record {
                measured.elapsed = start.elapsed();
                measured.usage = (before, cpu_and_switches(server.pid));
                for (lat, bad) in all {
                    measured.sent += lat.len() as u64;
                    measured.answered += lat.len() as u64;
                    measured.bad += bad;
                    measured.latencies.extend(lat);
                }
            }
        }
        Ok::<_, String>(measured)
    }
    .await;
    let hwm = memory_kib(server.pid).map(|(_, hwm)| hwm);
    server.stop().await;
    let r = result?;
    if !r.sane() {
        eprintln!("  {} http_echo_64: {r:?}", target.name);
    }
    out.extend(r.metrics("http_echo_64"));
    if let Some(hwm) = hwm {
        out.insert("rss.http_load_peak_kib".into(), hwm as f64);
    }
    Ok(())
}

/// Memory per idle session: RSS after `n` more initialized sessions, minus before, over `n`.
pub(crate) async fn http_idle(
    target: &Target,
    plan: &Plan,
    out: &mut Metrics,
) -> Result<(), String> {
    if !plan.scenarios.iter().any(|s| s == "http_idle") {
        return Ok(());
    }
    let server = HttpServer::spawn(target, plan).await?;
    let result = async {
        let client = http_client();
        let url: Arc<str> = server.url.clone().into();
        // Warm the server up (first session, first call) so lazily built state is not counted.
        let mut warm = HttpSession::open(client.clone(), Arc::clone(&url)).await?;
        for _ in 0..20 {
            warm.echo().await?;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (before, _) = memory_kib(server.pid).ok_or("no /proc status")?;
        let n = plan.idle_sessions;
        let mut kept = Vec::with_capacity(n);
        // 16 handshakes at a time.
        let mut opening = futures::stream::iter(
            (0..n).map(|_| HttpSession::open(client.clone(), Arc::clone(&url))),
        )
        .buffer_unordered(16);
        while let Some(s) = opening.next().await {
            kept.push(s?);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (after, _) = memory_kib(server.pid).ok_or("no /proc status")?;
        Ok::<_, String>((before, after, kept.len()))
    }
    .await;
    server.stop().await;
    let (before, after, n) = result?;
    out.insert(
        "http_idle.bytes_per_session".into(),
        (after as f64 - before as f64) * 1024.0 / n as f64,
    );
    out.insert("http_idle.sessions".into(), n as f64);
    out.insert("http_idle.rss_after_kib".into(), after as f64);
    Ok(())
}
