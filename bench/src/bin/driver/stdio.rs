//! Stdio: a server child process driven with raw newline-delimited JSON-RPC frames.

use super::*;

/// What a request of a load run asks for, and so how its result is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Call {
    /// `tools/call echo` with a text naming the request id.
    Echo,
    /// `tools/call ask`: one sampling round trip.
    Ask,
    /// `tools/list`, expecting this many tools.
    List(usize),
    /// `tools/call echo` in the 2026-07-28 envelope, expecting `resultType: "complete"`.
    StatelessEcho,
}

impl Call {
    pub(crate) fn frame(self, id: u64) -> String {
        match self {
            Call::Echo => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hello {id}"}}}}}}"#
            ),
            Call::Ask => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"ask","arguments":{{"question":"what is six times seven? ({id})"}}}}}}"#
            ),
            Call::List(_) => format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}"#),
            Call::StatelessEcho => format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hello {id}"}},"_meta":{ENVELOPE}}}}}"#
            ),
        }
    }

    /// Whether `result` is what request `id` should get.
    pub(crate) fn check(self, id: u64, result: &serde_json::value::RawValue) -> bool {
        #[derive(Deserialize)]
        struct Text {
            text: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct CallResult {
            content: Vec<Text>,
            #[serde(default)]
            is_error: Option<bool>,
            #[serde(default)]
            result_type: Option<String>,
        }
        #[derive(Deserialize)]
        struct ListResult {
            tools: Vec<IgnoredAny>,
        }
        match self {
            Call::Echo | Call::Ask | Call::StatelessEcho => {
                let Ok(r) = serde_json::from_str::<CallResult>(result.get()) else {
                    return false;
                };
                let want = match self {
                    Call::Echo | Call::StatelessEcho => format!("hello {id}"),
                    _ => ANSWER.to_owned(),
                };
                (self != Call::StatelessEcho || r.result_type.as_deref() == Some("complete"))
                    && r.is_error != Some(true)
                    && r.content.first().and_then(|c| c.text.as_deref()) == Some(want.as_str())
            }
            Call::List(n) => {
                serde_json::from_str::<ListResult>(result.get()).is_ok_and(|r| r.tools.len() == n)
            }
        }
    }
}

/// Any incoming frame, fields kept raw.
#[derive(Deserialize)]
pub(crate) struct Incoming<'a> {
    #[serde(borrow, default)]
    pub(crate) id: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    pub(crate) method: Option<String>,
    #[serde(borrow, default)]
    pub(crate) result: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    pub(crate) error: Option<&'a serde_json::value::RawValue>,
}

/// A server child process spoken to over its stdio.
pub(crate) struct StdioServer {
    pub(crate) child: Child,
    pub(crate) pid: u32,
    pub(crate) stdin: BufWriter<ChildStdin>,
    pub(crate) lines: Lines<BufReader<ChildStdout>>,
    pub(crate) next_id: u64,
}

pub(crate) fn command(target: &Target, extra: &[String], stderr: bool) -> Command {
    let mut cmd = Command::new(&target.command[0]);
    cmd.args(&target.command[1..])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .env("PYTHONUNBUFFERED", "1")
        .kill_on_drop(true);
    cmd
}

impl StdioServer {
    pub(crate) fn spawn(target: &Target, extra_tools: usize, plan: &Plan) -> Result<Self, String> {
        let mut child = command(
            target,
            &["--tools".into(), extra_tools.to_string()],
            plan.server_stderr,
        )
        .spawn()
        .map_err(|e| format!("{}: cannot start `{}`: {e}", target.name, target.command[0]))?;
        let pid = child.id().ok_or("the server exited at once")?;
        let stdin = BufWriter::new(child.stdin.take().expect("piped"));
        let lines = BufReader::with_capacity(1 << 16, child.stdout.take().expect("piped")).lines();
        Ok(StdioServer {
            child,
            pid,
            stdin,
            lines,
            next_id: 1,
        })
    }

    pub(crate) async fn send(&mut self, frame: &str) -> Result<(), String> {
        self.stdin
            .write_all(frame.as_bytes())
            .await
            .map_err(|e| format!("write: {e}"))?;
        self.stdin
            .write_all(b"\n")
            .await
            .map_err(|e| format!("write: {e}"))
    }

    pub(crate) async fn flush(&mut self) -> Result<(), String> {
        self.stdin.flush().await.map_err(|e| format!("flush: {e}"))
    }

