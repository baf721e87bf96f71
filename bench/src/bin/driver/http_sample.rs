//! HTTP sampling: `tools/call ask` over streamable HTTP (2025-11-25), the server's
//! `sampling/createMessage` on the POST's SSE stream, the answer POSTed back, then the result.

use super::*;

/// The driver's answer to a `sampling/createMessage` request with raw id `id`.
fn sampling_answer(id: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"result":{{"role":"assistant","content":{{"type":"text","text":"{ANSWER}"}},"model":"bench-model","stopReason":"endTurn"}}}}"#
    )
}

impl HttpSession {
    /// One `ask` call: reads the POST's SSE stream, answers every sampling request on it with a
    /// POST of its own, and returns the call's latency in nanoseconds, whether the result was
    /// right, and how many server requests were answered.
    pub(crate) async fn ask(&mut self) -> Result<(u64, bool, u64), String> {
        let id = self.next_id;
        self.next_id += 1;
        let t0 = Instant::now();
        let resp = self
            .post(Call::Ask.frame(id))
            .send()
            .await
            .map_err(|e| format!("tools/call ask: {e}"))?;
        let status = resp.status();
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(format!("tools/call ask: HTTP {status}: {body:.300}"));
        }
        let mut stream = resp.bytes_stream();
        let mut buf: Vec<u8> = Vec::new();
        let mut data = String::new();
        let mut answered = 0u64;
        let mut found: Option<bool> = None;
        while found.is_none() {
            let chunk = tokio::time::timeout(READ_TIMEOUT, stream.next())
                .await
                .map_err(|_| format!("ask {id}: nothing on the SSE stream for {READ_TIMEOUT:?}"))?
                .ok_or_else(|| format!("ask {id}: the SSE stream ended without the result"))?
                .map_err(|e| e.to_string())?;
            buf.extend_from_slice(&chunk);
            while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line);
                let line = line.trim_end_matches(['\r', '\n']);
                if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.strip_prefix(' ').unwrap_or(d));
                    continue;
                }
                if !line.is_empty() || data.is_empty() {
                    continue;
                }
                let frame = std::mem::take(&mut data);
                let msg: Incoming<'_> = serde_json::from_str(&frame)
                    .map_err(|e| format!("ask {id}: bad SSE data ({e}): {frame:.300}"))?;
                match (msg.method.as_deref(), msg.id) {
                    (Some("sampling/createMessage"), Some(rid)) => {
                        if answered >= u64::from(MAX_MRTR_ROUNDS) {
                            return Err(format!("ask {id}: more than {MAX_MRTR_ROUNDS} samples"));
                        }
                        let reply = self
                            .post(sampling_answer(rid.get()))
                            .send()
                            .await
                            .map_err(|e| format!("sampling answer: {e}"))?;
                        let status = reply.status();
                        let _ = reply.bytes().await;
                        if !status.is_success() {
                            return Err(format!("sampling answer: HTTP {status}"));
                        }
                        answered += 1;
                    }
                    (Some(other), _) if other.starts_with("notifications/") => {}
                    (Some(other), _) => {
                        return Err(format!("ask {id}: unexpected server request `{other}`"))
                    }
                    (None, Some(rid)) if rid.get() == id.to_string() => {
                        found = Some(
                            msg.error.is_none()
                                && msg.result.is_some_and(|r| Call::Ask.check(id, r)),
                        );
                    }
                    (None, _) => return Err(format!("ask {id}: unexpected frame {frame:.300}")),
                }
            }
        }
        let nanos = t0.elapsed().as_nanos() as u64;
        // The server ends the stream after the response; read that end so the connection is reused.
        let _ = tokio::time::timeout(Duration::from_millis(100), async {
            while stream.next().await.is_some() {}
        })
        .await;
        Ok((nanos, found == Some(true) && answered == 1, answered))
    }
}

/// One session, 32 `ask` calls in flight (each answering its sampling request on the side).
pub(crate) async fn http_sample(
    target: &Target,
    plan: &Plan,
    out: &mut Metrics,
) -> Result<(), String> {
    const IN_FLIGHT: u64 = 32;
    const NAME: &str = "http_sample_32";
    if !plan.scenarios.iter().any(|s| s == NAME) {
        return Ok(());
    }
    let server = HttpServer::spawn(target, plan).await?;
    let result = async {
        let client = http_client();
        let url: Arc<str> = server.url.clone().into();
        let mut session = HttpSession::open(client, url).await?;
        let mut measured = LoadResult::default();
        for (window, record) in [(plan.warmup, false), (plan.measure, true)] {
            let before = cpu_and_switches(server.pid);
            let start = Instant::now();
            let deadline = start + window;
            let per_worker = (plan.max_requests / IN_FLIGHT).max(1);
            // Each worker is a copy of the session sharing its id space by striding.
            let base = session.next_id;
            let workers = (0..IN_FLIGHT).map(|w| {
                let mut s = HttpSession {
                    client: session.client.clone(),
                    url: Arc::clone(&session.url),
                    session: session.session.clone(),
                    next_id: base + w,
                };
                async move {
                    let mut lat = Vec::new();
                    let (mut bad, mut asked) = (0u64, 0u64);
                    while Instant::now() < deadline && (lat.len() as u64) < per_worker {
                        let (nanos, ok, n) = s.ask().await?;
                        // `ask` advanced the id by one; stride past the other workers' ids.
                        s.next_id += IN_FLIGHT - 1;
                        lat.push(nanos);
                        bad += u64::from(!ok);
                        asked += n;
                    }
                    Ok::<_, String>((lat, bad, asked, s.next_id))
                }
            });
            let all = futures::future::try_join_all(workers).await?;
            session.next_id = all.iter().map(|r| r.3).max().unwrap_or(base);
            if record {
                measured.elapsed = start.elapsed();
                measured.usage = (before, cpu_and_switches(server.pid));
                for (lat, bad, asked, _) in all {
                    measured.sent += lat.len() as u64;
                    measured.answered += lat.len() as u64;
                    measured.bad += bad;
                    measured.server_requests += asked;
                    measured.latencies.extend(lat);
                }
            }
        }
        Ok::<_, String>(measured)
    }
    .await;
    server.stop().await;
    let r = result?;
    if !r.sane() {
        eprintln!("  {} {NAME}: {r:?}", target.name);
    }
    out.extend(r.metrics(NAME));
    Ok(())
}
