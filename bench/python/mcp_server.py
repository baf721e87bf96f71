"""The benchmark server written with the official Python SDK (`mcp` 2.x, `MCPServer`), idiomatically:
decorated async functions. Same tools and command line as examples/bench_server.rs:

- `echo(text)` returns the text;
- `ask(question)` samples the client's model once and returns the answer's text;
- `--tools N` registers N extra trivial tools (`tool_0` .. `tool_{N-1}`);
- stdio by default, `--http ADDR` serves streamable HTTP at /mcp.
"""

from __future__ import annotations

import argparse
import warnings

import sys
from typing import Annotated

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import Resolve, Sample
from mcp.types import CreateMessageResult, SamplingMessage, TextContent

# Sampling is deprecated by the 2026-07-28 revision; this server speaks 2025-11-25.
warnings.filterwarnings("ignore", message=".*sampling capability is deprecated")

# WARNING, like the Rust servers' default (INFO logs a line per HTTP request).
mcp = MCPServer("bench-python-mcp", version="0.1.0", log_level="WARNING")


@mcp.tool()
async def echo(text: str) -> str:
    """Echo the text back."""
    return text


async def ask(question: str, ctx: Context) -> str:
    """Ask the client's model a question (one sampling round trip) and return its answer."""
    result = await ctx.session.create_message(
        messages=[SamplingMessage(role="user", content=TextContent(type="text", text=question))],
        max_tokens=64,
    )
    content = result.content
    return content.text if isinstance(content, TextContent) else ""


def _sample(question: str) -> Sample:
    return Sample([SamplingMessage(role="user", content=TextContent(type="text", text=question))], max_tokens=64)


async def ask_resolved(question: str, answer: Annotated[CreateMessageResult, Resolve(_sample)]) -> str:
    """Ask the client's model a question (one sampling round trip) and return its answer."""
    content = answer.content
    return content.text if isinstance(content, TextContent) else ""


# `--ask resolve`: `ask` as a `Resolve(Sample)` dependency, which the SDK serves in either era
# (a mid-call `sampling/createMessage` at 2025-11-25, a multi round-trip request at 2026-07-28;
# `ctx.session.create_message` has no back channel at 2026-07-28). Read before argparse runs
# because the tools are registered at import time; the default keeps the measured 2025-11-25 form.
_ASK_RESOLVE = "--ask" in sys.argv and sys.argv[sys.argv.index("--ask") + 1 : ][:1] == ["resolve"]
mcp.tool(name="ask")(ask_resolved if _ASK_RESOLVE else ask)


async def trivial(text: str) -> str:
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tools", type=int, default=0)
    parser.add_argument("--http", metavar="ADDR")
    parser.add_argument("--ask", choices=["session", "resolve"], default="session")
    args = parser.parse_args()
    for i in range(args.tools):
        mcp.add_tool(trivial, name=f"tool_{i}", description=f"Trivial tool number {i}: returns its text.")
    if args.http:
        host, port = args.http.rsplit(":", 1)
        mcp.run("streamable-http", host=host, port=int(port), streamable_http_path="/mcp")
    else:
        mcp.run()


if __name__ == "__main__":
    main()
