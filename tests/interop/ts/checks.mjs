// Shared checks for the TypeScript interop scripts (sentiment_sdk1.mjs, sentiment_client2.mjs).
//
// An official TypeScript MCP SDK drives Toolsmith's `sentiment_server` example and plays the LLM
// through its sampling handler. The contract is the one tests/interop/python/sentiment_checks.py
// checks, in both protocol eras:
//
// * 2025-11-25: the `initialize` handshake; sampling arrives as live server->client
//   `sampling/createMessage` requests; logs arrive unasked.
// * 2026-07-28: no handshake, a `_meta` envelope on every request; sampling arrives inside
//   `input_required` results and the SDK retries the call with `inputResponses`; logs arrive only
//   for requests whose `_meta` asks for a level.
//
// Each SDK script builds a `session` adapter (see `runChecks`) and calls `main`. Every check
// prints one line (PASS/FAIL); the last line is `N passed, M failed`.

export const LEGACY = '2025-11-25';
export const MODERN = '2026-07-28';
export const DEFAULT_HINTS = ['custom_model', 'gpt-4o'];
export const SAMPLING_DELAY_MS = 300;
export const CONCURRENT_CALLS = 5;
export const CONCURRENCY_LIMIT_MS = 1200;
export const CALL_TIMEOUT_MS = 15000;
export const OVERALL_TIMEOUT_MS = 120000;
export const LOG_WAIT_MS = 2000;
// How long to wait for a log that must NOT come: a log precedes the response on the same pipe
// (stdio) or on the request's own stream (HTTP), so a short grace suffices.
export const NO_LOG_WAIT_MS = 300;
export const SAMPLING_ERROR_MESSAGE = 'interop-test: sampling refused on purpose';
export const LOG_LEVEL_META_KEY = 'io.modelcontextprotocol/logLevel';
export const CLIENT_INFO = { name: 'toolsmith-interop-ts', version: '0.1.0' };
const INVALID_PARAMS = -32602;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
const now = () => performance.now();

// --------------------------------------------------------------------------
// Reporting
// --------------------------------------------------------------------------

export class Report {
    passed = 0;
    failed = 0;

    ok(name, detail = '') {
        this.passed += 1;
        console.log(`PASS ${name}${detail ? ` (${detail})` : ''}`);
    }

    fail(name, expected, seen) {
        this.failed += 1;
        console.log(`FAIL ${name}\n    expected: ${expected}\n    seen:     ${seen}`);
    }

    check(name, cond, expected, seen, detail = '') {
        if (cond) this.ok(name, detail);
        else this.fail(name, expected, seen);
        return cond;
    }

    summary() {
        console.log(`${this.passed} passed, ${this.failed} failed`);
        return this.failed === 0 && this.passed > 0 ? 0 : 1;
    }
}

export function short(value, limit = 600) {
    let text;
    try {
        text = JSON.stringify(value);
    } catch {
        text = String(value);
    }
    if (text === undefined) text = String(value);
    return text.length <= limit ? text : `${text.slice(0, limit)}...(truncated)`;
}

export function describe(e) {
    if (e instanceof Error) {
        const extra = e.code !== undefined ? ` (code ${e.code})` : '';
        return `${e.name}: ${e.message}${extra}\n${e.stack ?? ''}`;
    }
    return short(e);
}

// --------------------------------------------------------------------------
// The fake LLM: a sampling handler scripted per input text
// --------------------------------------------------------------------------

export class FakeLlm {
    script = new Map(); // text -> {reply?, error?, delay?}
    records = []; // {key, params, messageTexts, receivedAt, requestId}
    logs = []; // [time, params]

    expect(text, behaviour) {
        this.script.set(text, behaviour);
        return text;
    }

    recordsFor(key) {
        return this.records.filter(r => r.key === key);
    }

    match(messageTexts) {
        const joined = messageTexts.join('\n');
        // Longest key first so that no key shadows a longer one containing it.
        const keys = [...this.script.keys()].sort((a, b) => b.length - a.length);
        return keys.find(k => joined.includes(k)) ?? null;
    }

