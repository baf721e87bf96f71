#!/usr/bin/env python3
"""Interop check: the official Python MCP SDK (mcp==2.3.0) through nginx to the replicas of
Toolsmith's `everything_server` example (`deploy/local-cluster.sh`), in either protocol era.

Usage:
    python cluster_everything.py legacy --url http://127.0.0.1:PORT/mcp   # 2025-11-25 session
    python cluster_everything.py auto --url http://127.0.0.1:PORT/mcp     # 2026-07-28

The client plays the LLM through its sampling callback and calls `test_sampling` four times:

* legacy: one session (`initialize`), each sample a live server->client request answered on the
  replica the session's id hashes to; the `replica` tool answers from that one replica;
* auto: protocol 2026-07-28 negotiated through `server/discover`; each sample arrives inside an
  `input_required` result and the SDK sends the call again with `inputResponses` (two rounds
  per call, round-robin over the replicas: the Rust side reads from nginx's log which replica
  served each round); the `replica` tool answers from more than one replica.

Every check prints one line (PASS/FAIL), plus one `replica:` line per `replica` call; the last
line is `N passed, M failed`. Exit status is 0 only when every check passed.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mcp.types as types  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client import ClientRequestContext  # noqa: E402

from sentiment_checks import (  # noqa: E402
    CALL_TIMEOUT_S,
    CLIENT_INFO,
    LEGACY,
    MODERN,
    Report,
    Target,
    WireTap,
    main,
)

CALLS = 4
REPLICA_CALLS = 6
USAGE = "usage: PROG legacy|auto --url URL"


async def sample(
    context: ClientRequestContext, params: types.CreateMessageRequestParams
) -> types.CreateMessageResult:
    """The LLM: answers `sampled: PROMPT`."""
    texts = [
        block.text
        for message in params.messages
        for block in message.content_as_list
        if isinstance(block, types.TextContent)
    ]
    return types.CreateMessageResult(
        role="assistant",
        content=types.TextContent(type="text", text="sampled: " + " ".join(texts)),
        model="cluster-fake-llm",
        stop_reason="endTurn",
    )


def text_of(result: types.CallToolResult) -> str:
    return "".join(b.text for b in result.content if isinstance(b, types.TextContent))


async def run_mode(r: Report, target: Target, mode: str) -> None:
    tap = WireTap()
    client = Client(
        target.transport(tap),
        mode=mode,
        sampling_callback=sample,
        client_info=CLIENT_INFO,
        read_timeout_seconds=CALL_TIMEOUT_S,
    )
    era = LEGACY if mode == "legacy" else MODERN
    async with client:
        r.check("protocol version", client.protocol_version == era, era, client.protocol_version)
        for i in range(CALLS):
            prompt = f"cluster prompt {i}"
            result = await client.call_tool("test_sampling", {"prompt": prompt})
            want = f"LLM response: sampled: {prompt}"
            r.check(f"test_sampling {i} answered from the sample", text_of(result) == want and not result.is_error, want, text_of(result))
        legs = tap.calls("test_sampling", lambda _args: True)
        asks = [m for m in tap.server_requests() if m.get("method") == "sampling/createMessage"]
        if era == LEGACY:
            r.check("legacy: one leg per call, each sample a live request", len(legs) == CALLS and len(asks) == CALLS, f"{CALLS} legs and asks", f"{len(legs)} legs, {len(asks)} asks")
        else:
            rounds = [leg.result.get("resultType") for leg in legs]
            want = ["input_required", "complete"] * CALLS
            r.check("2026-07-28: two rounds per call (input_required, then complete)", rounds == want, want, rounds)
            r.check("2026-07-28: no live server->client request", not asks, "none", asks)
        names = []
        for _ in range(REPLICA_CALLS):
            name = text_of(await client.call_tool("replica", {}))
            print(f"replica: {name}", flush=True)
            names.append(name)
        if era == LEGACY:
            r.check("legacy: the session's calls reach one replica", len(set(names)) == 1, "one replica", names)
        else:
            r.check("2026-07-28: calls spread over the replicas", len(set(names)) > 1, "more than one replica", names)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("legacy", "auto"):
        print(USAGE.replace("PROG", sys.argv[0]), file=sys.stderr)
        sys.exit(2)
    chosen = sys.argv.pop(1)
    sys.exit(main(lambda r, target: run_mode(r, target, chosen), USAGE))
