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

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import SamplingMessage, TextContent

# Sampling is deprecated by the 2026-07-28 revision; this server speaks 2025-11-25.
warnings.filterwarnings("ignore", message=".*sampling capability is deprecated")

# WARNING, like the Rust servers' default (INFO logs a line per HTTP request).
mcp = MCPServer("bench-python-mcp", version="0.1.0", log_level="WARNING")


@mcp.tool()
async def echo(text: str) -> str:
    """Echo the text back."""
    return text


@mcp.tool()
async def ask(question: str, ctx: Context) -> str:
    """Ask the client's model a question (one sampling round trip) and return its answer."""
    result = await ctx.session.create_message(
        messages=[SamplingMessage(role="user", content=TextContent(type="text", text=question))],
        max_tokens=64,
    )
    content = result.content
    return content.text if isinstance(content, TextContent) else ""


async def trivial(text: str) -> str:
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tools", type=int, default=0)
    parser.add_argument("--http", metavar="ADDR")
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