    /**
     * Answer one `sampling/createMessage`. `refuse(message)` builds the SDK's error object to
     * throw when the script says to refuse.
     */
    async handle(params, requestId, refuse) {
        const messageTexts = [];
        for (const message of params.messages ?? []) {
            const blocks = Array.isArray(message.content) ? message.content : [message.content];
            for (const b of blocks) if (b && b.type === 'text') messageTexts.push(b.text);
        }
        const key = this.match(messageTexts);
        this.records.push({ key, params, messageTexts, receivedAt: now(), requestId });
        if (key === null) throw refuse(`interop-test: no scripted reply for messages ${short(messageTexts)}`);
        const behaviour = this.script.get(key);
        if (behaviour.delay) await sleep(behaviour.delay);
        if (behaviour.error !== undefined) throw refuse(behaviour.error);
        return {
            role: 'assistant',
            content: { type: 'text', text: behaviour.reply ?? '' },
            model: 'interop-fake-llm',
            stopReason: 'endTurn'
        };
    }

    onLog(params) {
        this.logs.push([now(), params]);
    }
}

// --------------------------------------------------------------------------
// A wire tap: records every JSON-RPC message a transport carries, both ways, without changing
// them. `send` is wrapped on the instance, and `onmessage` (which the SDK's Protocol assigns at
// connect) is wrapped through an accessor, so the transport's class is untouched (the 2.x
// client's stdio sibling probe requires the SDK's own StdioClientTransport class).
// --------------------------------------------------------------------------

export class WireTap {
    sent = [];
    received = [];

    attach(transport) {
        const tap = this;
        const send = transport.send.bind(transport);
        transport.send = async (message, options) => {
            tap.sent.push(structuredClone(message));
            return send(message, options);
        };
        let handler;
        Object.defineProperty(transport, 'onmessage', {
            configurable: true,
            enumerable: true,
            get() {
                if (handler === undefined) return undefined;
                return (message, extra) => {
                    try {
                        tap.received.push(structuredClone(message));
                    } catch {
                        tap.received.push(JSON.parse(JSON.stringify(message)));
                    }
                    return handler(message, extra);
                };
            },
            set(fn) {
                handler = fn;
            }
        });
        return transport;
    }

    /** Every `tools/call` of `tool` whose arguments satisfy `match`, in send order, with its response. */
    calls(tool, match) {
        const responses = new Map();
        for (const m of this.received) if ('id' in m && !('method' in m)) responses.set(JSON.stringify(m.id), m);
        return this.sent
            .filter(m => m.method === 'tools/call' && m.params?.name === tool && match(m.params?.arguments ?? {}))
            .map(m => ({ params: m.params, response: responses.get(JSON.stringify(m.id)) ?? null }))
            .map(leg => ({ ...leg, result: leg.response?.result ?? {} }));
    }

    /** The result of the `initialize` request, when there was one. */
    initializeResult() {
        const req = this.sent.find(m => m.method === 'initialize');
        if (!req) return undefined;
        return this.received.find(m => m.id === req.id && !('method' in m))?.result;
    }

    /** JSON-RPC requests the server sent to the client. */
    serverRequests() {
        return this.received.filter(m => 'method' in m && 'id' in m);
    }
}

// --------------------------------------------------------------------------
// Helpers
// --------------------------------------------------------------------------

export function typeAllows(schema, wanted) {
    if (!schema || typeof schema !== 'object') return false;
    const t = schema.type;
    if (t === wanted || (Array.isArray(t) && t.includes(wanted))) return true;
    for (const combinator of ['anyOf', 'oneOf']) {
        if ((schema[combinator] ?? []).some(s => typeAllows(s, wanted))) return true;
    }
    return false;
}

export function resultText(result) {
    return (result.content ?? [])
        .filter(b => b.type === 'text')
        .map(b => b.text)
        .join('\n');
}

export function resultSummary(result) {
    return short({ isError: result.isError ?? false, structuredContent: result.structuredContent, text: resultText(result) });
}

export function labelOf(result) {
    const sc = result.structuredContent;
    return sc && typeof sc === 'object' ? sc.label : undefined;
}

