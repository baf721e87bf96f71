// Interop check: the official TypeScript MCP SDKs read the results of Toolsmith tools that return
// non-object values (tests/src/output_shapes.rs), over streamable HTTP, in both protocol eras:
//
// * `@modelcontextprotocol/sdk` 1.32.x (`initialize`, 2025-11-25, object output only): each
//   non-object output schema is listed wrapped as `{"type": "object", "properties": {"result": ..}}`
//   and each result as `{"result": value}`;
// * `@modelcontextprotocol/client` 2.4.x (`versionNegotiation: { mode: 'auto' }`, 2026-07-28):
//   the tool's own schema and the value itself.
//
// Both SDKs check a result's `structuredContent` against the listed `outputSchema` and throw on a
// mismatch; this script checks the values. Every check prints one line (PASS/FAIL); the last line
// is `N passed, M failed`.
//
// Usage: node output_shapes.mjs --url http://127.0.0.1:PORT/mcp

import { Client as Client1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as Http1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as Client2, StreamableHTTPClientTransport as Http2 } from '@modelcontextprotocol/client';
import { isDeepStrictEqual } from 'node:util';

import { CALL_TIMEOUT_MS, CLIENT_INFO, LEGACY, MODERN, OVERALL_TIMEOUT_MS, Report, describe, short } from './checks.mjs';

const ROWS = [{ id: 1, name: 'row 1' }, { id: 2, name: 'row 2' }];

async function checkEra(r, client, era) {
    const legacy = era === LEGACY;
    const shaped = (value) => (legacy ? { result: value } : value);
    const { tools } = await client.listTools();
    const schemas = Object.fromEntries(tools.map((t) => [t.name, t.outputSchema]));
    const rows = schemas.rows ?? {};
    if (legacy) {
        r.check(`${era}: every output schema is an object schema`,
            Object.values(schemas).every((s) => s === undefined || s.type === 'object'),
            'type "object" for every tool', short(schemas));
        r.check(`${era}: rows lists its array schema under \`result\``,
            rows.properties?.result?.type === 'array' && isDeepStrictEqual(rows.required, ['result']),
            '{"type": "object", "properties": {"result": {"type": "array", ...}}}', short(rows));
    } else {
        r.check(`${era}: rows lists its own array schema`,
            rows.type === 'array' && rows.$defs?.Row !== undefined,
            '{"type": "array", "items": {"$ref": "#/$defs/Row"}, "$defs": {...}}', short(rows));
        r.check(`${era}: label (a plain string) lists no output schema`,
            schemas.label === undefined, 'no outputSchema', short(schemas.label));
    }
    const calls = [
        ['rows', { n: 2 }, shaped(ROWS)],
        ['label', {}, undefined], // plain text, no structuredContent
        ['total', { a: 2, b: 3 }, shaped(5)],
        ['mood', { happy: true }, shaped('happy')],
        ['find', { id: 1 }, shaped(ROWS[0])],
        ['fallible_rows', { ok: true }, shaped([{ id: 7, name: 'row 7' }])],
        ['first_row', {}, ROWS[0]],
    ];
    calls.push(['find', { id: 2 }, shaped(null)]);
    for (const [name, args, want] of calls) {
        const check = `${era}: ${name}(${JSON.stringify(args)}) structuredContent, validated by the SDK`;
        let result;
        try {
            result = await client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS });
        } catch (e) {
            r.fail(check, short(want), describe(e));
            continue;
        }
        r.check(check, !result.isError && isDeepStrictEqual(result.structuredContent, want), short(want),
            short({ isError: result.isError, structuredContent: result.structuredContent }));
    }
}

async function run(r, url) {
    const eras = [
        [LEGACY, () => new Client1(CLIENT_INFO, { capabilities: {} }), () => new Http1(new URL(url))],
        [MODERN, () => new Client2(CLIENT_INFO, { capabilities: {}, versionNegotiation: { mode: 'auto' } }),
            () => new Http2(new URL(url))],
    ];
    for (const [era, makeClient, makeTransport] of eras) {
        const client = makeClient();
        try {
            await client.connect(makeTransport());
            await checkEra(r, client, era);
        } catch (e) {
            r.fail(`${era}: connect, list and call`, 'no exception', describe(e));
        } finally {
            await client.close().catch(() => {});
        }
    }
}

const [flag, url] = process.argv.slice(2);
if (flag !== '--url' || !url) {
    console.error('usage: node output_shapes.mjs --url URL');
    process.exit(2);
}
const r = new Report();
const timer = setTimeout(() => {
    r.fail('the checks finish in time', `within ${OVERALL_TIMEOUT_MS} ms`, 'still running');
    process.exit(r.summary());
}, OVERALL_TIMEOUT_MS);
await run(r, url);
clearTimeout(timer);
process.exit(r.summary());