    pub(crate) async fn next_line(&mut self) -> Result<String, String> {
        match tokio::time::timeout(READ_TIMEOUT, self.lines.next_line()).await {
            Err(_) => Err("timed out waiting for the server".into()),
            Ok(Err(e)) => Err(format!("read: {e}")),
            Ok(Ok(None)) => Err("the server closed its stdout".into()),
            Ok(Ok(Some(line))) => Ok(line),
        }
    }

    /// Answer a request the server sent us; true when it was one.
    pub(crate) async fn answer_server_request(
        &mut self,
        frame: &Incoming<'_>,
    ) -> Result<bool, String> {
        let (Some(id), Some(method)) = (frame.id, frame.method.as_deref()) else {
            return Ok(false);
        };
        let reply = match method {
            "sampling/createMessage" => format!(
                r#"{{"jsonrpc":"2.0","id":{},"result":{{"role":"assistant","content":{{"type":"text","text":"{ANSWER}"}},"model":"bench-model","stopReason":"endTurn"}}}}"#,
                id.get()
            ),
            "ping" => format!(r#"{{"jsonrpc":"2.0","id":{},"result":{{}}}}"#, id.get()),
            other => format!(
                r#"{{"jsonrpc":"2.0","id":{},"error":{{"code":-32601,"message":"method not found: {other}"}}}}"#,
                id.get()
            ),
        };
        self.send(&reply).await?;
        self.flush().await?;
        Ok(true)
    }

    /// Send one request and wait for its response (answering what the server asks meanwhile).
    pub(crate) async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let frame = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send(&frame.to_string()).await?;
        self.flush().await?;
        loop {
            let line = self.next_line().await?;
            let frame: Incoming = serde_json::from_str(&line)
                .map_err(|e| format!("the server wrote a non-JSON-RPC line ({e}): {line:.200}"))?;
            if self.answer_server_request(&frame).await? || frame.method.is_some() {
                continue;
            }
            if frame.id.map(|i| i.get()) == Some(id.to_string().as_str()) {
                if let Some(e) = frame.error {
                    return Err(format!("`{method}` failed: {}", e.get()));
                }
                let result = frame.result.ok_or("a response without a result")?;
                return serde_json::from_str(result.get()).map_err(|e| e.to_string());
            }
        }
    }

    /// The 2025-11-25 handshake, declaring the sampling capability.
    pub(crate) async fn handshake(&mut self) -> Result<String, String> {
        let result = self
            .request(
                "initialize",
                json!({
                    "protocolVersion": PROTOCOL,
                    "capabilities": {"sampling": {}},
                    "clientInfo": {"name": "toolsmith-bench-driver", "version": "0.1.0"}
                }),
            )
            .await?;
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await?;
        self.flush().await?;
        Ok(result["protocolVersion"].as_str().unwrap_or("?").to_owned())
    }

    /// Keep `in_flight` requests of `call` outstanding for `duration` (or `max` requests), then
    /// wait for the rest. Each response is matched to its request by id.
    pub(crate) async fn load(
        &mut self,
        call: Call,
        in_flight: usize,
        duration: Duration,
        max: u64,
    ) -> Result<LoadResult, String> {
        let mut r = LoadResult::default();
        let first_id = self.next_id;
        // sent[i]: when request first_id + i was sent; None once answered.
        let mut pending: Vec<Option<Instant>> = Vec::new();
        let start = Instant::now();
        let deadline = start + duration;
        let mut outstanding = 0usize;
        let mut stopped = false;
        for _ in 0..in_flight.max(1) {
            if r.sent >= max {
                break;
            }
            let id = self.next_id;
            self.next_id += 1;
            self.send(&call.frame(id)).await?;
            pending.push(Some(Instant::now()));
            r.sent += 1;
            outstanding += 1;
        }
        self.flush().await?;
        while outstanding > 0 {
            let line = self.next_line().await?;
            let frame: Incoming = serde_json::from_str(&line)
                .map_err(|e| format!("the server wrote a non-JSON-RPC line ({e}): {line:.200}"))?;
            if self.answer_server_request(&frame).await? {
                r.server_requests += 1;
                continue;
            }
            if frame.method.is_some() {
                continue; // a notification
            }
            let now = Instant::now();
            let id = frame.id.and_then(|i| i.get().parse::<u64>().ok());
            let slot = id
                .filter(|id| *id >= first_id)
                .and_then(|id| pending.get_mut((id - first_id) as usize));
            match slot {
                None => r.unknown += 1,
                Some(slot) => match slot.take() {
                    None => r.duplicates += 1,
                    Some(sent_at) => {
                        outstanding -= 1;
                        r.answered += 1;
                        r.latencies.push((now - sent_at).as_nanos() as u64);
                        let ok = frame.error.is_none()
                            && frame
                                .result
                                .is_some_and(|res| call.check(id.expect("matched"), res));
                        if !ok {
                            r.bad += 1;
                        }
                    }
                },
            }
            if !stopped && (now >= deadline || r.sent >= max) {
                stopped = true;
            }
            if !stopped {
                let id = self.next_id;
                self.next_id += 1;
                self.send(&call.frame(id)).await?;
                self.flush().await?;
                pending.push(Some(Instant::now()));
                r.sent += 1;
                outstanding += 1;
            }
        }
        r.elapsed = start.elapsed();
        Ok(r)
    }