const textIs = text => args => args.text === text;
const sameList = (a, b) => Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);

function legsSummary(legs) {
    return short(
        legs.map(leg => ({
            'sent inputResponses': Object.keys(leg.params.inputResponses ?? {}).sort(),
            'sent requestState': 'requestState' in leg.params,
            resultType: leg.result.resultType,
            inputRequests: Object.fromEntries(Object.entries(leg.result.inputRequests ?? {}).map(([k, v]) => [k, v?.method])),
            error: leg.response?.error
        })),
        1200
    );
}

/** 2026-07-28: the call took exactly one input round asking for `asks` samples at once. */
function checkOneRound(r, name, legs, asks) {
    const [first, retry] = legs;
    const askMap = first?.result.inputRequests ?? {};
    const answers = retry?.params.inputResponses ?? {};
    const ok =
        legs.length === 2 &&
        first.result.resultType === 'input_required' &&
        Object.keys(askMap).length === asks &&
        Object.values(askMap).every(v => v?.method === 'sampling/createMessage') &&
        sameList(Object.keys(answers).sort(), Object.keys(askMap).sort()) &&
        retry.params.requestState === first.result.requestState &&
        retry.result.resultType === 'complete';
    r.check(
        name,
        ok,
        `2 tools/call legs: input_required with ${asks} sampling/createMessage inputRequests, then one retry ` +
            'answering all of them (requestState echoed) that completes',
        legsSummary(legs),
        `${legs.length} legs, ${Object.keys(askMap).length} asks in round 1`
    );
}

async function waitForErrorLogs(llm, since, waitMs) {
    const errorLogs = () => llm.logs.filter(([t, p]) => t >= since && p.level === 'error').map(([, p]) => p);
    const deadline = now() + waitMs;
    while (errorLogs().length === 0 && now() < deadline) await sleep(20);
    return errorLogs();
}

function checkErrorLog(r, prefix, llm, started, logs, why) {
    const all = llm.logs.filter(([t]) => t >= started).map(([, p]) => p);
    r.check(
        `${prefix}: error-level log message sent to the client`,
        logs.length >= 1,
        "at least one notifications/message with level 'error'",
        `logs since the call started: ${short(all)}`
    );
    if (logs.length > 0) {
        const said = logs.map(p => short(p.data)).join(' ').toLowerCase();
        r.check(
            `${prefix}: the log says why`,
            said.includes(why.toLowerCase()) || said.includes('sampl'),
            `log data mentioning the sampling failure (e.g. ${JSON.stringify(why)})`,
            short(logs)
        );
    } else {
        r.fail(`${prefix}: the log says why`, 'an error-level log', 'none received');
    }
}

// --------------------------------------------------------------------------
// Checks. `s` is the session adapter:
//   era, protocolVersion, serverCapabilities, serverInfo, llm, tap,
//   callTool(name, args, {meta?, onprogress?}) -> CallToolResult (throws on JSON-RPC errors, with .code),
//   listTools() -> {tools},
//   withoutSampling(fn) -> runs fn({callTool, llm, tap}) on a second client of the same server that
//     declares no sampling capability (2026-07-28 only),
//   roundsOf(progressEvents) -> rounds the SDK reported through onprogress, or undefined,
//   sdkErrors -> the messages of the errors the SDK reported through `Client.onerror`.
// --------------------------------------------------------------------------

async function checkHandshake(r, s) {
    const step = s.era === MODERN ? 'server/discover' : 'initialize';
    r.check(`${step}: negotiated protocol version`, s.protocolVersion === s.era, s.era, s.protocolVersion, s.era);
    r.check(
        `${step}: server declares the tools capability`,
        s.serverCapabilities?.tools !== undefined && s.serverCapabilities?.tools !== null,
        'capabilities.tools present',
        short(s.serverCapabilities)
    );
    r.check(`${step}: serverInfo names the server`, s.serverInfo?.name === 'sentiment', "serverInfo.name 'sentiment'", short(s.serverInfo));
}

