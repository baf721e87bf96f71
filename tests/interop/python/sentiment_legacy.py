#!/usr/bin/env python3
"""Interop check: the official Python MCP SDK (mcp==2.3.0, legacy mode) against
Toolsmith's `sentiment_server` example, over stdio or streamable HTTP.

Usage:
    python sentiment_legacy.py /path/to/sentiment_server [server args...]   # stdio
    python sentiment_legacy.py --url http://127.0.0.1:PORT/mcp              # streamable HTTP

The client connects with `Client(StdioServerParameters(...) | url, mode="legacy")`,
i.e. the `initialize` handshake at protocol 2025-11-25, and plays the LLM
through its sampling callback (sampling arrives as live server->client
`sampling/createMessage` requests). Every check prints one line (PASS/FAIL);
the last line is `N passed, M failed`. Exit status is 0 only when every check
passed. The checks live in sentiment_checks.py.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mcp import Client  # noqa: E402

from sentiment_checks import (  # noqa: E402
    CALL_TIMEOUT_S,
    CLIENT_INFO,
    LEGACY,
    FakeLlm,
    Report,
    Session,
    Target,
    main,
    run_checks,
)


async def run(r: Report, target: Target) -> None:
    llm = FakeLlm()
    client = Client(
        target.server_arg(),
        mode="legacy",
        sampling_callback=llm.sampling_callback,
        logging_callback=llm.logging_callback,
        client_info=CLIENT_INFO,
        read_timeout_seconds=CALL_TIMEOUT_S,
    )
    async with client:
        await run_checks(r, Session(client=client, llm=llm, era=LEGACY))


if __name__ == "__main__":
    sys.exit(main(run, "usage: PROG SERVER_COMMAND [ARGS...] | PROG --url URL"))
