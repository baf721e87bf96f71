//! The floor of the stdio scenarios: not an MCP SDK, the least a process can do to pass the
//! driver's checks. One thread, blocking reads and writes, no runtime, no dispatch: a line in,
//! a line out (for `ask`, one `sampling/createMessage` out and its answer in first).
//!
//! What the driver measures for it is the cost of the pipes, the kernel's wake-ups and the
//! driver itself; a real server's sequential latency can approach it but not beat it. It serves
//! `initialize`, `ping`, `tools/list` (`echo`, `ask` and `--tools N` more) and `tools/call`.
//! Requests that arrive while it waits for a sampling answer are queued and served in order.

use std::collections::VecDeque;
use std::io::{BufRead, Write};

use serde_json::{json, Value};

fn main() {
    let extra_tools = std::env::args()
        .skip_while(|a| a != "--tools")
        .nth(1)
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    let mut input = std::io::stdin().lock().lines();
    let mut out = std::io::stdout().lock();
    let mut backlog = VecDeque::new();
    let mut samples = 0u64;
    loop {
        let line = match backlog.pop_front() {
            Some(line) => line,
            None => match input.next() {
                Some(Ok(line)) => line,
                _ => return,
            },
        };
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let (Some(id), Some(method)) = (message.get("id"), message["method"].as_str()) else {
            continue; // notifications
        };
        let result = match method {
            "initialize" => json!({
                "protocolVersion": message["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "floor", "version": "0.0.0"}
            }),
            "ping" => json!({}),
            "tools/list" => json!({"tools": tools(extra_tools)}),
            "tools/call" => match message["params"]["name"].as_str() {
                Some("echo") => text(&message["params"]["arguments"]["text"]),
                Some("ask") => {
                    samples += 1;
                    let ask = json!({"jsonrpc": "2.0", "id": format!("s{samples}"),
                        "method": "sampling/createMessage", "params": {
                            "messages": [{"role": "user", "content": {"type": "text",
                                "text": message["params"]["arguments"]["question"]}}],
                            "maxTokens": 64}});
                    writeln!(out, "{ask}").and_then(|_| out.flush()).ok();
                    let answer = loop {
                        let Some(Ok(line)) = input.next() else { return };
                        match serde_json::from_str::<Value>(&line) {
                            Ok(m) if m["id"] == ask["id"] && m.get("method").is_none() => break m,
                            _ => backlog.push_back(line),
                        }
                    };
                    text(&answer["result"]["content"]["text"])
                }
                _ => json!({"content": [], "isError": true}),
            },
            _ => {
                let error = json!({"jsonrpc": "2.0", "id": id,
                    "error": {"code": -32601, "message": "method not found"}});
                writeln!(out, "{error}").and_then(|_| out.flush()).ok();
                continue;
            }
        };
        let response = json!({"jsonrpc": "2.0", "id": id, "result": result});
        if writeln!(out, "{response}")
            .and_then(|_| out.flush())
            .is_err()
        {
            return;
        }
    }
}

fn text(value: &Value) -> Value {
    json!({"content": [{"type": "text", "text": value}]})
}

fn tools(extra: usize) -> Vec<Value> {
    let tool = |name: String| json!({"name": name, "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}});
    let mut tools = vec![tool("echo".into()), tool("ask".into())];
    tools.extend((0..extra).map(|i| tool(format!("extra_{i}"))));
    tools
}