async function checkToolsList(r, s) {
    const listing = await s.listTools();
    const tools = Object.fromEntries(listing.tools.map(t => [t.name, t]));
    r.check(
        'tools/list: analyze_sentiment and analyze_batch listed',
        'analyze_sentiment' in tools && 'analyze_batch' in tools,
        short(['analyze_sentiment', 'analyze_batch']),
        short(Object.keys(tools).sort())
    );
    const single = tools.analyze_sentiment;
    if (!single) {
        r.fail('analyze_sentiment: inputSchema requires string `text`', 'tool listed', 'tool missing');
        r.fail('analyze_sentiment: optional string `model`', 'tool listed', 'tool missing');
        r.fail('analyze_sentiment: outputSchema declared', 'tool listed', 'tool missing');
    } else {
        const schema = single.inputSchema ?? {};
        const props = schema.properties ?? {};
        const required = schema.required ?? [];
        r.check(
            'analyze_sentiment: inputSchema requires string `text`',
            schema.type === 'object' && required.includes('text') && typeAllows(props.text, 'string'),
            'type object, properties.text of type "string", "text" in required',
            short(schema)
        );
        r.check(
            'analyze_sentiment: optional string `model`',
            props.model !== undefined && typeAllows(props.model, 'string') && !required.includes('model'),
            'properties.model admits "string" and "model" not in required',
            short(schema)
        );
        r.check(
            'analyze_sentiment: outputSchema declared',
            single.outputSchema?.type === 'object',
            'an outputSchema with type "object"',
            short(single.outputSchema)
        );
    }
    const batch = tools.analyze_batch;
    if (!batch) {
        r.fail('analyze_batch: inputSchema requires array `texts`', 'tool listed', 'tool missing');
    } else {
        const schema = batch.inputSchema ?? {};
        const texts = schema.properties?.texts;
        r.check(
            'analyze_batch: inputSchema requires array `texts`',
            (schema.required ?? []).includes('texts') && typeAllows(texts, 'array') && typeAllows(texts?.items, 'string'),
            'properties.texts of type "array" with string items, "texts" in required',
            short(schema)
        );
    }
}

async function checkSamplingRequestShape(r, s) {
    const text = s.llm.expect('interop-shape: the coffee was wonderful', { reply: 'Positive.' });
    const result = await s.callTool('analyze_sentiment', { text });
    const recs = s.llm.recordsFor(text);
    r.check('sampling: exactly one sampling/createMessage per call', recs.length === 1, '1 request', `${recs.length} requests`);
    r.check('analyze_sentiment: result is not an error', !result.isError, 'isError false', resultSummary(result));
    if (s.era === MODERN) {
        checkOneRound(
            r,
            'input_required: the sample is asked in one round, and the retry completes the call',
            s.tap.calls('analyze_sentiment', textIs(text)),
            1
        );
    } else {
        const asks = s.tap.serverRequests().filter(m => m.method === 'sampling/createMessage');
        r.check(
            'sampling: arrives as a server->client sampling/createMessage request',
            asks.length >= 1,
            'a JSON-RPC request sampling/createMessage from the server',
            short(s.tap.serverRequests().map(m => m.method))
        );
    }
    if (recs.length === 0) {
        for (const name of [
            'sampling: one user message containing the text',
            'sampling: non-empty system prompt',
            'sampling: modelPreferences.hints',
            'sampling: temperature 0',
            'sampling: maxTokens at most 20'
        ]) {
            r.fail(name, 'a sampling request', 'none received');
        }
        return;
    }
    const p = recs[0].params;
    const messages = p.messages ?? [];
    const first = messages[0] ?? {};
    const blocks = Array.isArray(first.content) ? first.content : [first.content];
    const userText = blocks
        .filter(b => b && b.type === 'text')
        .map(b => b.text)
        .join(' ');
    r.check(
        'sampling: one user message containing the text',
        messages.length === 1 && first.role === 'user' && userText.includes(text),
        `1 message, role user, text containing ${JSON.stringify(text)}`,
        short(messages)
    );
    const systemPrompt = p.systemPrompt;
    r.check(
        'sampling: non-empty system prompt',
        typeof systemPrompt === 'string' && systemPrompt.trim() !== '',
        'a non-empty systemPrompt',
        short(systemPrompt),
        short(systemPrompt, 80)
    );
    const hints = (p.modelPreferences?.hints ?? []).map(h => h.name);
    r.check(
        'sampling: modelPreferences.hints',
        sameList(hints, DEFAULT_HINTS),
        short(DEFAULT_HINTS.map(name => ({ name }))),
        short(p.modelPreferences),
        short(hints)
    );
    r.check('sampling: temperature 0', p.temperature === 0, 0, short(p.temperature));
    r.check(
        'sampling: maxTokens at most 20',
        Number.isInteger(p.maxTokens) && p.maxTokens > 0 && p.maxTokens <= 20,
        '1 <= maxTokens <= 20',
        short(p.maxTokens),
        `maxTokens ${p.maxTokens}`
    );
}

