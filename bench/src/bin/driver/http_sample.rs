//! HTTP sampling: `tools/call ask` over streamable HTTP (2025-11-25), the server's
//! `sampling/createMessage` on the POST's SSE stream, the answer POSTed back, then the result.

use super::*;

/// The driver's answer to a `sampling/createMessage` request with raw id `id`.
fn sampling_answer(id: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"result":{{"role":"assistant","content":{{"type":"text","text":"{ANSWER}"}},"model":"bench-model","stopReason":"endTurn"}}}}"#
    )
}

/// One worker of the scenario: a connection for its calls and one for its answers (a call's SSE
/// stream is still open while its sampling request is answered).
pub(crate) struct Asker {
    pub(crate) calls: Conn,
    pub(crate) answers: Conn,
    pub(crate) next_id: u64,
}

impl Asker {
    /// One `ask` call: reads the POST's SSE stream, answers every sampling request on it with a
    /// POST of its own, and returns the call's latency in nanoseconds, whether the result was
    /// right, and how many server requests were answered.
    pub(crate) async fn ask(&mut self) -> Result<(u64, bool, u64), String> {
        let id = self.next_id;
        self.next_id += 1;
        let t0 = Instant::now();
        let mut resp = self
            .calls
            .post(Call::Ask.frame(id))
            .await
            .map_err(|e| format!("tools/call ask: {e}"))?;
        let status = resp.status();
        if !status.is_success() {
            let body = read_all(resp.body_mut()).await.unwrap_or_default();
            let body = String::from_utf8_lossy(&body);
            return Err(format!("tools/call ask: HTTP {status}: {body:.300}"));
        }
        let mut reader = SseReader::default();
        let mut answered = 0u64;
        let mut found: Option<bool> = None;
        while found.is_none() {
            let chunk = next_chunk(resp.body_mut())
                .await
                .map_err(|e| format!("ask {id}: {e}"))?
                .ok_or_else(|| format!("ask {id}: the SSE stream ended without the result"))?;
            reader.push(&chunk);
            while let Some(frame) = reader.next_event() {
                let msg: Incoming<'_> = serde_json::from_slice(&frame).map_err(|e| {
                    let frame = String::from_utf8_lossy(&frame);
                    format!("ask {id}: bad SSE data ({e}): {frame:.300}")
                })?;
                match (msg.method.as_deref(), msg.id) {
                    (Some("sampling/createMessage"), Some(rid)) => {
                        if answered >= u64::from(MAX_MRTR_ROUNDS) {
                            return Err(format!("ask {id}: more than {MAX_MRTR_ROUNDS} samples"));
                        }
                        let mut reply = self
                            .answers
                            .post(sampling_answer(rid.get()))
                            .await
                            .map_err(|e| format!("sampling answer: {e}"))?;
                        let status = reply.status();
                        read_all(reply.body_mut())
                            .await
                            .map_err(|e| format!("sampling answer: {e}"))?;
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
                    (None, _) => {
                        let frame = String::from_utf8_lossy(&frame);
                        return Err(format!("ask {id}: unexpected frame {frame:.300}"));
                    }
                }
            }
        }
        let nanos = t0.elapsed().as_nanos() as u64;
        // The server ends the stream after the response; read that end so the connection is
        // free for the next call.
        let _ = tokio::time::timeout(Duration::from_millis(100), async {
            while let Ok(Some(_)) = next_chunk(resp.body_mut()).await {}
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
        // Each worker is a pair of connections in the session, its ids striding past the
        // other workers'.
        let mut measured = LoadResult::default();
        for (window, record) in [(plan.warmup, false), (plan.measure, true)] {
            let before = cpu_and_switches(server.pid);
            let start = Instant::now();
            let deadline = start + window;
            let per_worker = (plan.max_requests / IN_FLIGHT).max(1);
            let base = session.next_id;
            let workers = (0..IN_FLIGHT).map(|w| {
                let (url, id) = (Arc::clone(&session.url), session.session.clone());
                async move {
                    let mut s = Asker {
                        calls: Conn::open(&url, &id).await?,
                        answers: Conn::open(&url, &id).await?,
                        next_id: base + w,
                    };
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
