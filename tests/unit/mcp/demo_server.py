"""A small MCP server written with the SDK's own server API, run by the tests as a subprocess.

python demo_server.py                 stdio
python demo_server.py http PORT       streamable HTTP at http://127.0.0.1:PORT/mcp
python demo_server.py bad-schema      stdio, one tool whose input schema is not a JSON schema
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any, Literal

import mcp_types
from mcp.server.lowlevel import Server
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.utilities.types import Image
from mcp.server.stdio import stdio_server
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))

server = MCPServer("demo")


class Weather(BaseModel):
    city: str
    celsius: float


class Order(BaseModel):
    item: Literal["mug", "plate", "spoon"]
    quantity: int


@server.tool(annotations=mcp_types.ToolAnnotations(read_only_hint=True))
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool(annotations=mcp_types.ToolAnnotations(idempotent_hint=True))
def weather(city: str) -> Weather:
    """The weather in a city."""
    return Weather(city=city, celsius=21.5)


@server.tool()
def place_order(order: Order, note: str | None = None) -> str:
    """Place an order (a nested object, an enum and an optional argument)."""
    return f"ordered {order.quantity} {order.item}" + (f" ({note})" if note else "")


@server.tool()
def picture() -> Image:
    """A tiny picture."""
    return Image(data=PNG, format="png")


@server.tool()
def shout(text: str, times: int) -> str:
    """The text, repeated."""
    return text.upper() * times


@server.tool()
def fail(message: str) -> str:
    """Always fails, with this message."""
    raise ValueError(message)


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer."""
    await asyncio.sleep(seconds)
    return "slept"


@server.tool()
def die() -> str:
    """End the server's process at once, as a crash would."""
    os._exit(3)


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
async def grow(ctx: Context) -> str:
    """Add a tool named `extra`, and say that the tool list changed."""

    def extra(x: str) -> str:
        """Echo x twice."""
        return x * 2

    server.add_tool(extra)
    request = ctx.request_context
    if request.protocol_version in MODERN_PROTOCOL_VERSIONS:
        await ctx.notify_tools_changed()  # to `subscriptions/listen` streams
    else:
        await request.session.send_tool_list_changed()  # the notification of the handshake era
    return "grown"


def bad_schema_server() -> Server[Any]:
    async def list_tools(ctx: Any, params: Any) -> mcp_types.ListToolsResult:
        broken = {"type": "object", "properties": {"n": {"type": "integer", "minimum": "zero"}}}
        return mcp_types.ListToolsResult(tools=[mcp_types.Tool(name="broken", input_schema=broken)])

    return Server("bad", on_list_tools=list_tools)


async def serve_bad() -> None:
    low = bad_schema_server()
    async with stdio_server() as (read, write):
        await low.run(read, write, low.create_initialization_options())


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "http":
        server.run("streamable-http", port=int(sys.argv[2]))
    elif mode == "bad-schema":
        asyncio.run(serve_bad())
    else:
        server.run()