async function checkLabelParsing(r, s) {
    const cases = [
        ['Positive.', 'positive'],
        ['NEGATIVE', 'negative'],
        ['neutral!', 'neutral'],
        ['I cannot say', 'unknown']
    ];
    for (const [i, [reply, expected]] of cases.entries()) {
        const text = s.llm.expect(`interop-label-${i}: some text to classify`, { reply });
        const result = await s.callTool('analyze_sentiment', { text });
        const n = s.llm.recordsFor(text).length;
        r.check(
            `label parsing: reply ${JSON.stringify(reply)} -> ${expected}`,
            !result.isError && labelOf(result) === expected && n === 1,
            `isError false, label ${JSON.stringify(expected)}, one sampling request`,
            `${resultSummary(result)}, ${n} sampling request(s)`
        );
    }
}

async function checkSamplingErrorFallback(r, s) {
    if (s.era === MODERN) return checkSamplingErrorFallbackModern(r, s);
    const text = s.llm.expect('interop-error: the client refuses to sample', { error: SAMPLING_ERROR_MESSAGE });
    const started = now();
    let result;
    try {
        result = await s.callTool('analyze_sentiment', { text });
    } catch (e) {
        r.fail(
            'sampling error: call still returns a normal result with label unknown',
            "a CallToolResult with isError false and label 'unknown'",
            describe(e)
        );
    }
    if (result !== undefined) {
        r.check(
            'sampling error: call still returns a normal result with label unknown',
            !result.isError && labelOf(result) === 'unknown',
            "isError false, label 'unknown'",
            resultSummary(result)
        );
    }
    const logs = await waitForErrorLogs(s.llm, started, LOG_WAIT_MS);
    checkErrorLog(r, 'sampling error', s.llm, started, logs, SAMPLING_ERROR_MESSAGE);
}

