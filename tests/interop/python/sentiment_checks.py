"""Shared checks for the Python interop scripts (sentiment_legacy.py, sentiment_auto.py).

The official Python MCP SDK (mcp==2.3.0) drives Toolsmith's `sentiment_server` example and
plays the LLM through its sampling callback. The same contract is checked in both protocol eras:

* 2025-11-25 (`mode="legacy"`): the `initialize` handshake; sampling arrives as live
  server->client `sampling/createMessage` requests; logs arrive unasked.
* 2026-07-28 (`mode="auto"`, negotiated through `server/discover`): no handshake, a `_meta`
  envelope on every request; sampling arrives inside `input_required` results and the SDK
  retries the call with `inputResponses`; logs arrive only for requests whose `_meta` asks
  for a level (`Client(log_level=...)`).

Every check prints one line (PASS/FAIL); the last line is `N passed, M failed`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import mcp.types as types
from mcp import Client, MCPError, StdioServerParameters
from mcp.client import ClientRequestContext
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

LEGACY = "2025-11-25"
MODERN = "2026-07-28"
DEFAULT_HINTS = ["custom_model", "gpt-4o"]
SAMPLING_DELAY_S = 0.3
CONCURRENT_CALLS = 5
CONCURRENCY_LIMIT_S = 1.2
CALL_TIMEOUT_S = 15.0
OVERALL_TIMEOUT_S = 120.0
LOG_WAIT_S = 2.0
# How long to wait for a log that must NOT come. On stdio a log precedes the response on the
# same pipe, and on HTTP it precedes it on the request's own stream, so a short grace suffices.
NO_LOG_WAIT_S = 0.3
SAMPLING_ERROR_MESSAGE = "interop-test: sampling refused on purpose"
LOG_LEVEL_META_KEY = "io.modelcontextprotocol/logLevel"
CLIENT_INFO = types.Implementation(name="toolsmith-interop-python", version="0.1.0")


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
    request_id: Any = None  # JSON-RPC id (2025-11-25) or inputRequests key (2026-07-28)


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
                request_id=getattr(context, "request_id", None),
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
# A wire tap: the SDK's `Transport` extension point, wrapped to record every
# JSON-RPC message both ways (as dicts, wire names) without changing them.
# --------------------------------------------------------------------------


def _as_dict(message: Any) -> dict[str, Any]:
    try:
        return message.model_dump(by_alias=True, mode="json", exclude_none=True)
    except Exception:
        return {"unparsed": repr(message)}


@dataclass
class Leg:
    """One `tools/call` request the SDK sent, and the response it got."""

    params: dict[str, Any]
    response: dict[str, Any] | None

    @property
    def result(self) -> dict[str, Any]:
        return (self.response or {}).get("result") or {}


class WireTap:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []

    def calls(self, tool: str, match: Callable[[dict[str, Any]], bool]) -> list[Leg]:
        """Every `tools/call` of `tool` whose arguments satisfy `match`, in send order."""
        responses = {
            json.dumps(m.get("id")): m for m in self.received if "id" in m and "method" not in m
        }
        legs = []
        for m in self.sent:
            params = m.get("params") or {}
            if m.get("method") == "tools/call" and params.get("name") == tool and match(params.get("arguments") or {}):
                legs.append(Leg(params=params, response=responses.get(json.dumps(m.get("id")))))
        return legs

    def server_requests(self) -> list[dict[str, Any]]:
        """JSON-RPC requests the server sent to the client."""
        return [m for m in self.received if "method" in m and "id" in m]


class _TapWrite:
    def __init__(self, inner: Any, tap: WireTap) -> None:
        self._inner = inner
        self._tap = tap

    async def send(self, item: Any, /) -> None:
        self._tap.sent.append(_as_dict(getattr(item, "message", item)))
        await self._inner.send(item)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def close(self) -> None:
        self._inner.close()

    async def __aenter__(self) -> _TapWrite:
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        await self.aclose()
        return None


class _TapRead:
    def __init__(self, inner: Any, tap: WireTap) -> None:
        self._inner = inner
        self._tap = tap

    @property
    def last_context(self) -> Any:
        return getattr(self._inner, "last_context", None)

    async def receive(self) -> Any:
        item = await self._inner.receive()
        if not isinstance(item, Exception):
            self._tap.received.append(_as_dict(getattr(item, "message", item)))
        return item

    async def aclose(self) -> None:
        await self._inner.aclose()

    def close(self) -> None:
        self._inner.close()

    def __aiter__(self) -> _TapRead:
        return self

    async def __anext__(self) -> Any:
        import anyio

        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def __aenter__(self) -> _TapRead:
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        await self.aclose()
        return None


class TappedTransport:
    """A `mcp.client.Transport` that wraps another and records the traffic in `tap`."""

    def __init__(self, inner: AbstractAsyncContextManager[Any], tap: WireTap) -> None:
        self._inner = inner
        self._tap = tap

    async def __aenter__(self) -> tuple[Any, Any]:
        read_stream, write_stream = await self._inner.__aenter__()
        return _TapRead(read_stream, self._tap), _TapWrite(write_stream, self._tap)

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._inner.__aexit__(*exc)


# --------------------------------------------------------------------------
# Connecting
# --------------------------------------------------------------------------


@dataclass
class Target:
    """The server under test: a stdio command, or a streamable HTTP URL."""

    url: str | None = None
    argv: list[str] = field(default_factory=list)

    @property
    def transport_name(self) -> str:
        return "streamable HTTP" if self.url else "stdio"

    def transport(self, tap: WireTap | None = None) -> Any:
        if self.url is not None:
            inner: Any = streamable_http_client(self.url)
        else:
            # The SDK only forwards a few safe variables by default; pass ours on so that
            # e.g. RUST_LOG / RUST_BACKTRACE reach the server under test.
            inner = stdio_client(StdioServerParameters(command=self.argv[0], args=self.argv[1:], env=dict(os.environ)))
        return TappedTransport(inner, tap) if tap is not None else inner

    def server_arg(self) -> Any:
        """What `Client(...)` takes for this target when no tap is wanted."""
        if self.url is not None:
            return self.url
        return StdioServerParameters(command=self.argv[0], args=self.argv[1:], env=dict(os.environ))


def parse_target(argv: list[str]) -> Target | None:
    if not argv:
        return None
    if argv[0] == "--url":
        return Target(url=argv[1]) if len(argv) == 2 else None
    return Target(argv=list(argv))


@dataclass
class Session:
    """Everything a check needs."""

    client: Client
    llm: FakeLlm
    era: str  # LEGACY or MODERN
    tap: WireTap | None = None
    # 2026-07-28 only: open another client of the same server that declares no sampling
    # capability, with the given `log_level` opt-in (None: none).
    without_sampling: Callable[[str | None], AbstractAsyncContextManager[tuple[Client, FakeLlm, WireTap]]] | None = None

    @property
    def modern(self) -> bool:
        return self.era == MODERN


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


async def call(client: Client, name: str, arguments: dict[str, Any], **kw: Any) -> types.CallToolResult:
    return await client.call_tool(name, arguments, read_timeout_seconds=CALL_TIMEOUT_S, **kw)


def text_is(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda args: args.get("text") == text


def legs_summary(legs: list[Leg]) -> str:
    return short(
        [
            {
                "sent inputResponses": sorted((leg.params.get("inputResponses") or {}).keys()),
                "sent requestState": "requestState" in leg.params,
                "resultType": leg.result.get("resultType"),
                "inputRequests": {
                    k: (v or {}).get("method") for k, v in (leg.result.get("inputRequests") or {}).items()
                },
                "error": (leg.response or {}).get("error"),
            }
            for leg in legs
        ],
        1200,
    )


def check_one_round(r: Report, name: str, legs: list[Leg], asks: int) -> None:
    """2026-07-28: the call took exactly one input round asking for `asks` samples at once."""
    first = legs[0] if legs else None
    ask_map = (first.result.get("inputRequests") or {}) if first else {}
    retry = legs[1] if len(legs) > 1 else None
    answers = (retry.params.get("inputResponses") or {}) if retry else {}
    ok = (
        len(legs) == 2
        and first is not None
        and first.result.get("resultType") == "input_required"
        and len(ask_map) == asks
        and all((v or {}).get("method") == "sampling/createMessage" for v in ask_map.values())
        and retry is not None
        and set(answers) == set(ask_map)
        and retry.params.get("requestState") == first.result.get("requestState")
        and retry.result.get("resultType") == "complete"
    )
    r.check(
        name,
        ok,
        f"2 tools/call legs: input_required with {asks} sampling/createMessage inputRequests, then one retry "
        "answering all of them (requestState echoed) that completes",
        legs_summary(legs),
        detail=f"{len(legs)} legs, {len(ask_map)} asks in round 1",
    )


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


async def check_handshake(r: Report, s: Session) -> None:
    client = s.client
    step = "server/discover" if s.modern else "initialize"
    r.check(
        f"{step}: negotiated protocol version",
        client.protocol_version == s.era,
        s.era,
        client.protocol_version,
        detail=s.era,
    )
    caps = client.server_capabilities
    r.check(
        f"{step}: server declares the tools capability",
        caps.tools is not None,
        "capabilities.tools present",
        short(caps.model_dump(by_alias=True, mode="json", exclude_none=True)),
    )
    if s.modern:
        info = client.server_info
        r.check(
            "server/discover: serverInfo (in _meta) names the server",
            info is not None and info.name == "sentiment",
            "serverInfo.name 'sentiment'",
            short(info.model_dump(by_alias=True, mode="json", exclude_none=True) if info else None),
        )


async def check_tools_list(r: Report, s: Session) -> None:
    listing = await s.client.list_tools()
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


async def check_sampling_request_shape(r: Report, s: Session) -> None:
    llm = s.llm
    text = llm.expect("interop-shape: the coffee was wonderful", Behaviour(reply="Positive."))
    result = await call(s.client, "analyze_sentiment", {"text": text})
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
    if s.modern and s.tap is not None:
        check_one_round(
            r,
            "input_required: the sample is asked in one round, and the retry completes the call",
            s.tap.calls("analyze_sentiment", text_is(text)),
            1,
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


async def check_label_parsing(r: Report, s: Session) -> None:
    cases = [
        ("Positive.", "positive"),
        ("NEGATIVE", "negative"),
        ("neutral!", "neutral"),
        ("I cannot say", "unknown"),
    ]
    for i, (reply, expected) in enumerate(cases):
        text = s.llm.expect(f"interop-label-{i}: some text to classify", Behaviour(reply=reply))
        result = await call(s.client, "analyze_sentiment", {"text": text})
        seen = label_of(result)
        n = len(s.llm.records_for(text))
        r.check(
            f"label parsing: reply {reply!r} -> {expected}",
            not result.is_error and seen == expected and n == 1,
            f"isError false, label {expected!r}, one sampling request",
            f"{result_summary(result)}, {n} sampling request(s)",
        )


async def _wait_for_error_logs(llm: FakeLlm, since: float, wait: float) -> list[types.LoggingMessageNotificationParams]:
    def error_logs() -> list[types.LoggingMessageNotificationParams]:
        return [p for (t, p) in llm.logs if t >= since and p.level == "error"]

    # Notifications are delivered on their own task, so give the log a moment to arrive.
    deadline = time.monotonic() + wait
    while not error_logs() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return error_logs()


def _check_error_log(
    r: Report, prefix: str, llm: FakeLlm, started: float, logs: list[types.LoggingMessageNotificationParams], why: str
) -> None:
    all_logs = [p.model_dump(by_alias=True, mode="json", exclude_none=True) for (t, p) in llm.logs if t >= started]
    r.check(
        f"{prefix}: error-level log message sent to the client",
        len(logs) >= 1,
        "at least one notifications/message with level 'error'",
        f"logs since the call started: {short(all_logs)}",
    )
    if logs:
        said = " ".join(short(p.data) for p in logs).lower()
        r.check(
            f"{prefix}: the log says why",
            why.lower() in said or "sampl" in said,
            f"log data mentioning the sampling failure (e.g. {why!r})",
            short([p.model_dump(by_alias=True, mode="json", exclude_none=True) for p in logs]),
        )
    else:
        r.fail(f"{prefix}: the log says why", "an error-level log", "none received")


async def check_sampling_error_fallback(r: Report, s: Session) -> None:
    if s.modern:
        await _check_sampling_error_fallback_modern(r, s)
        return
    llm = s.llm
    text = llm.expect("interop-error: the client refuses to sample", Behaviour(error=SAMPLING_ERROR_MESSAGE))
    started = time.monotonic()
    result: types.CallToolResult | None = None
    try:
        result = await call(s.client, "analyze_sentiment", {"text": text})
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
    logs = await _wait_for_error_logs(llm, started, LOG_WAIT_S)
    _check_error_log(r, "sampling error", llm, started, logs, SAMPLING_ERROR_MESSAGE)


async def _check_sampling_error_fallback_modern(r: Report, s: Session) -> None:
    """2026-07-28 has no wire for a sampling *error*: `inputResponses` carry results only.

    So (1) a callback that refuses makes the SDK fail the call on the client side, and the
    server never hears of it; (2) the server's own fallback is reached when the client cannot
    sample at all (no `sampling` capability in the request's `_meta`): the server must not ask,
    must answer `unknown` with isError false, and log why, but only to a request that asked for
    a log level.
    """
    # (1) The SDK's side: the refusal ends the call locally, no retry reaches the server.
    text = s.llm.expect("interop-error: the client refuses to sample", Behaviour(error=SAMPLING_ERROR_MESSAGE))
    outcome: str
    try:
        result = await call(s.client, "analyze_sentiment", {"text": text})
        outcome = f"a result: {result_summary(result)}"
        refused = False
    except MCPError as e:
        outcome = f"MCPError {e.code}: {e.message}"
        refused = SAMPLING_ERROR_MESSAGE in (e.message or "")
    legs = s.tap.calls("analyze_sentiment", text_is(text)) if s.tap is not None else []
    r.check(
        "sampling refused by the callback: the SDK fails the call locally and sends no retry",
        refused and len(legs) == 1 and legs[0].result.get("resultType") == "input_required",
        f"MCPError carrying {SAMPLING_ERROR_MESSAGE!r}; exactly one tools/call leg (input_required)",
        f"{outcome}; legs {legs_summary(legs)}",
    )

    assert s.without_sampling is not None
    # (2a) A client without sampling that asked for no log level: fallback, and no log.
    async with s.without_sampling(None) as (quiet, quiet_llm, quiet_tap):
        text = "interop-nosampling-quiet: the client cannot sample"
        started = time.monotonic()
        result = await call(quiet, "analyze_sentiment", {"text": text})
        sc = result.structured_content if isinstance(result.structured_content, dict) else {}
        r.check(
            "no sampling capability: call returns label unknown, isError false, with the reason",
            not result.is_error and label_of(result) == "unknown" and "sampl" in str(sc.get("error", "")).lower(),
            "isError false, label 'unknown', error mentioning sampling",
            result_summary(result),
        )
        legs = quiet_tap.calls("analyze_sentiment", text_is(text))
        r.check(
            "no sampling capability: the server answers at once, asking for no input",
            len(legs) == 1 and legs[0].result.get("resultType") == "complete",
            "one tools/call leg whose result has resultType complete (no input_required)",
            legs_summary(legs),
        )
        await _wait_for_error_logs(quiet_llm, started, NO_LOG_WAIT_S)
        r.check(
            "no sampling capability, no logLevel in _meta: no log is sent",
            not quiet_llm.logs,
            "no notifications/message",
            short([p.model_dump(by_alias=True, mode="json", exclude_none=True) for (_, p) in quiet_llm.logs]),
        )
    # (2b) The same, asking for logs at level error (Client(log_level="error")).
    async with s.without_sampling("error") as (loud, loud_llm, _):
        text = "interop-nosampling-loud: the client cannot sample"
        started = time.monotonic()
        result = await call(loud, "analyze_sentiment", {"text": text})
        r.check(
            "no sampling capability, logLevel error: call returns label unknown, isError false",
            not result.is_error and label_of(result) == "unknown",
            "isError false, label 'unknown'",
            result_summary(result),
        )
        logs = await _wait_for_error_logs(loud_llm, started, LOG_WAIT_S)
        _check_error_log(r, "no sampling capability, logLevel error", loud_llm, started, logs, "sampling")


async def check_model_hint(r: Report, s: Session) -> None:
    text = s.llm.expect("interop-model: the weather is fine", Behaviour(reply="neutral"))
    result = await call(s.client, "analyze_sentiment", {"text": text, "model": "my-model"})
    recs = s.llm.records_for(text)
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
    r.check(
        "model argument: hints are my-model, then the server's defaults",
        hints == ["my-model", *DEFAULT_HINTS],
        ["my-model", *DEFAULT_HINTS],
        hints,
    )


async def check_batch(r: Report, s: Session) -> None:
    llm = s.llm
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
    texts = [t for t, _, _ in plan]
    started = time.monotonic()
    result = await call(s.client, "analyze_batch", {"texts": texts})
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
    counts = [len(llm.records_for(t)) for t in texts]
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
    if s.modern:
        recs = [rec for t in texts for rec in llm.records_for(t)]
        spread = (max(x.received_at for x in recs) - min(x.received_at for x in recs)) if recs else None
        r.check(
            "analyze_batch: the callback sees all samples together (one input round)",
            len(recs) == len(plan) and spread is not None and spread < SAMPLING_DELAY_S / 2,
            f"{len(plan)} callbacks starting within {SAMPLING_DELAY_S / 2:.2f}s of each other",
            f"{len(recs)} callbacks, spread {spread if spread is None else round(spread, 3)}s, "
            f"keys {[x.request_id for x in recs]}",
            detail=f"spread {spread:.3f}s" if spread is not None else "",
        )
        if s.tap is not None:
            check_one_round(
                r,
                "analyze_batch: one input_required round carrying all samples, one retry",
                s.tap.calls("analyze_batch", lambda args: args.get("texts") == texts),
                len(plan),
            )


async def check_bad_arguments(r: Report, s: Session) -> None:
    for label, args in (('{"text": 5}', {"text": 5}), ("{}", {})):
        name = f"bad arguments {label}: error names `text`"
        try:
            result = await call(s.client, "analyze_sentiment", args)
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
    text = s.llm.expect("interop-after-bad-args: still here and happy", Behaviour(reply="positive"))
    result = await call(s.client, "analyze_sentiment", {"text": text})
    r.check(
        "bad arguments: server keeps serving afterwards",
        not result.is_error and label_of(result) == "positive",
        "next call returns label 'positive'",
        result_summary(result),
    )


async def check_concurrent_calls(r: Report, s: Session) -> None:
    replies = ["positive", "negative", "neutral", "Positive.", "nope"]
    expected = ["positive", "negative", "neutral", "positive", "unknown"]
    texts = [
        s.llm.expect(f"interop-concurrent-{i}: parallel text", Behaviour(reply=replies[i], delay=SAMPLING_DELAY_S))
        for i in range(CONCURRENT_CALLS)
    ]
    started = time.monotonic()
    results = await asyncio.gather(*(call(s.client, "analyze_sentiment", {"text": t}) for t in texts))
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


CHECKS: list[Callable[[Report, Session], Awaitable[None]]] = [
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


async def run_checks(r: Report, s: Session) -> None:
    for check in CHECKS:
        try:
            await check(r, s)
        except Exception as e:  # one broken check must not hide the others
            r.fail(f"{check.__name__}: ran to completion", "no exception", describe(e))
    unmatched = [rec for rec in s.llm.records if rec.key is None]
    r.check(
        "sampling: every request carried a text this script sent",
        not unmatched,
        "no unexpected sampling requests",
        short([rec.message_texts for rec in unmatched]),
    )
    if s.modern and s.tap is not None:
        stray = s.tap.server_requests()
        r.check(
            "2026-07-28: the server sent no JSON-RPC request to the client",
            not stray,
            "no server->client requests (sampling travels in input_required results)",
            short(stray),
        )


def main(run: Callable[[Report, Target], Awaitable[None]], usage: str) -> int:
    target = parse_target(sys.argv[1:])
    if target is None:
        print(usage.replace("PROG", sys.argv[0]), file=sys.stderr)
        return 2
    r = Report()
    try:
        asyncio.run(asyncio.wait_for(run(r, target), OVERALL_TIMEOUT_S))
    except BaseException as e:  # noqa: BLE001 - report anything, including ExceptionGroup and timeouts
        if isinstance(e, KeyboardInterrupt):
            raise
        r.fail(
            "session: connect, run every check and shut down cleanly",
            f"no exception within {OVERALL_TIMEOUT_S:.0f}s",
            describe(e),
        )
    return r.summary()


@asynccontextmanager
async def no_sampling_client(target: Target, log_level: str | None) -> AsyncIterator[tuple[Client, FakeLlm, WireTap]]:
    """A second client of the same server that declares no sampling capability (no callback)."""
    llm = FakeLlm()
    tap = WireTap()
    client = Client(
        target.transport(tap),
        mode="auto",
        logging_callback=llm.logging_callback,
        log_level=log_level,  # type: ignore[arg-type]
        client_info=CLIENT_INFO,
        read_timeout_seconds=CALL_TIMEOUT_S,
    )
    async with client:
        yield client, llm, tap