    /// Whether the server answers a 2026-07-28 request without a handshake (the first request of
    /// this process): one enveloped `tools/call echo`, within 15 s.
    pub(crate) async fn speaks_stateless(&mut self) -> Result<(), String> {
        let probe = self.load(Call::StatelessEcho, 1, Duration::ZERO, 1);
        match tokio::time::timeout(Duration::from_secs(15), probe).await {
            Err(_) => Err("no answer within 15 s".into()),
            Ok(Err(e)) => Err(e),
            Ok(Ok(r)) if r.sane() => Ok(()),
            Ok(Ok(r)) => Err(format!("wrong answer: {r:?}")),
        }
    }

    /// Whether the server's `ask` answers a 2026-07-28 call with anything but a JSON-RPC error
    /// (a server may speak the revision yet sample only over a back channel it no longer has).
    pub(crate) async fn asks_by_mrtr(&mut self) -> Result<(), String> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&Self::mrtr_frame(id, u64::MAX, None)).await?;
        self.flush().await?;
        let probe = async {
            loop {
                let line = self.next_line().await?;
                let frame: Value = serde_json::from_str(&line).map_err(|e| e.to_string())?;
                if frame["id"] == json!(id) && frame.get("method").is_none() {
                    return match frame.get("error") {
                        Some(e) => Err(format!("`ask` failed: {e}")),
                        None => Ok(()),
                    };
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(15), probe)
            .await
            .map_err(|_| "no answer within 15 s".to_owned())?
    }

    /// The first round of multi round-trip call `call`: `tools/call ask` in the 2026-07-28
    /// envelope; later rounds add `inputResponses` (a JSON object) and the `requestState` as the
    /// server sent it. Written as text, like the other frames: the driver's own cost per call
    /// should stay small beside the server's.
    pub(crate) fn mrtr_frame(
        id: u64,
        call: u64,
        retry: Option<(&str, Option<&serde_json::value::RawValue>)>,
    ) -> String {
        let mut frame = format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"ask","arguments":{{"question":"what is six times seven? ({call})"}},"_meta":{ENVELOPE}"#
        );
        if let Some((responses, state)) = retry {
            frame.push_str(r#","inputResponses":"#);
            frame.push_str(responses);
            if let Some(state) = state.filter(|s| s.get() != "null") {
                frame.push_str(r#","requestState":"#);
                frame.push_str(state.get());
            }
        }
        frame.push_str("}}");
        frame
    }

    /// Keep `in_flight` multi round-trip `ask` calls outstanding for `duration` (or `max` calls),
    /// then wait for the rest. A call is one request per round, each with its own id: round 1
    /// answers `input_required` with `inputRequests`, the driver retries with `inputResponses`
    /// and the `requestState`, and the last round answers `complete` with the model's answer.
    /// `sent`/`answered` count calls; a call's latency runs from its first request to its final
    /// result; `server_requests` counts the input requests answered. Every id (of every round)
    /// must be answered exactly once.
    pub(crate) async fn load_mrtr(
        &mut self,
        in_flight: usize,
        duration: Duration,
        max: u64,
    ) -> Result<LoadResult, String> {
        /// An outstanding request: its call, when the call started, which round it is.
        type Slot = Option<(u64, Instant, u32)>;
        /// What the driver reads of a round's result (the rest is skipped, not built).
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct RoundResult<'a> {
            #[serde(default)]
            result_type: Option<String>,
            #[serde(default)]
            input_requests: Option<BTreeMap<String, InputRequest>>,
            #[serde(borrow, default)]
            request_state: Option<&'a serde_json::value::RawValue>,
        }
        #[derive(Deserialize)]
        struct InputRequest {
            method: String,
        }
        let answer = json!({"role": "assistant", "content": {"type": "text", "text": ANSWER}, "model": "bench-model", "stopReason": "endTurn"}).to_string();
        let mut r = LoadResult::default();
        let first_id = self.next_id;
        let mut pending: Vec<Slot> = Vec::new();
        let start = Instant::now();
        let deadline = start + duration;
        let mut outstanding = 0usize;
        let mut stopped = false;
        let mut next_call = 0u64;
        for _ in 0..in_flight.max(1) {
            if r.sent >= max {
                break;
            }
            let id = self.next_id;
            self.next_id += 1;
            self.send(&Self::mrtr_frame(id, next_call, None)).await?;
            pending.push(Some((next_call, Instant::now(), 1)));
            next_call += 1;
            r.sent += 1;
            outstanding += 1;
        }
        self.flush().await?;
        while outstanding > 0 {
            let line = self.next_line().await?;
            let frame: Incoming = serde_json::from_str(&line)
                .map_err(|e| format!("the server wrote a non-JSON-RPC line ({e}): {line:.200}"))?;
            if self.answer_server_request(&frame).await? {
                // No server-to-client requests in this era: the asks ride the results.
                r.unknown += 1;
                continue;
            }
            if frame.method.is_some() {
                continue; // a notification
            }
            let now = Instant::now();
            let id = frame.id.and_then(|i| i.get().parse::<u64>().ok());
            let slot = id
                .filter(|id| *id >= first_id)
                .and_then(|id| pending.get_mut((id - first_id) as usize));
            let Some(slot) = slot else {
                r.unknown += 1;
                continue;
            };
            let Some((call, started, round)) = slot.take() else {
                r.duplicates += 1;
                continue;
            };
            let result: Option<RoundResult> = frame
                .result
                .filter(|_| frame.error.is_none())
                .and_then(|res| serde_json::from_str(res.get()).ok());
            let result_type = result
                .as_ref()
                .and_then(|v| v.result_type.as_deref())
                .unwrap_or("");
            // Another round: answer every input request and retry with a new id.
            let retry = match (&result, result_type) {
                (Some(v), "input_required") if round < MAX_MRTR_ROUNDS => {
                    v.input_requests.as_ref().and_then(|asks| {
                        let mut responses = String::from("{");
                        for (i, (key, ask)) in asks.iter().enumerate() {
                            if ask.method != "sampling/createMessage" {
                                return None;
                            }
                            if i > 0 {
                                responses.push(',');
                            }
                            responses.push_str(&serde_json::to_string(key).expect("a string"));
                            responses.push(':');
                            responses.push_str(&answer);
                        }
                        responses.push('}');
                        (!asks.is_empty()).then_some((responses, asks.len(), v.request_state))
                    })
                }
                _ => None,
            };
            if let Some((responses, asked, state)) = retry {
                r.server_requests += asked as u64;
                let id = self.next_id;
                self.next_id += 1;
                self.send(&Self::mrtr_frame(id, call, Some((&responses, state))))
                    .await?;
                self.flush().await?;
                pending.push(Some((call, started, round + 1)));
                continue;
            }
            // The call is over, right or wrong.
            outstanding -= 1;
            r.answered += 1;
            r.latencies.push((now - started).as_nanos() as u64);
            let ok = result_type == "complete"
                && round >= 2
                && frame
                    .result
                    .filter(|_| frame.error.is_none())
                    .is_some_and(|raw| Call::Ask.check(call, raw));
            if !ok {
                r.bad += 1;
            }
            if !stopped && (now >= deadline || r.sent >= max) {
                stopped = true;
            }
            if !stopped {
                let id = self.next_id;
                self.next_id += 1;
                self.send(&Self::mrtr_frame(id, next_call, None)).await?;
                self.flush().await?;
                pending.push(Some((next_call, Instant::now(), 1)));
                next_call += 1;
                r.sent += 1;
                outstanding += 1;
            }
        }
        r.elapsed = start.elapsed();
        Ok(r)
    }

    pub(crate) async fn close(mut self) {
        let _ = self.stdin.shutdown().await;
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(2), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
