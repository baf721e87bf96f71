#!/usr/bin/env python3
"""Interop check: the official Python MCP SDK (mcp==2.3.0) reads the results of Toolsmith
tools that return non-object values (tests/src/output_shapes.rs), over streamable HTTP, in
both protocol eras:

* `mode="legacy"` (2025-11-25, object output only): each non-object output schema is listed
  wrapped as `{"type": "object", "properties": {"result": ...}}` and each result as
  `{"result": value}`;
* `mode="auto"` (negotiates 2026-07-28): the tool's own schema and the value itself.

The SDK checks every `structuredContent` against the listed `outputSchema` (jsonschema) and
raises on a mismatch; this script checks the values. Every check prints one line (PASS/FAIL);
the last line is `N passed, M failed`.

Usage: python output_shapes.py --url http://127.0.0.1:PORT/mcp
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mcp import Client  # noqa: E402

from sentiment_checks import CALL_TIMEOUT_S, CLIENT_INFO, OVERALL_TIMEOUT_S, Report, describe, short  # noqa: E402

ROWS = [{"id": 1, "name": "row 1"}, {"id": 2, "name": "row 2"}]


async def check_era(r: Report, url: str, mode: str) -> None:
    legacy = mode == "legacy"
    era = "2025-11-25" if legacy else "2026-07-28"

    def shaped(value: Any) -> Any:
        return {"result": value} if legacy else value

    client = Client(url, mode=mode, client_info=CLIENT_INFO, read_timeout_seconds=CALL_TIMEOUT_S)  # type: ignore[arg-type]
    async with client:
        listed = await client.list_tools()
        schemas = {t.name: t.output_schema for t in listed.tools}
        rows_schema = schemas.get("rows") or {}
        if legacy:
            r.check(
                f"{era}: every output schema is an object schema",
                all(s.get("type") == "object" for s in schemas.values() if s is not None),
                'type "object" for every tool',
                short(schemas),
            )
            inner = (rows_schema.get("properties") or {}).get("result") or {}
            r.check(
                f"{era}: rows lists its array schema under `result`",
                inner.get("type") == "array" and rows_schema.get("required") == ["result"],
                '{"type": "object", "properties": {"result": {"type": "array", ...}}}',
                short(rows_schema),
            )
        else:
            r.check(
                f"{era}: rows lists its own array schema",
                rows_schema.get("type") == "array" and "Row" in (rows_schema.get("$defs") or {}),
                '{"type": "array", "items": {"$ref": "#/$defs/Row"}, "$defs": {...}}',
                short(rows_schema),
            )
            r.check(
                f"{era}: label (a plain string) lists no output schema",
                schemas.get("label") is None,
                "no outputSchema",
                short(schemas.get("label")),
            )

        calls: list[tuple[str, dict[str, Any], Any]] = [
            ("rows", {"n": 2}, shaped(ROWS)),
            ("label", {}, None),  # plain text, no structuredContent
            ("total", {"a": 2, "b": 3}, shaped(5)),
            ("mood", {"happy": True}, shaped("happy")),
            ("find", {"id": 1}, shaped(ROWS[0])),
            ("find", {"id": 2}, shaped(None)),
            ("fallible_rows", {"ok": True}, shaped([{"id": 7, "name": "row 7"}])),
            ("first_row", {}, ROWS[0]),
        ]
        for name, args, want in calls:
            check = f"{era}: {name}({args}) structuredContent, validated by the SDK"
            try:
                result = await client.call_tool(name, args, read_timeout_seconds=CALL_TIMEOUT_S)
            except Exception as e:  # noqa: BLE001 - the SDK's schema check raises RuntimeError
                r.fail(check, short(want), describe(e))
                continue
            r.check(
                check,
                not result.is_error and result.structured_content == want,
                short(want),
                short({"isError": result.is_error, "structuredContent": result.structured_content}),
            )


async def run(r: Report, url: str) -> None:
    for mode in ("legacy", "auto"):
        try:
            await check_era(r, url, mode)
        except BaseException as e:  # noqa: BLE001 - report anything, including ExceptionGroup
            if isinstance(e, KeyboardInterrupt):
                raise
            r.fail(f"mode={mode}: connect, list and call", "no exception", describe(e))


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] != "--url":
        print(f"usage: {sys.argv[0]} --url URL", file=sys.stderr)
        return 2
    r = Report()
    try:
        asyncio.run(asyncio.wait_for(run(r, sys.argv[2]), OVERALL_TIMEOUT_S))
    except TimeoutError as e:
        r.fail("the checks finish in time", f"within {OVERALL_TIMEOUT_S:.0f}s", describe(e))
    return r.summary()


if __name__ == "__main__":
    sys.exit(main())
