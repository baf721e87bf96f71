// Interop check: the official TypeScript MCP client `@modelcontextprotocol/client` 2.4.x with
// `versionNegotiation: { mode: 'auto' }`, which negotiates protocol 2026-07-28 through
// `server/discover`, against Toolsmith's `sentiment_server` example, over stdio or streamable HTTP.
//
// Usage:
//     node sentiment_client2.mjs /path/to/sentiment_server [server args...]   # stdio
//     node sentiment_client2.mjs --url http://127.0.0.1:PORT/mcp              # streamable HTTP
//
// The client declares the `sampling` capability and plays the LLM in its `sampling/createMessage`
// handler; in 2026-07-28 the server asks inside `input_required` results and the SDK's
// multi-round-trip driver (`inputRequired`, auto-fulfil by default) answers through that same
// handler and retries the call with `inputResponses`. The SDK reports each input round through
// the call's `onprogress` ("Fulfilling input required by 'tools/call' (round N)"), and a wire tap
// records the `tools/call` legs. The error fallback is checked with a second client that declares
// no sampling capability, without and then with `_meta["io.modelcontextprotocol/logLevel"]`.
// Every check prints one line (PASS/FAIL); the last line is `N passed, M failed`; the exit status
// is 0 only when every check passed. The checks live in checks.mjs.

import { Client, ProtocolError, ProtocolErrorCode, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { CALL_TIMEOUT_MS, CLIENT_INFO, FakeLlm, MODERN, WireTap, main, runChecks } from './checks.mjs';

const ROUND_MESSAGE = /^Fulfilling input required by '[^']+' \(round \d+\)$/;

function transportFor(target) {
    if (target.url) return new StreamableHTTPClientTransport(new URL(target.url));
    // The SDK passes only a few safe variables by default; pass ours on so that e.g.
    // RUST_LOG / RUST_BACKTRACE reach the server under test. Its stderr is inherited.
    return new StdioClientTransport({ command: target.command, args: target.args, env: { ...process.env } });
}

/** A connected 2026-07-28 client; `llm` answers sampling when given, else no sampling capability. */
async function connect(target, llm, { sampling }) {
    const tap = new WireTap();
    const client = new Client(CLIENT_INFO, {
        capabilities: sampling ? { sampling: {} } : {},
        versionNegotiation: { mode: 'auto' }
    });
    if (sampling) {
        client.setRequestHandler('sampling/createMessage', async request =>
            // In the input_required driver the request's id is the inputRequests key.
            llm.handle(request.params, request.id, message => new ProtocolError(ProtocolErrorCode.InternalError, message))
        );
    }
    client.setNotificationHandler('notifications/message', notification => llm.onLog(notification.params));
    const sdkErrors = [];
    client.onerror = error => sdkErrors.push(String(error?.message ?? error));
    await client.connect(tap.attach(transportFor(target)), { timeout: CALL_TIMEOUT_MS });
    const callTool = (name, args, { meta, onprogress } = {}) =>
        client.callTool({ name, arguments: args, ...(meta && { _meta: meta }) }, { timeout: CALL_TIMEOUT_MS, ...(onprogress && { onprogress }) });
    return { client, tap, callTool, sdkErrors };
}

async function run(r, target) {
    const llm = new FakeLlm();
    const { client, tap, callTool, sdkErrors } = await connect(target, llm, { sampling: true });
    try {
        await runChecks(r, {
            era: MODERN,
            protocolVersion: client.getNegotiatedProtocolVersion(),
            serverCapabilities: client.getServerCapabilities(),
            serverInfo: client.getServerVersion(),
            llm,
            tap,
            sdkErrors,
            listTools: () => client.listTools(undefined, { timeout: CALL_TIMEOUT_MS }),
            callTool,
            roundsOf: progress => progress.filter(p => ROUND_MESSAGE.test(p.message ?? '')).length,
            withoutSampling: async fn => {
                const otherLlm = new FakeLlm();
                const other = await connect(target, otherLlm, { sampling: false });
                try {
                    await fn({ callTool: other.callTool, llm: otherLlm, tap: other.tap });
                } finally {
                    await other.client.close();
                }
            }
        });
    } finally {
        await client.close();
    }
}

await main(run);
