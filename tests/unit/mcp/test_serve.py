"""`agents mcp serve module:toolset`, spoken to by the SDK's own client over stdio and HTTP, and by
our `MCPToolset` (an agent calling our tools through MCP)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import mcp
import pytest

from agents import Agent
from agents.mcp import MCPToolset
from agents.testing import ScriptedModel, call
from tests.unit.mcp.servers import HERE, ROOT, free_port, start_http, stop

SPEC = f"{HERE / 'served_tools.py'}:TOOLS"
SERVE = ["-m", "agents.cli", "mcp", "serve", SPEC, "--name", "ours"]


def stdio_params() -> mcp.StdioServerParameters:
    # From the checkout's root, so that `python -m agents.cli` runs this tree's code.
    return mcp.StdioServerParameters(command=sys.executable, args=SERVE, cwd=str(ROOT))


@pytest.fixture(scope="module")
def served_http() -> Iterator[str]:
    port = free_port()
    proc = start_http([sys.executable, *SERVE, "--http", "--port", str(port)], port)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(proc)


async def test_round_trip_with_the_sdk_client_over_stdio() -> None:
    async with mcp.Client(stdio_params()) as client:
        assert client.server_info is not None and client.server_info.name == "ours"
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert list(tools) == ["add", "forecast", "boom", "delete_everything"]
        add = tools["add"]
        assert add.description == "Add two integers."
        assert add.input_schema["properties"]["a"] == {"type": "integer", "description": "The first."}
        assert add.annotations is not None and add.annotations.read_only_hint
        forecast = tools["forecast"].input_schema
        assert forecast["properties"]["city"]["enum"] == ["Paris", "Oslo"] and forecast["required"] == [
            "city"
        ]
        assert tools["boom"].annotations.destructive_hint  # type: ignore[union-attr]

        ok = await client.call_tool("add", {"a": 2, "b": 40})
        assert not ok.is_error and ok.content[0].text == "42"  # type: ignore[union-attr]
        typed = await client.call_tool("forecast", {"city": "Oslo", "days": "2"})  # lax coercion
        assert not typed.is_error
        assert typed.structured_content == {"city": "Oslo", "days": 2, "summary": "sunny"}

        invalid = await client.call_tool("forecast", {"city": "Rome"})
        assert invalid.is_error and "Invalid arguments for tool `forecast`" in invalid.content[0].text  # type: ignore[union-attr]
        raised = await client.call_tool("boom", {})
        assert raised.is_error
        assert raised.content[0].text == "Tool boom failed: RuntimeError: the boiler exploded"  # type: ignore[union-attr]
        refused = await client.call_tool("delete_everything", {})
        assert refused.is_error and "was not approved" in refused.content[0].text  # type: ignore[union-attr]
        unknown = await client.call_tool("nope", {})
        assert unknown.is_error and "Unknown tool" in unknown.content[0].text  # type: ignore[union-attr]


async def test_round_trip_with_the_sdk_client_over_http(served_http: str) -> None:
    async with mcp.Client(served_http) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["add", "forecast", "boom", "delete_everything"]
        result = await client.call_tool("add", {"a": 1, "b": 2})
        assert not result.is_error and result.content[0].text == "3"  # type: ignore[union-attr]


async def test_an_agent_calls_our_served_tools_through_mcp() -> None:
    served = MCPToolset.stdio(sys.executable, *SERVE, cwd=ROOT, name="ours")
    agent = Agent(ScriptedModel([call("forecast", city="Paris"), "Sunny in Paris."]), tools=[served])
    result = await agent.run("Weather in Paris?")
    [finished] = result.tool_results()
    assert finished.status == "ok" and finished.content == '{"city":"Paris","days":1,"summary":"sunny"}'
    assert result.output == "Sunny in Paris." and not served.connected


def test_serve_names_a_bad_toolset_spec(capsys: pytest.CaptureFixture[str]) -> None:
    from agents import cli

    assert cli.main(["mcp", "serve", "no_such_module_here:TOOLS"]) == 1
    assert "no_such_module_here" in capsys.readouterr().err
