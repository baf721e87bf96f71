//! Criterion micro-benchmarks of the runtime, through its public API only:
//! `cargo bench -p toolsmith-bench` (a group: `cargo bench -p toolsmith-bench -- dispatch`).
//!
//! - `frame_decode`: frames read by `Server::serve` from an in-memory reader (line splitting,
//!   UTF-8 check, JSON-RPC parse, dispatch of a no-op notification), per frame.
//! - `dispatch`: a request through a `Server` over an in-memory duplex, end to end in-process
//!   (frame in, handler, frame out): `ping`, `tools/call echo`, 32 pipelined calls, `tools/list`,
//!   and `ask` with its sampling request answered in-process.
//! - `arguments`: `tools/call` with argument objects of different shapes; each tool returns the
//!   same short text, so the differences are argument decoding (and parsing the bigger frame).
//! - `result_encoding`: a tool's return value into the response frame the way the runtime does it
//!   (`ToolOutput` -> `CallToolResult` -> JSON value -> `Message::to_json`).
//!
//! The runtime has no public hook to parse one frame, or to call one `ToolDef` with a JSON value,
//! so those two are measured through `Server::serve` (see BENCHMARKS.md for the hooks to add).

use std::io::Cursor;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::json;
use tokio::io::{
    AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, Lines, ReadHalf, WriteHalf,
};
use tokio::runtime::Runtime;
use toolsmith::jsonrpc::{Message, RequestId};
use toolsmith::prelude::*;
use toolsmith::{ToolDef, ToolMeta, ToolOutput};

/// Echo the text back.
#[tool]
async fn echo(text: String) -> String {
    text
}

/// Ask the client's model.
#[tool]
async fn ask(question: String, ctx: Context<'_>) -> Result<String, SampleError> {
    Ok(ctx.sample(question).max_tokens(64).await?.text())
}

#[derive(Deserialize, JsonSchema)]
#[allow(dead_code)]
struct Address {
    street: String,
    city: String,
    zip: Option<String>,
}

/// Sixteen fields of mixed types, one nested.
#[tool]
#[allow(clippy::too_many_arguments)]
async fn wide(
    a: String,
    b: String,
    c: i64,
    d: i64,
    e: f64,
    f: bool,
    g: Option<String>,
    h: Option<i64>,
    i: Vec<String>,
    j: Vec<i64>,
    k: Address,
    l: String,
    m: u32,
    n: Option<bool>,
    o: Vec<f64>,
    p: String,
) -> String {
    let _ = (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p);
    "ok".into()
}

/// One big text.
#[tool]
async fn big(text: String) -> String {
    let _ = text;
    "ok".into()
}

#[derive(Serialize, JsonSchema)]
struct Report {
    label: String,
    score: f64,
    tags: Vec<String>,
    model: Option<String>,
}

fn trivial(i: usize) -> ToolDef {
    #[derive(Deserialize, JsonSchema)]
    struct Args {
        text: String,
    }
    let meta = ToolMeta {
        name: String::leak(format!("tool_{i}")),
        description: Some("Trivial tool: returns its text."),
        ..Default::default()
    };
    ToolDef::from_fn(meta, None, |_ctx, a: Args| {
        Box::pin(async move { CallToolResult::text(a.text) })
    })
}

fn server(extra_tools: usize) -> Server {
    (0..extra_tools).fold(
        Server::new("bench", "0")
            .tool(echo)
            .tool(ask)
            .tool(wide)
            .tool(big),
        |s, i| s.tool(trivial(i)),
    )
}

fn runtime() -> Runtime {
    // One thread: the cost of the work, without cross-thread wake-ups.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The client end of an in-process server, spoken to with raw frames.
struct Pipe {
    writer: WriteHalf<DuplexStream>,
    lines: Lines<BufReader<ReadHalf<DuplexStream>>>,
}

impl Pipe {
    async fn start(server: Server) -> Pipe {
        let (client, server_side) = tokio::io::duplex(1 << 20);
        let (r, w) = tokio::io::split(server_side);
        tokio::spawn(server.serve(r, w));
        let (read, writer) = tokio::io::split(client);
        let mut pipe = Pipe {
            writer,
            lines: BufReader::new(read).lines(),
        };
        pipe.send(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"sampling":{}},"clientInfo":{"name":"bench","version":"0"}}}"#).await;
        pipe.recv().await;
        pipe.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            .await;
        pipe
    }

    async fn send(&mut self, frame: &str) {
        self.writer.write_all(frame.as_bytes()).await.unwrap();
        self.writer.write_all(b"\n").await.unwrap();
        self.writer.flush().await.unwrap();
    }

    async fn recv(&mut self) -> String {
        self.lines.next_line().await.unwrap().expect("a frame")
    }

    /// Send `frame`, answer sampling requests, return the response.
    async fn call(&mut self, frame: &str) -> String {
        self.send(frame).await;
        loop {
            let line = self.recv().await;
            if line.contains(r#""method":"sampling/createMessage""#) {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap();
                let reply = json!({"jsonrpc": "2.0", "id": v["id"], "result": {
                    "role": "assistant", "content": {"type": "text", "text": "42"}, "model": "m"}});
                self.send(&reply.to_string()).await;
                continue;
            }
            return line;
        }
    }
}