// 2026-07-28 has no wire for a sampling *error* (`inputResponses` carry results only), so (1) a
// handler that refuses makes the SDK fail the call on the client side, and the server never hears
// of it; (2) the server's own fallback is reached when the client cannot sample at all (no
// `sampling` capability in the request's `_meta`): the server must not ask, must answer `unknown`
// with isError false, and log why, but only to a request whose `_meta` asked for a log level.
async function checkSamplingErrorFallbackModern(r, s) {
    const text = s.llm.expect('interop-error: the client refuses to sample', { error: SAMPLING_ERROR_MESSAGE });
    let outcome;
    let refused = false;
    try {
        const result = await s.callTool('analyze_sentiment', { text });
        outcome = `a result: ${resultSummary(result)}`;
    } catch (e) {
        outcome = describe(e).split('\n')[0];
        refused = String(e?.message ?? '').includes(SAMPLING_ERROR_MESSAGE);
    }
    const legs = s.tap.calls('analyze_sentiment', textIs(text));
    r.check(
        'sampling refused by the handler: the SDK fails the call locally and sends no retry',
        refused && legs.length === 1 && legs[0].result.resultType === 'input_required',
        `an error carrying ${JSON.stringify(SAMPLING_ERROR_MESSAGE)}; exactly one tools/call leg (input_required)`,
        `${outcome}; legs ${legsSummary(legs)}`
    );

    await s.withoutSampling(async other => {
        const text = 'interop-nosampling-quiet: the client cannot sample';
        const started = now();
        const result = await other.callTool('analyze_sentiment', { text });
        const error = String(result.structuredContent?.error ?? '').toLowerCase();
        r.check(
            'no sampling capability: call returns label unknown, isError false, with the reason',
            !result.isError && labelOf(result) === 'unknown' && error.includes('sampl'),
            "isError false, label 'unknown', error mentioning sampling",
            resultSummary(result)
        );
        const legs = other.tap.calls('analyze_sentiment', textIs(text));
        r.check(
            'no sampling capability: the server answers at once, asking for no input',
            legs.length === 1 && legs[0].result.resultType === 'complete',
            'one tools/call leg whose result has resultType complete (no input_required)',
            legsSummary(legs)
        );
        await waitForErrorLogs(other.llm, started, NO_LOG_WAIT_MS);
        r.check(
            'no sampling capability, no logLevel in _meta: no log is sent',
            other.llm.logs.length === 0,
            'no notifications/message',
            short(other.llm.logs.map(([, p]) => p))
        );
        // The same client, now asking for logs at level error in the request's _meta.
        const loud = 'interop-nosampling-loud: the client cannot sample';
        const started2 = now();
        const result2 = await other.callTool('analyze_sentiment', { text: loud }, { meta: { [LOG_LEVEL_META_KEY]: 'error' } });
        r.check(
            'no sampling capability, logLevel error: call returns label unknown, isError false',
            !result2.isError && labelOf(result2) === 'unknown',
            "isError false, label 'unknown'",
            resultSummary(result2)
        );
        const sentMeta = other.tap.calls('analyze_sentiment', textIs(loud))[0]?.params?._meta ?? {};
        r.check(
            'no sampling capability, logLevel error: the request carried the opt-in in _meta',
            sentMeta[LOG_LEVEL_META_KEY] === 'error',
            `_meta["${LOG_LEVEL_META_KEY}"] == "error"`,
            short(sentMeta)
        );
        const logs = await waitForErrorLogs(other.llm, started2, LOG_WAIT_MS);
        checkErrorLog(r, 'no sampling capability, logLevel error', other.llm, started2, logs, 'sampling');
    });
}

async function checkModelHint(r, s) {
    const text = s.llm.expect('interop-model: the weather is fine', { reply: 'neutral' });
    const result = await s.callTool('analyze_sentiment', { text, model: 'my-model' });
    const recs = s.llm.recordsFor(text);
    const hints = recs.length ? (recs[0].params.modelPreferences?.hints ?? []).map(h => h.name) : undefined;
    r.check(
        'model argument: hints start with my-model',
        recs.length === 1 && hints?.[0] === 'my-model' && !result.isError,
        "one sampling request whose hints[0].name == 'my-model' and a non-error result",
        `hints ${short(hints)}, ${recs.length} request(s), result ${resultSummary(result)}`,
        short(hints)
    );
    r.check(
        "model argument: hints are my-model, then the server's defaults",
        sameList(hints, ['my-model', ...DEFAULT_HINTS]),
        short(['my-model', ...DEFAULT_HINTS]),
        short(hints)
    );
}

