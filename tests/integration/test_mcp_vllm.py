"""An agent on the real vLLM server, in grammar mode, calls a tool of a real MCP server.

The demo MCP server (the SDK's own server API, tests/unit/mcp/demo_server.py) runs as a
subprocess over stdio. Its tool's JSON schema compiles into the Gemma 4 grammar; vLLM's gemma4
parser returns the native call as `tool_calls`; the registry validates it and the MCP server runs
it. The tiny model is random: the test checks the protocol, not the model's choices.
"""

from __future__ import annotations

import sys

from pydantic import BaseModel

from agents import Agent, ModelSettings, OpenAIChatModel, UsageLimits
from agents.errors import UsageLimitExceeded, trace_of
from agents.events import Event, ModelResponded, ToolCallFinished
from agents.mcp import MCPResult, MCPToolset
from tests.unit.mcp.servers import DEMO


class Done(BaseModel):
    done: bool


async def test_agent_on_vllm_calls_an_mcp_tool_in_grammar_mode(tiny_url: str) -> None:
    # One tool with a string argument: the local profile bounds strings, so no call is cut off.
    server = MCPToolset.stdio(sys.executable, str(DEMO), name="demo", only=["weather"])
    agent = Agent(
        OpenAIChatModel("tiny", base_url=tiny_url),
        tools=[server],
        instructions="Use the tools.",
        output_type=Done,
        tool_mode="grammar",
        tool_choice="required",
        settings=ModelSettings(temperature=0.0, max_tokens=96, seed=7),
        limits=UsageLimits(max_steps=4),
    )
    events: list[Event]
    try:
        events = (await agent.run("Weather in Oslo?")).events
    except UsageLimitExceeded as e:  # a random model may go on calling; the first call is what counts
        trace = trace_of(e)
        events = trace.events if trace is not None else []
    first = next(e.response for e in events if isinstance(e, ModelResponded))
    assert first.tool_calls, f"no tool_calls from the server; text was {first.text!r}"
    assert first.tool_calls[0].name == "weather"
    finished = next(e.result for e in events if isinstance(e, ToolCallFinished))
    assert finished.status == "ok", finished.content
    assert isinstance(finished.value, MCPResult)  # it came back from the MCP server
    assert finished.value.structured == {"city": (finished.arguments or {})["city"], "celsius": 21.5}
    assert not server.connected