fn frame_decode(c: &mut Criterion) {
    const FRAMES: usize = 1000;
    let rt = runtime();
    let mut g = c.benchmark_group("frame_decode");
    g.throughput(Throughput::Elements(FRAMES as u64));
    let cases = [
        (
            "notification_small",
            r#"{"jsonrpc":"2.0","method":"notifications/initialized","params":{"name":"echo","arguments":{"text":"hello world"}}}"#.to_owned(),
        ),
        (
            "notification_4k",
            json!({"jsonrpc": "2.0", "method": "notifications/initialized",
                   "params": {"name": "echo", "arguments": {"text": "x".repeat(4096)}}})
            .to_string(),
        ),
    ];
    for (name, frame) in cases {
        let mut input = Vec::with_capacity((frame.len() + 1) * FRAMES);
        for _ in 0..FRAMES {
            input.extend_from_slice(frame.as_bytes());
            input.push(b'\n');
        }
        g.bench_function(name, |b| {
            b.to_async(&rt).iter_batched(
                || (server(0), Cursor::new(input.clone())),
                |(s, reader)| async move { s.serve(reader, tokio::io::sink()).await.unwrap() },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn dispatch(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("dispatch");
    g.measurement_time(Duration::from_secs(4));
    let mut pipe = rt.block_on(Pipe::start(server(0)));
    g.bench_function("ping", |b| {
        b.iter(|| rt.block_on(pipe.call(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)))
    });
    let echo_frame = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello world"}}}"#;
    g.bench_function("tools_call_echo", |b| {
        b.iter(|| rt.block_on(pipe.call(echo_frame)))
    });
    g.throughput(Throughput::Elements(32));
    g.bench_function("tools_call_echo_32_pipelined", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut batch = String::new();
                for id in 0..32 {
                    batch.push_str(&format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"echo","arguments":{{"text":"hello world"}}}}}}"#));
                    batch.push('\n');
                }
                pipe.writer.write_all(batch.as_bytes()).await.unwrap();
                pipe.writer.flush().await.unwrap();
                for _ in 0..32 {
                    pipe.recv().await;
                }
            })
        })
    });
    g.throughput(Throughput::Elements(1));
    let ask_frame = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"ask","arguments":{"question":"six times seven?"}}}"#;
    g.bench_function("tools_call_ask_sampling_round_trip", |b| {
        b.iter(|| rt.block_on(pipe.call(ask_frame)))
    });
    for tools in [10usize, 500] {
        let mut listing = rt.block_on(Pipe::start(server(tools - 4)));
        g.bench_function(format!("tools_list_{tools}"), |b| {
            b.iter(|| {
                rt.block_on(listing.call(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#))
            })
        });
    }
    g.finish();
}

fn arguments(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("arguments");
    let mut pipe = rt.block_on(Pipe::start(server(0)));
    let wide_args = json!({
        "a": "alpha", "b": "beta", "c": 3, "d": -4, "e": 2.5, "f": true, "g": "gamma", "h": 8,
        "i": ["x", "y", "z"], "j": [1, 2, 3, 4], "k": {"street": "1 Main St", "city": "Springfield", "zip": "12345"},
        "l": "lambda", "m": 13, "n": false, "o": [0.5, 1.5], "p": "pi"
    });
    let cases = [
        (
            "one_string",
            json!({"name": "big", "arguments": {"text": "hello world"}}),
        ),
        (
            "sixteen_fields",
            json!({"name": "wide", "arguments": wide_args}),
        ),
        (
            "text_4k",
            json!({"name": "big", "arguments": {"text": "x".repeat(4096)}}),
        ),
        (
            "text_64k",
            json!({"name": "big", "arguments": {"text": "x".repeat(65536)}}),
        ),
        (
            "invalid_type",
            json!({"name": "big", "arguments": {"text": 5}}),
        ),
    ];
    for (name, params) in cases {
        let frame = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params})
            .to_string();
        g.bench_function(name, |b| b.iter(|| rt.block_on(pipe.call(&frame))));
    }
    g.finish();
}

/// What the runtime does with a tool's return value (`prepare.rs`, then the session's reply).
fn encode<T: ToolOutput>(value: T) -> String {
    let result = value.into_call_tool_result();
    let value = serde_json::to_value(result).expect("results serialise");
    Message::result(RequestId::Number(7), value).to_json()
}

fn result_encoding(c: &mut Criterion) {
    let mut g = c.benchmark_group("result_encoding");
    g.bench_function("string", |b| {
        b.iter_batched(|| "hello world".to_owned(), encode, BatchSize::SmallInput)
    });
    g.bench_function("string_4k", |b| {
        b.iter_batched(|| "x".repeat(4096), encode, BatchSize::SmallInput)
    });
    g.bench_function("structured", |b| {
        b.iter_batched(
            || Report {
                label: "positive".into(),
                score: 0.93,
                tags: vec!["a".into(), "b".into(), "c".into()],
                model: Some("bench-model".into()),
            },
            encode,
            BatchSize::SmallInput,
        )
    });
    g.bench_function("call_tool_result_text", |b| {
        b.iter_batched(
            || CallToolResult::text("hello world"),
            encode,
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = frame_decode, dispatch, arguments, result_encoding
}
criterion_main!(benches);