async function checkBatch(r, s) {
    const plan = [
        ['interop-batch-0: loved it', 'Positive', 'positive'],
        ['interop-batch-1: hated it', 'negative.', 'negative'],
        ['interop-batch-2: it exists', 'NEUTRAL', 'neutral'],
        ['interop-batch-3: a riddle', 'no idea', 'unknown'],
        ['interop-batch-4: superb again', 'positive!', 'positive']
    ];
    // Each answer takes a while so that a sequential server stands out.
    for (const [text, reply] of plan) s.llm.expect(text, { reply, delay: SAMPLING_DELAY_MS });
    const texts = plan.map(([t]) => t);
    const progress = [];
    const started = now();
    const result = await s.callTool('analyze_batch', { texts }, { onprogress: p => progress.push(p) });
    const elapsed = now() - started;
    const items = result.structuredContent?.results;
    const labels = Array.isArray(items) ? items.map(it => it?.label) : undefined;
    const expected = plan.map(([, , label]) => label);
    r.check(
        'analyze_batch: results in input order',
        !result.isError && sameList(labels, expected),
        `isError false, labels ${short(expected)}`,
        `labels ${short(labels)}; result ${resultSummary(result)}`
    );
    const counts = texts.map(t => s.llm.recordsFor(t).length);
    r.check('analyze_batch: one sampling request per text', counts.every(c => c === 1), short(texts.map(() => 1)), short(counts));
    r.check(
        `analyze_batch: texts sampled concurrently (< ${CONCURRENCY_LIMIT_MS / 1000}s)`,
        elapsed < CONCURRENCY_LIMIT_MS,
        `${plan.length} texts x ${SAMPLING_DELAY_MS / 1000}s sampling finishing in < ${CONCURRENCY_LIMIT_MS / 1000}s`,
        `${(elapsed / 1000).toFixed(3)}s`,
        `${(elapsed / 1000).toFixed(3)}s`
    );
    if (s.era !== MODERN) return;
    const recs = texts.flatMap(t => s.llm.recordsFor(t));
    const times = recs.map(x => x.receivedAt);
    const spread = recs.length ? Math.max(...times) - Math.min(...times) : undefined;
    r.check(
        'analyze_batch: the handler sees all samples together (one input round)',
        recs.length === plan.length && spread < SAMPLING_DELAY_MS / 2,
        `${plan.length} handler calls starting within ${SAMPLING_DELAY_MS / 2000}s of each other`,
        `${recs.length} handler calls, spread ${spread === undefined ? spread : (spread / 1000).toFixed(3)}s, keys ${short(recs.map(x => x.requestId))}`,
        spread === undefined ? '' : `spread ${(spread / 1000).toFixed(3)}s`
    );
    checkOneRound(
        r,
        'analyze_batch: one input_required round carrying all samples, one retry',
        s.tap.calls('analyze_batch', args => sameList(args.texts, texts)),
        plan.length
    );
    const rounds = s.roundsOf?.(progress);
    if (rounds !== undefined) {
        r.check(
            'analyze_batch: the SDK reports exactly one input round',
            rounds === 1,
            '1 round reported through onprogress',
            `${rounds} rounds; progress events ${short(progress)}`,
            `${rounds} round`
        );
    }
}

async function checkBadArguments(r, s) {
    for (const [label, args] of [
        ['{"text": 5}', { text: 5 }],
        ['{}', {}]
    ]) {
        const name = `bad arguments ${label}: error names \`text\``;
        let result;
        try {
            result = await s.callTool('analyze_sentiment', args);
        } catch (e) {
            r.check(
                name,
                e?.code === INVALID_PARAMS && String(e?.message ?? '').includes('text'),
                "JSON-RPC error -32602 whose message contains 'text'",
                describe(e).split('\n')[0],
                `JSON-RPC ${e?.code}`
            );
            continue;
        }
        r.check(
            name,
            result.isError === true && resultText(result).includes('text'),
            "JSON-RPC error -32602 mentioning 'text', or isError true with text mentioning 'text'",
            resultSummary(result),
            'isError result'
        );
    }
    const text = s.llm.expect('interop-after-bad-args: still here and happy', { reply: 'positive' });
    const result = await s.callTool('analyze_sentiment', { text });
    r.check(
        'bad arguments: server keeps serving afterwards',
        !result.isError && labelOf(result) === 'positive',
        "next call returns label 'positive'",
        resultSummary(result)
    );
}

