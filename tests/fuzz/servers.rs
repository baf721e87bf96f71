//! Targets 2 and 3: the stdio server, 32 lines at a time, and the HTTP endpoint, one body per
//! POST.

use super::*;

// ---------------------------------------------------------------------------------------------
// The servers.

/// Add two integers.
#[tool]
async fn add(a: i64, b: i64) -> String {
    a.wrapping_add(b).to_string()
}

/// How deeply the arguments nest.
#[tool]
async fn depth(Params(args): Params<Map<String, Value>>) -> String {
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
            Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    depth(&Value::Object(args)).to_string()
}

/// The configuration.
#[resource(uri = "config://app")]
async fn config() -> String {
    "ok".into()
}

/// Greet someone.
#[prompt]
async fn greet(name: String) -> String {
    format!("Hello, {name}.")
}

fn server() -> Server {
    Server::new("fuzz", "1")
        .tool(echo)
        .tool(add)
        .tool(depth)
        .resource(config)
        .prompt(greet)
        .complete_prompt_argument("greet", "name", |p, _| vec![format!("{p}!")])
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Target 2: the stdio server, 32 lines at a time.

#[test]
fn fuzz_the_stdio_server() {
    let seed = seed();
    let mut rng = Rng(seed ^ 0x5354_4449_4f00);
    let mut corpus = seeds();
    let mut seen: HashSet<String> = HashSet::new();
    let deadline = Instant::now() + budget();
    let (mut batches, mut lines) = (0u64, 0u64);
    runtime().block_on(async {
        let mut pipe = Pipe::initialized(server(), json!({})).await;
        while Instant::now() < deadline {
            let mut batch = Vec::new();
            let (mut requests, mut frame_errors) = (Vec::new(), 0usize);
            let mut by_id = std::collections::HashMap::new();
            while batch.len() < 32 {
                let parent = rng.pick(&corpus).clone();
                let input = mutate(&mut rng, &parent, &corpus);
                let Some(outcome) = parse(&input) else {
                    continue;
                };
                if unsendable(&outcome) {
                    continue;
                }
                match &outcome {
                    Ok(Message::Request(r)) => {
                        let id = serde_json::to_value(&r.id).unwrap();
                        by_id.insert(id.to_string(), input.clone());
                        requests.push(id);
                    }
                    Ok(_) => {}
                    Err(_) => frame_errors += 1,
                }
                if seen.insert(signature(&outcome)) && corpus.len() < 10_000 {
                    corpus.push(input.clone());
                }
                batch.push(input);
            }
            for line in &batch {
                pipe.tx.send_bytes(line).await;
            }
            // Exactly one answer per request and per bad frame: wait for them all, then make sure
            // nothing more comes.
            let want = requests.len() + frame_errors;
            let mut got: Vec<Value> = Vec::new();
            let mut before_sync = pipe.sync().await;
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                got.extend(before_sync.drain(..).filter(|m| m.get("method").is_none()));
                if got.len() >= want {
                    break;
                }
                if Instant::now() > deadline {
                    fail(
                        "stdio",
                        seed,
                        &batch.join(&b'\n'),
                        &format!("{} answers of {want}: {got:?}", got.len()),
                    );
                }
                if let Some(m) = pipe.rx.next_within(Duration::from_millis(100)).await {
                    before_sync.push(m);
                }
            }
            got.extend(
                pipe.sync()
                    .await
                    .into_iter()
                    .filter(|m| m.get("method").is_none()),
            );
            if got.len() != want {
                fail(
                    "stdio",
                    seed,
                    &batch.join(&b'\n'),
                    &format!("{} answers for {want} owed: {got:?}", got.len()),
                );
            }
            for id in &requests {
                if !got.iter().any(|m| &m["id"] == id) {
                    fail(
                        "stdio",
                        seed,
                        &batch.join(&b'\n'),
                        &format!("request {id} was not answered"),
                    );
                }
            }
            // What the server said is feedback too: a request that drew a new kind of answer
            // (an error naming another problem, a result of another shape) joins the corpus.
            for m in &got {
                let shape = match m.get("error") {
                    // Up to the first colon: "invalid params for `tools/call`", "method not
                    // found", "parse error" (what follows names the input itself).
                    Some(e) => format!(
                        "server {} {}",
                        e["code"],
                        e["message"]
                            .as_str()
                            .unwrap_or_default()
                            .split(':')
                            .next()
                            .unwrap_or_default()
                    ),
                    None => {
                        let mut keys: Vec<&String> = m["result"]
                            .as_object()
                            .map(|o| o.keys().collect())
                            .unwrap_or_default();
                        keys.sort();
                        format!("server result {keys:?} isError={}", m["result"]["isError"])
                    }
                };
                if seen.insert(shape) && corpus.len() < 10_000 {
                    if let Some(input) = by_id.get(&m["id"].to_string()) {
                        corpus.push(input.clone());
                    }
                }
            }
            batches += 1;
            lines += batch.len() as u64;
        }
        pipe.close().await.expect("the server ended cleanly");
    });
    eprintln!(
        "fuzz stdio: {lines} lines in {batches} batches in {:?}, {} outcome shapes (TOOLSMITH_FUZZ_SEED={seed})",
        budget(),
        seen.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Target 3: the HTTP endpoint, one body per POST.

#[test]
fn fuzz_the_http_endpoint() {
    let seed = seed();
    let mut rng = Rng(seed ^ 0x4854_5450);
    let corpus = seeds();
    let deadline = Instant::now() + budget();
    let mut posts = 0u64;
    let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
    runtime().block_on(async {
        let mut http = Http::start(server(), HttpConfig::default()).await;
        http.initialize(json!({})).await;
        while Instant::now() < deadline {
            let parent = rng.pick(&corpus).clone();
            let input = mutate(&mut rng, &parent, &corpus);
            if parse(&input).is_some_and(|o| unsendable(&o)) {
                continue;
            }
            let reply =
                tokio::time::timeout(Duration::from_secs(20), http.post_bytes(input.clone()))
                    .await
                    .unwrap_or_else(|_| fail("http", seed, &input, "no answer within 20 s"));
            posts += 1;
            *statuses.entry(reply.status).or_default() += 1;
            match reply.status {
                202 => {}
                200 if reply.content_type == "text/event-stream" => {}
                200 | 400 | 404 | 500 if reply.content_type == "application/json" => {
                    let m: Value = serde_json::from_slice(&reply.body)
                        .unwrap_or_else(|_| fail("http", seed, &input, "the body is not JSON"));
                    if reply.status != 200 && m["error"]["code"].as_i64().is_none() {
                        fail(
                            "http",
                            seed,
                            &input,
                            &format!("{} without a JSON-RPC error: {m}", reply.status),
                        );
                    }
                }
                _ => fail(
                    "http",
                    seed,
                    &input,
                    &format!("unexpected answer {reply:?}"),
                ),
            }
            if posts.is_multiple_of(32) {
                let r = http
                    .call(&json!({"jsonrpc": "2.0", "id": "alive", "method": "ping"}))
                    .await;
                assert_eq!(r["result"], json!({}));
            }
        }
    });
    eprintln!(
        "fuzz http: {posts} bodies in {:?}, statuses {statuses:?} (TOOLSMITH_FUZZ_SEED={seed})",
        budget()
    );
}
