// Interop check: the official TypeScript MCP SDK `@modelcontextprotocol/sdk` 1.32.x (protocol
// 2025-11-25, `initialize` handshake) against Toolsmith's `sentiment_server` example, over stdio
// or streamable HTTP.
//
// Usage:
//     node sentiment_sdk1.mjs /path/to/sentiment_server [server args...]   # stdio
//     node sentiment_sdk1.mjs --url http://127.0.0.1:PORT/mcp              # streamable HTTP
//
// `Client` + `StdioClientTransport` / `StreamableHTTPClientTransport`; the client declares the
// `sampling` capability and plays the LLM in its `sampling/createMessage` handler (live
// server->client requests). Every check prints one line (PASS/FAIL); the last line is
// `N passed, M failed`; the exit status is 0 only when every check passed. The checks live in
// checks.mjs.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ErrorCode, LoggingMessageNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';

import { CALL_TIMEOUT_MS, CLIENT_INFO, FakeLlm, LEGACY, WireTap, main, runChecks } from './checks.mjs';

function transportFor(target) {
    if (target.url) return new StreamableHTTPClientTransport(new URL(target.url));
    // The SDK passes only a few safe variables by default; pass ours on so that e.g.
    // RUST_LOG / RUST_BACKTRACE reach the server under test. Its stderr is inherited.
    return new StdioClientTransport({ command: target.command, args: target.args, env: { ...process.env } });
}

async function run(r, target) {
    const llm = new FakeLlm();
    const tap = new WireTap();
    const client = new Client(CLIENT_INFO, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) =>
        llm.handle(request.params, extra.requestId, message => new McpError(ErrorCode.InternalError, message))
    );
    client.setNotificationHandler(LoggingMessageNotificationSchema, notification => llm.onLog(notification.params));
    const sdkErrors = [];
    client.onerror = error => sdkErrors.push(String(error?.message ?? error));
    await client.connect(tap.attach(transportFor(target)), { timeout: CALL_TIMEOUT_MS });
    try {
        await runChecks(r, {
            era: LEGACY,
            protocolVersion: tap.initializeResult()?.protocolVersion,
            serverCapabilities: client.getServerCapabilities(),
            serverInfo: client.getServerVersion(),
            llm,
            tap,
            sdkErrors,
            listTools: () => client.listTools(undefined, { timeout: CALL_TIMEOUT_MS }),
            callTool: (name, args, { meta, onprogress } = {}) =>
                client.callTool({ name, arguments: args, ...(meta && { _meta: meta }) }, undefined, {
                    timeout: CALL_TIMEOUT_MS,
                    ...(onprogress && { onprogress })
                })
        });
    } finally {
        await client.close();
    }
}

await main(run);