async function checkConcurrentCalls(r, s) {
    const replies = ['positive', 'negative', 'neutral', 'Positive.', 'nope'];
    const expected = ['positive', 'negative', 'neutral', 'positive', 'unknown'];
    const texts = replies.map((reply, i) => s.llm.expect(`interop-concurrent-${i}: parallel text`, { reply, delay: SAMPLING_DELAY_MS }));
    const started = now();
    const results = await Promise.all(texts.map(text => s.callTool('analyze_sentiment', { text })));
    const elapsed = now() - started;
    const labels = results.map(labelOf);
    r.check(
        `concurrency: ${CONCURRENT_CALLS} concurrent calls return the right labels`,
        sameList(labels, expected) && !results.some(res => res.isError),
        short(expected),
        short(results.map(resultSummary))
    );
    r.check(
        `concurrency: ${CONCURRENT_CALLS} calls x ${SAMPLING_DELAY_MS / 1000}s sampling finish in < ${CONCURRENCY_LIMIT_MS / 1000}s`,
        elapsed < CONCURRENCY_LIMIT_MS,
        `< ${CONCURRENCY_LIMIT_MS / 1000}s (sequential dispatch would take >= ${((CONCURRENT_CALLS * SAMPLING_DELAY_MS) / 1000).toFixed(1)}s)`,
        `${(elapsed / 1000).toFixed(3)}s`,
        `${(elapsed / 1000).toFixed(3)}s`
    );
}

const CHECKS = [
    checkHandshake,
    checkToolsList,
    checkSamplingRequestShape,
    checkLabelParsing,
    checkSamplingErrorFallback,
    checkModelHint,
    checkBatch,
    checkBadArguments,
    checkConcurrentCalls
];

export async function runChecks(r, s) {
    for (const check of CHECKS) {
        try {
            await check(r, s);
        } catch (e) {
            // One broken check must not hide the others.
            r.fail(`${check.name}: ran to completion`, 'no exception', describe(e));
        }
    }
    const unmatched = s.llm.records.filter(rec => rec.key === null);
    r.check(
        'sampling: every request carried a text this script sent',
        unmatched.length === 0,
        'no unexpected sampling requests',
        short(unmatched.map(rec => rec.messageTexts))
    );
    if (s.sdkErrors !== undefined) {
        // Known SDK-side race, not a protocol fault: both SDKs run notification handlers a
        // microtask late but settle responses at once, so on stdio a progress notification read in
        // the same chunk as its request's response finds its handler already gone. The server sends
        // them in order, before the response (the wire tap shows it).
        const raced = e => e.startsWith('Received a progress notification for an unknown token');
        const errors = s.sdkErrors.filter(e => !raced(e));
        const ignored = s.sdkErrors.length - errors.length;
        r.check(
            'the SDK reported no protocol errors (Client.onerror)',
            errors.length === 0,
            'no onerror reports',
            short(errors, 1500),
            ignored ? `${ignored} late progress notification(s) ignored` : ''
        );
    }
    if (s.era === MODERN) {
        const stray = s.tap.serverRequests();
        r.check(
            '2026-07-28: the server sent no JSON-RPC request to the client',
            stray.length === 0,
            'no server->client requests (sampling travels in input_required results)',
            short(stray)
        );
    }
}

/** `{url}` for `--url URL`, else `{command, args}`; undefined on bad usage. */
export function parseTarget(argv) {
    if (argv.length === 0) return undefined;
    if (argv[0] === '--url') return argv.length === 2 ? { url: argv[1] } : undefined;
    return { command: argv[0], args: argv.slice(1) };
}

/** Run `run(report, target)` with an overall deadline, print the summary, exit. */
export async function main(run) {
    const target = parseTarget(process.argv.slice(2));
    if (target === undefined) {
        console.error(`usage: node ${process.argv[1]} SERVER_COMMAND [ARGS...] | --url URL`);
        process.exit(2);
    }
    const r = new Report();
    let timer;
    try {
        await Promise.race([
            run(r, target),
            new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`timed out after ${OVERALL_TIMEOUT_MS / 1000}s`)), OVERALL_TIMEOUT_MS);
            })
        ]);
    } catch (e) {
        r.fail('session: connect, run every check and shut down cleanly', `no exception within ${OVERALL_TIMEOUT_MS / 1000}s`, describe(e));
    } finally {
        clearTimeout(timer);
    }
    const code = r.summary();
    // Leave no stray handle (a child process, an SSE stream) keeping the process alive.
    process.exit(code);
}
