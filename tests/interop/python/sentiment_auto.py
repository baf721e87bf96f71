#!/usr/bin/env python3
"""Interop check: the official Python MCP SDK (mcp==2.3.0) in its default `auto` mode,
which negotiates protocol 2026-07-28 through `server/discover`, against Toolsmith's
`sentiment_server` example, over stdio or streamable HTTP.

Usage:
    python sentiment_auto.py /path/to/sentiment_server [server args...]   # stdio
    python sentiment_auto.py --url http://127.0.0.1:PORT/mcp              # streamable HTTP

The client plays the LLM through its sampling callback; in 2026-07-28 the server asks for
samples inside `input_required` results and the SDK retries the call with `inputResponses`
(multi round-trip requests). A wire tap (the SDK's `Transport` extension point, wrapped)
records the `tools/call` legs so the rounds can be counted. The error fallback is checked
with a second client that declares no sampling capability, with and without
`Client(log_level="error")`. Every check prints one line (PASS/FAIL); the last line is
`N passed, M failed`. Exit status is 0 only when every check passed. The checks live in
sentiment_checks.py.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mcp import Client  # noqa: E402

from sentiment_checks import (  # noqa: E402
    CALL_TIMEOUT_S,
    CLIENT_INFO,
    MODERN,
    FakeLlm,
    Report,
    Session,
    Target,
    WireTap,
    main,
    no_sampling_client,
    run_checks,
)


async def run(r: Report, target: Target) -> None:
    llm = FakeLlm()
    tap = WireTap()
    client = Client(
        target.transport(tap),
        mode="auto",
        sampling_callback=llm.sampling_callback,
        logging_callback=llm.logging_callback,
        client_info=CLIENT_INFO,
        read_timeout_seconds=CALL_TIMEOUT_S,
    )
    async with client:
        session = Session(
            client=client,
            llm=llm,
            era=MODERN,
            tap=tap,
            without_sampling=lambda level: no_sampling_client(target, level),
        )
        await run_checks(r, session)


if __name__ == "__main__":
    sys.exit(main(run, "usage: PROG SERVER_COMMAND [ARGS...] | PROG --url URL"))
