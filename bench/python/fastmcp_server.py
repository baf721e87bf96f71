"""The benchmark server written with FastMCP 3.4.x, idiomatically: `@mcp.tool` async functions and
`ctx.sample`. Same tools and command line as examples/bench_server.rs:

- `echo(text)` returns the text;
- `ask(question)` samples the client's model once and returns the answer's text;
- `--tools N` registers N extra trivial tools (`tool_0` .. `tool_{N-1}`);
- stdio by default, `--http ADDR` serves streamable HTTP at /mcp.
"""

from __future__ import annotations

import argparse
import warnings

from fastmcp import Context, FastMCP
from fastmcp.tools import Tool

# Sampling is deprecated by the 2026-07-28 revision; this server speaks 2025-11-25.
warnings.filterwarnings("ignore", message=".*sampling capability is deprecated")

mcp = FastMCP("bench-fastmcp", version="0.1.0")


@mcp.tool
async def echo(text: str) -> str:
    """Echo the text back."""
    return text


@mcp.tool
async def ask(question: str, ctx: Context) -> str:
    """Ask the client's model a question (one sampling round trip) and return its answer."""
    result = await ctx.sample(question, max_tokens=64)
    return result.text or ""


async def trivial(text: str) -> str:
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tools", type=int, default=0)
    parser.add_argument("--http", metavar="ADDR")
    args = parser.parse_args()
    for i in range(args.tools):
        mcp.add_tool(
            Tool.from_function(trivial, name=f"tool_{i}", description=f"Trivial tool number {i}: returns its text.")
        )
    # No banner, WARNING logs: like the Rust servers' defaults (INFO logs a line per HTTP request).
    if args.http:
        host, port = args.http.rsplit(":", 1)
        mcp.run("http", host=host, port=int(port), path="/mcp", show_banner=False, log_level="WARNING")
    else:
        mcp.run("stdio", show_banner=False, log_level="WARNING")


if __name__ == "__main__":
    main()
