#!/usr/bin/env python3
"""Interop check: the official Python MCP SDK (mcp==2.3.0, legacy mode) against
Toolsmith's `sentiment_server` example over stdio.

Usage:
    python sentiment_legacy.py /path/to/sentiment_server [server args...]

The client connects with `Client(StdioServerParameters(...), mode="legacy")`,
i.e. the `initialize` handshake at protocol 2025-11-25, and plays the LLM
through its sampling callback. Every check prints one line (PASS/FAIL); the
last line is `N passed, M failed`. Exit status is 0 only when every check
passed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import mcp.types as types
from mcp import Client, MCPError, StdioServerParameters
from mcp.client import ClientRequestContext

EXPECTED_PROTOCOL = "2025-11-25"
DEFAULT_HINTS = ["custom_model", "gpt-4o"]
SAMPLING_DELAY_S = 0.3
CONCURRENT_CALLS = 5
CONCURRENCY_LIMIT_S = 1.2
CALL_TIMEOUT_S = 15.0
OVERALL_TIMEOUT_S = 120.0
LOG_WAIT_S = 2.0
SAMPLING_ERROR_MESSAGE = "interop-test: sampling refused on purpose"


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)

    def fail(self, name: str, expected: Any, seen: Any) -> None:
        self.failed += 1
        print(f"FAIL {name}\n    expected: {expected}\n    seen:     {seen}", flush=True)

    def check(self, name: str, cond: bool, expected: Any, seen: Any, detail: str = "") -> bool:
        if cond:
            self.ok(name, detail)
        else:
            self.fail(name, expected, seen)
        return cond

    def summary(self) -> int:
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 and self.passed > 0 else 1


def describe(e: BaseException) -> str:
    """The leaf exceptions of a (possibly nested) exception group, then the full traceback."""

    def leaves(x: BaseException) -> list[BaseException]:
        if isinstance(x, BaseExceptionGroup):
            return [leaf for sub in x.exceptions for leaf in leaves(sub)]
        return [x]

    causes = "; ".join(f"{type(x).__name__}: {x}" for x in leaves(e))
    return f"{causes}\n" + "".join(traceback.format_exception(e))


def short(value: Any, limit: int = 600) -> str:
    try:
        text = json.dumps(value, default=str, sort_keys=True)
    except Exception:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...(truncated)"


# --------------------------------------------------------------------------
# The fake LLM: a sampling callback scripted per input text
# --------------------------------------------------------------------------


@dataclass
class Behaviour:
    reply: str | None = None  # text the "LLM" answers with
    error: str | None = None  # if set, answer with ErrorData(message=error)
    delay: float = 0.0  # seconds to sleep before answering


@dataclass
class SamplingRecord:
    key: str | None  # the scripted text this request was matched to
    params: dict[str, Any]  # CreateMessageRequestParams as received (wire names)
    message_texts: list[str]
    received_at: float


@dataclass
class FakeLlm:
    script: dict[str, Behaviour] = field(default_factory=dict)
    records: list[SamplingRecord] = field(default_factory=list)
    logs: list[tuple[float, types.LoggingMessageNotificationParams]] = field(default_factory=list)

    def expect(self, text: str, behaviour: Behaviour) -> str:
        self.script[text] = behaviour
        return text

    def records_for(self, key: str) -> list[SamplingRecord]:
        return [r for r in self.records if r.key == key]

    def _match(self, message_texts: list[str]) -> str | None:
        joined = "\n".join(message_texts)
        # Longest key first so that no key shadows a longer one containing it.
        for key in sorted(self.script, key=len, reverse=True):
            if key in joined:
                return key
        return None

    async def sampling_callback(
        self, context: ClientRequestContext, params: types.CreateMessageRequestParams
    ) -> types.CreateMessageResult | types.ErrorData:
        message_texts: list[str] = []
        for message in params.messages:
            for block in message.content_as_list:
                if isinstance(block, types.TextContent):
                    message_texts.append(block.text)
        key = self._match(message_texts)
        self.records.append(
            SamplingRecord(
                key=key,
                params=params.model_dump(by_alias=True, mode="json", exclude_none=True),
                message_texts=message_texts,
                received_at=time.monotonic(),
            )
        )
        if key is None:
            return types.ErrorData(
                code=types.INVALID_REQUEST,
                message=f"interop-test: no scripted reply for messages {message_texts!r}",
            )
        behaviour = self.script[key]
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
        if behaviour.error is not None:
            return types.ErrorData(code=types.INTERNAL_ERROR, message=behaviour.error)
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=behaviour.reply or ""),
            model="interop-fake-llm",
            stop_reason="endTurn",
        )

    async def logging_callback(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append((time.monotonic(), params))


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def type_allows(schema: Any, wanted: str) -> bool:
    """True when a JSON schema (possibly nullable / anyOf) admits the JSON type `wanted`."""
    if not isinstance(schema, dict):
        return False
    t = schema.get("type")
    if t == wanted or (isinstance(t, list) and wanted in t):
        return True
    for combinator in ("anyOf", "oneOf"):
        if any(type_allows(s, wanted) for s in schema.get(combinator, []) or []):
            return True
    return False


def result_text(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


def result_summary(result: types.CallToolResult) -> str:
    return short(
        {
            "isError": result.is_error,
            "structuredContent": result.structured_content,
            "text": result_text(result),
        }
    )


def label_of(result: types.CallToolResult) -> Any:
    sc = result.structured_content
    if isinstance(sc, dict):
        return sc.get("label")
    return None


async def call(client: Client, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    return await client.call_tool(name, arguments, read_timeout_seconds=CALL_TIMEOUT_S)


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


async def check_handshake(r: Report, client: Client, llm: FakeLlm) -> None:
    r.check(
        "initialize: negotiated protocol version",
        client.protocol_version == EXPECTED_PROTOCOL,
        EXPECTED_PROTOCOL,
        client.protocol_version,
        detail=EXPECTED_PROTOCOL,
    )
    caps = client.server_capabilities
    r.check(
        "initialize: server declares the tools capability",
        caps.tools is not None,
        "capabilities.tools present",
        short(caps.model_dump(by_alias=True, mode="json", exclude_none=True)),
    )


async def check_tools_list(r: Report, client: Client, llm: FakeLlm) -> None:
    listing = await client.list_tools()
    tools = {t.name: t for t in listing.tools}
    r.check(
        "tools/list: analyze_sentiment and analyze_batch listed",
        {"analyze_sentiment", "analyze_batch"} <= set(tools),
        ["analyze_sentiment", "analyze_batch"],
        sorted(tools),
    )

    single = tools.get("analyze_sentiment")
    if single is None:
        r.fail("analyze_sentiment: inputSchema requires string `text`", "tool listed", "tool missing")
        r.fail("analyze_sentiment: optional string `model`", "tool listed", "tool missing")
        r.fail("analyze_sentiment: outputSchema declared", "tool listed", "tool missing")
    else:
        schema = single.input_schema
        props = schema.get("properties") or {}
        required = schema.get("required") or []
        r.check(
            "analyze_sentiment: inputSchema requires string `text`",
            schema.get("type") == "object" and "text" in required and type_allows(props.get("text"), "string"),
            'type object, properties.text of type "string", "text" in required',
            short(schema),
        )
        model_schema = props.get("model")
        r.check(
            "analyze_sentiment: optional string `model`",
            model_schema is not None and type_allows(model_schema, "string") and "model" not in required,
            'properties.model admits "string" and "model" not in required',
            short(schema),
        )
        r.check(
            "analyze_sentiment: outputSchema declared",
            isinstance(single.output_schema, dict) and single.output_schema.get("type") == "object",
            'an outputSchema with type "object"',
            short(single.output_schema),
        )

    batch = tools.get("analyze_batch")
    if batch is None:
        r.fail("analyze_batch: inputSchema requires array `texts`", "tool listed", "tool missing")
    else:
        schema = batch.input_schema
        texts = (schema.get("properties") or {}).get("texts")
        items = texts.get("items") if isinstance(texts, dict) else None
        r.check(
            "analyze_batch: inputSchema requires array `texts`",
            "texts" in (schema.get("required") or [])
            and type_allows(texts, "array")
            and type_allows(items, "string"),
            'properties.texts of type "array" with string items, "texts" in required',
            short(schema),
        )


async def check_sampling_request_shape(r: Report, client: Client, llm: FakeLlm) -> None:
    text = llm.expect("interop-shape: the coffee was wonderful", Behaviour(reply="Positive."))
    result = await call(client, "analyze_sentiment", {"text": text})
    recs = llm.records_for(text)
    r.check(
        "sampling: exactly one sampling/createMessage per call",
        len(recs) == 1,
        "1 request",
        f"{len(recs)} requests",
    )
    r.check(
        "analyze_sentiment: result is not an error",
        not result.is_error,
        "isError false",
        result_summary(result),
    )
    if not recs:
        for name in (
            "sampling: one user message containing the text",
            "sampling: non-empty system prompt",
            "sampling: modelPreferences.hints",
            "sampling: temperature 0",
            "sampling: maxTokens at most 20",
        ):
            r.fail(name, "a sampling request", "none received")
        return
    p = recs[0].params
    messages = p.get("messages") or []
    first = messages[0] if messages else {}
    content = first.get("content")
    blocks = content if isinstance(content, list) else [content]
    user_text = " ".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
    r.check(
        "sampling: one user message containing the text",
        len(messages) == 1 and first.get("role") == "user" and text in user_text,
        f"1 message, role user, text containing {text!r}",
        short(messages),
    )
    system_prompt = p.get("systemPrompt")
    r.check(
        "sampling: non-empty system prompt",
        isinstance(system_prompt, str) and system_prompt.strip() != "",
        "a non-empty systemPrompt",
        short(system_prompt),
        detail=short(system_prompt, 80),
    )
    hints = [h.get("name") for h in ((p.get("modelPreferences") or {}).get("hints") or [])]
    r.check(
        "sampling: modelPreferences.hints",
        hints == DEFAULT_HINTS,
        [{"name": n} for n in DEFAULT_HINTS],
        short(p.get("modelPreferences")),
        detail=short(hints),
    )
    r.check(
        "sampling: temperature 0",
        p.get("temperature") == 0,
        0,
        short(p.get("temperature")),
    )
    max_tokens = p.get("maxTokens")
    r.check(
        "sampling: maxTokens at most 20",
        isinstance(max_tokens, int) and 0 < max_tokens <= 20,
        "1 <= maxTokens <= 20",
        short(max_tokens),
        detail=f"maxTokens {max_tokens}",
    )


async def check_label_parsing(r: Report, client: Client, llm: FakeLlm) -> None:
    cases = [
        ("Positive.", "positive"),
        ("NEGATIVE", "negative"),
        ("neutral!", "neutral"),
        ("I cannot say", "unknown"),
    ]
    for i, (reply, expected) in enumerate(cases):
        text = llm.expect(f"interop-label-{i}: some text to classify", Behaviour(reply=reply))
        result = await call(client, "analyze_sentiment", {"text": text})
        seen = label_of(result)
        r.check(
            f"label parsing: reply {reply!r} -> {expected}",
            not result.is_error and seen == expected and len(llm.records_for(text)) == 1,
            f"isError false, label {expected!r}, one sampling request",
            f"{result_summary(result)}, {len(llm.records_for(text))} sampling request(s)",
        )


async def check_sampling_error_fallback(r: Report, client: Client, llm: FakeLlm) -> None:
    text = llm.expect("interop-error: the client refuses to sample", Behaviour(error=SAMPLING_ERROR_MESSAGE))
    started = time.monotonic()
    result: types.CallToolResult | None = None
    try:
        result = await call(client, "analyze_sentiment", {"text": text})
    except MCPError as e:
        r.fail(
            "sampling error: call still returns a normal result with label unknown",
            "a CallToolResult with isError false and label 'unknown'",
            f"JSON-RPC error {e.code}: {e.message}",
        )
    if result is not None:
        r.check(
            "sampling error: call still returns a normal result with label unknown",
            not result.is_error and label_of(result) == "unknown",
            "isError false, label 'unknown'",
            result_summary(result),
        )

    # Notifications are delivered on their own task, so give the log a moment to arrive.
    def error_logs() -> list[types.LoggingMessageNotificationParams]:
        return [p for (t, p) in llm.logs if t >= started and p.level == "error"]

    deadline = time.monotonic() + LOG_WAIT_S
    while not error_logs() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    logs = error_logs()
    all_logs = [p.model_dump(by_alias=True, mode="json", exclude_none=True) for (t, p) in llm.logs if t >= started]
    r.check(
        "sampling error: error-level log message sent to the client",
        len(logs) >= 1,
        "at least one notifications/message with level 'error'",
        f"logs since the call started: {short(all_logs)}",
    )
    if logs:
        said = " ".join(short(p.data) for p in logs).lower()
        r.check(
            "sampling error: the log says why",
            SAMPLING_ERROR_MESSAGE.lower() in said or "sampl" in said,
            f"log data mentioning the sampling failure (e.g. {SAMPLING_ERROR_MESSAGE!r})",
            short([p.model_dump(by_alias=True, mode="json", exclude_none=True) for p in logs]),
        )
    else:
        r.fail("sampling error: the log says why", "an error-level log", "none received")


async def check_model_hint(r: Report, client: Client, llm: FakeLlm) -> None:
    text = llm.expect("interop-model: the weather is fine", Behaviour(reply="neutral"))
    result = await call(client, "analyze_sentiment", {"text": text, "model": "my-model"})
    recs = llm.records_for(text)
    hints = (
        [h.get("name") for h in ((recs[0].params.get("modelPreferences") or {}).get("hints") or [])] if recs else None
    )
    r.check(
        "model argument: hints start with my-model",
        len(recs) == 1 and bool(hints) and hints[0] == "my-model" and not result.is_error,
        "one sampling request whose hints[0].name == 'my-model' and a non-error result",
        f"hints {hints}, {len(recs)} request(s), result {result_summary(result)}",
        detail=short(hints),
    )


async def check_batch(r: Report, client: Client, llm: FakeLlm) -> None:
    plan = [
        ("interop-batch-0: loved it", "Positive", "positive"),
        ("interop-batch-1: hated it", "negative.", "negative"),
        ("interop-batch-2: it exists", "NEUTRAL", "neutral"),
        ("interop-batch-3: a riddle", "no idea", "unknown"),
        ("interop-batch-4: superb again", "positive!", "positive"),
    ]
    for text, reply, _ in plan:
        # Each answer takes a while so that a sequential server stands out.
        llm.expect(text, Behaviour(reply=reply, delay=SAMPLING_DELAY_S))
    started = time.monotonic()
    result = await call(client, "analyze_batch", {"texts": [t for t, _, _ in plan]})
    elapsed = time.monotonic() - started
    sc = result.structured_content if isinstance(result.structured_content, dict) else {}
    items = sc.get("results")
    labels = [it.get("label") if isinstance(it, dict) else None for it in items] if isinstance(items, list) else None
    expected = [label for _, _, label in plan]
    r.check(
        "analyze_batch: results in input order",
        not result.is_error and labels == expected,
        f"isError false, labels {expected}",
        f"labels {labels}; result {result_summary(result)}",
    )
    counts = [len(llm.records_for(t)) for t, _, _ in plan]
    r.check(
        "analyze_batch: one sampling request per text",
        counts == [1] * len(plan),
        [1] * len(plan),
        counts,
    )
    r.check(
        f"analyze_batch: texts sampled concurrently (< {CONCURRENCY_LIMIT_S}s)",
        elapsed < CONCURRENCY_LIMIT_S,
        f"{len(plan)} texts x {SAMPLING_DELAY_S}s sampling finishing in < {CONCURRENCY_LIMIT_S}s",
        f"{elapsed:.3f}s",
        detail=f"{elapsed:.3f}s",
    )


async def check_bad_arguments(r: Report, client: Client, llm: FakeLlm) -> None:
    for label, args in (('{"text": 5}', {"text": 5}), ("{}", {})):
        name = f"bad arguments {label}: error names `text`"
        try:
            result = await call(client, "analyze_sentiment", args)
        except MCPError as e:
            r.check(
                name,
                e.code == types.INVALID_PARAMS and "text" in (e.message or ""),
                "JSON-RPC error -32602 whose message contains 'text'",
                f"JSON-RPC error {e.code}: {e.message!r} data={short(e.data)}",
                detail=f"JSON-RPC {e.code}",
            )
        else:
            r.check(
                name,
                result.is_error and "text" in result_text(result),
                "JSON-RPC error -32602 mentioning 'text', or isError true with text mentioning 'text'",
                result_summary(result),
                detail="isError result",
            )
    text = llm.expect("interop-after-bad-args: still here and happy", Behaviour(reply="positive"))
    result = await call(client, "analyze_sentiment", {"text": text})
    r.check(
        "bad arguments: server keeps serving afterwards",
        not result.is_error and label_of(result) == "positive",
        "next call returns label 'positive'",
        result_summary(result),
    )


async def check_concurrent_calls(r: Report, client: Client, llm: FakeLlm) -> None:
    replies = ["positive", "negative", "neutral", "Positive.", "nope"]
    expected = ["positive", "negative", "neutral", "positive", "unknown"]
    texts = [
        llm.expect(f"interop-concurrent-{i}: parallel text", Behaviour(reply=replies[i], delay=SAMPLING_DELAY_S))
        for i in range(CONCURRENT_CALLS)
    ]
    started = time.monotonic()
    results = await asyncio.gather(*(call(client, "analyze_sentiment", {"text": t}) for t in texts))
    elapsed = time.monotonic() - started
    labels = [label_of(res) for res in results]
    r.check(
        f"concurrency: {CONCURRENT_CALLS} concurrent calls return the right labels",
        labels == expected and not any(res.is_error for res in results),
        expected,
        [result_summary(res) for res in results],
    )
    r.check(
        f"concurrency: {CONCURRENT_CALLS} calls x {SAMPLING_DELAY_S}s sampling finish in < {CONCURRENCY_LIMIT_S}s",
        elapsed < CONCURRENCY_LIMIT_S,
        f"< {CONCURRENCY_LIMIT_S}s (sequential dispatch would take >= {CONCURRENT_CALLS * SAMPLING_DELAY_S:.1f}s)",
        f"{elapsed:.3f}s",
        detail=f"{elapsed:.3f}s",
    )


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


async def run(r: Report, argv: list[str]) -> None:
    llm = FakeLlm()
    # The SDK only forwards a few safe variables by default; pass ours on so that
    # e.g. RUST_LOG / RUST_BACKTRACE reach the server under test.
    params = StdioServerParameters(command=argv[0], args=argv[1:], env=dict(os.environ))
    client = Client(
        params,
        mode="legacy",
        sampling_callback=llm.sampling_callback,
        logging_callback=llm.logging_callback,
        client_info=types.Implementation(name="toolsmith-interop-python", version="0.1.0"),
        read_timeout_seconds=CALL_TIMEOUT_S,
    )
    async with client:
        checks = [
            check_handshake,
            check_tools_list,
            check_sampling_request_shape,
            check_label_parsing,
            check_sampling_error_fallback,
            check_model_hint,
            check_batch,
            check_bad_arguments,
            check_concurrent_calls,
        ]
        for check in checks:
            try:
                await check(r, client, llm)
            except Exception as e:  # one broken check must not hide the others
                r.fail(
                    f"{check.__name__}: ran to completion",
                    "no exception",
                    describe(e),
                )
        unmatched = [rec for rec in llm.records if rec.key is None]
        r.check(
            "sampling: every request carried a text this script sent",
            not unmatched,
            "no unexpected sampling requests",
            short([rec.message_texts for rec in unmatched]),
        )


def main() -> int:
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} SERVER_COMMAND [ARGS...]", file=sys.stderr)
        return 2
    r = Report()
    try:
        asyncio.run(asyncio.wait_for(run(r, sys.argv[1:]), OVERALL_TIMEOUT_S))
    except BaseException as e:  # noqa: BLE001 - report anything, including ExceptionGroup and timeouts
        if isinstance(e, KeyboardInterrupt):
            raise
        r.fail(
            "session: connect, run every check and shut down cleanly",
            f"no exception within {OVERALL_TIMEOUT_S:.0f}s",
            describe(e),
        )
    return r.summary()


if __name__ == "__main__":
    sys.exit(main())
