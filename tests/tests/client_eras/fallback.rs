//! `Protocol::Auto` falls back to `initialize` for a server without discovery.

use super::*;

/// A scripted handshake-only server on a pipe: it answers `server/discover` with `-32601`, then
/// serves `initialize`, `tools/call` (with a sampling request first) and nothing else. Returns
/// every frame it received.
async fn legacy_only_server(
    reader: tokio::io::ReadHalf<tokio::io::DuplexStream>,
    mut writer: tokio::io::WriteHalf<tokio::io::DuplexStream>,
) -> Vec<Value> {
    let mut lines = BufReader::new(reader).lines();
    let mut seen = Vec::new();
    let mut call_id = Value::Null;
    while let Ok(Some(line)) = lines.next_line().await {
        let frame: Value = serde_json::from_str(&line).unwrap();
        seen.push(frame.clone());
        let reply = match frame["method"].as_str() {
            Some("server/discover") => Some(json!({"jsonrpc": "2.0", "id": frame["id"],
                "error": {"code": -32601, "message": "Method not found"}})),
            Some("initialize") => Some(json!({"jsonrpc": "2.0", "id": frame["id"], "result": {
                "protocolVersion": "2025-06-18", "capabilities": {"tools": {}},
                "serverInfo": {"name": "old-timer", "version": "0.9"}}})),
            Some("tools/call") => {
                call_id = frame["id"].clone();
                Some(
                    json!({"jsonrpc": "2.0", "id": "srv-1", "method": "sampling/createMessage",
                    "params": {"messages": [{"role": "user", "content": {"type": "text", "text": "old?"}}],
                        "maxTokens": 4}}),
                )
            }
            None if frame["id"] == "srv-1" => {
                let text = frame["result"]["content"]["text"].clone();
                Some(json!({"jsonrpc": "2.0", "id": call_id,
                    "result": {"content": [{"type": "text", "text": text}]}}))
            }
            _ => None,
        };
        if let Some(reply) = reply {
            writer
                .write_all(format!("{reply}\n").as_bytes())
                .await
                .unwrap();
        }
    }
    seen
}

#[tokio::test]
async fn auto_falls_back_to_initialize_for_a_server_without_discovery() {
    let (client_end, server_end) = tokio::io::duplex(1 << 16);
    let (sr, sw) = tokio::io::split(server_end);
    let server = tokio::spawn(legacy_only_server(sr, sw));
    let (r, w) = tokio::io::split(client_end);
    let calls = Arc::new(AtomicUsize::new(0));
    let rounds = Rounds::default();
    let client = rounds
        .observe(model(&calls).protocol(Protocol::Auto))
        .connect(r, w)
        .await
        .unwrap();
    assert_eq!(client.protocol(), Protocol::Legacy);
    assert_eq!(client.protocol_version(), "2025-06-18");
    assert_eq!(client.server_info().name, "old-timer");
    let result = client.call_tool("anything", json!({})).await.unwrap();
    assert_eq!(result.text_content(), "re: old?");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(rounds.count(), 0);
    client.close().await.unwrap();

    let seen = server.await.unwrap();
    let methods: Vec<&str> = seen.iter().filter_map(|f| f["method"].as_str()).collect();
    assert_eq!(
        methods,
        [
            "server/discover",
            "initialize",
            "notifications/initialized",
            "tools/call"
        ]
    );
    let probe = &seen[0]["params"]["_meta"];
    assert_eq!(
        probe["io.modelcontextprotocol/protocolVersion"],
        "2026-07-28"
    );
    assert_eq!(
        probe["io.modelcontextprotocol/clientCapabilities"],
        json!({"sampling": {}})
    );
    // After the fallback, requests carry no stateless envelope.
    assert!(seen[3]["params"].get("_meta").is_none(), "{}", seen[3]);
}
