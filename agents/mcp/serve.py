"""A gemma-agents toolset served to any MCP client: `agents mcp serve module:toolset`.

Each tool is listed with the schema the model would see (from type hints and docstrings) and its
effect as annotations. A call runs through `Toolset.run_calls`, so validation (with lax
coercion), timeouts, the approver, the result cap and the tool's own errors work as in a run:
an invalid call, a tool's exception, a timeout or a refusal is an error result (`isError`) whose
text says what went wrong. Each MCP call is a run of one call of its own: tools that take a
`RunContext` get `deps=None`, and retry budgets start afresh. A value that is a JSON object is
also sent as structured content.

Served over stdio (the default) or streamable HTTP (`--http`, at `/mcp`). The `mcp` package is
imported only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import TYPE_CHECKING, Any

from agents.errors import AgentsError
from agents.mcp._results import MCPResult
from tools import RunContext, Tool, ToolCall, Toolset
from tools._types import ToolOutput

if TYPE_CHECKING:
    import mcp_types
    from mcp.server.context import ServerRequestContext
    from mcp.server.lowlevel import Server


def mcp_server(toolset: Toolset, name: str = "gemma-agents") -> Server[Any]:
    """An MCP server (the SDK's low-level `Server`) whose tools are `toolset`'s."""
    import mcp_types
    from mcp.server.lowlevel import Server

    async def list_tools(
        ctx: ServerRequestContext[Any], params: mcp_types.PaginatedRequestParams | None
    ) -> mcp_types.ListToolsResult:
        return mcp_types.ListToolsResult(tools=[_declare(t) for t in toolset])

    async def call_tool(
        ctx: ServerRequestContext[Any], params: mcp_types.CallToolRequestParams
    ) -> mcp_types.CallToolResult:
        return await call(toolset, params.name, params.arguments or {})

    def input_schema(tool_name: str) -> dict[str, Any] | None:
        found = toolset.get(tool_name)
        return found.parameters if found is not None else None

    return Server(
        name,
        version="0.1.0",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=input_schema,
    )


async def call(toolset: Toolset, name: str, arguments: dict[str, Any]) -> mcp_types.CallToolResult:
    """One MCP call run through the toolset, as a `CallToolResult`."""
    import mcp_types

    run_id = uuid.uuid4().hex
    ctx: RunContext[Any] = RunContext(deps=None, run_id=run_id, step=1, messages=[], retries={})
    try:
        [result] = await toolset.run_calls(
            [ToolCall(id=f"mcp-{run_id[:12]}", name=name, arguments=arguments)], ctx
        )
    except AgentsError as e:  # a retry budget of 0, no approver to ask, ToolFatalError: the call failed
        return _error(f"{type(e).__name__}: {e}")
    if result.status != "ok":
        return _error(result.content)
    structured = _structured(result.value)
    return mcp_types.CallToolResult(
        content=[mcp_types.TextContent(type="text", text=result.content)], structured_content=structured
    )


async def serve_stdio(toolset: Toolset, name: str = "gemma-agents") -> None:
    """Serve `toolset` on this process's stdin and stdout until the client closes them."""
    from mcp.server.stdio import stdio_server

    server = mcp_server(toolset, name)
    async with toolset.running(), stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def serve_http(
    toolset: Toolset,
    name: str = "gemma-agents",
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    path: str = "/mcp",
) -> None:
    """Serve `toolset` over streamable HTTP at `http://host:port/path` until interrupted."""
    import uvicorn

    server = mcp_server(toolset, name)
    app = server.streamable_http_app(streamable_http_path=path, host=host)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    async with toolset.running():
        await uvicorn.Server(config).serve()


def _declare(t: Tool) -> mcp_types.Tool:
    import mcp_types

    hints = mcp_types.ToolAnnotations(
        read_only_hint=t.effect == "read_only",
        idempotent_hint=t.effect in ("read_only", "idempotent"),
        destructive_hint=t.effect == "unsafe",
    )
    return mcp_types.Tool(
        name=t.name, description=t.description, input_schema=t.parameters, annotations=hints
    )


def _error(text: str) -> mcp_types.CallToolResult:
    import mcp_types

    return mcp_types.CallToolResult(content=[mcp_types.TextContent(type="text", text=text)], is_error=True)


def _structured(value: Any) -> dict[str, Any] | None:
    """The value as a JSON object, when it is one (a dict, a pydantic model, a dataclass)."""
    if isinstance(value, MCPResult):  # a tool of an MCP server we include: passed on as it came
        return value.structured
    if isinstance(value, str | bytes | ToolOutput) or value is None:
        return None
    import pydantic_core

    try:
        data = json.loads(pydantic_core.to_json(value, fallback=str))
    except (ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def run(coro: Any) -> None:
    """Run a serve coroutine to its end; Ctrl-C ends it quietly."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(coro)
