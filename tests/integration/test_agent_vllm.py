"""End to end against a real vLLM server: native Gemma 4 calls parsed by vLLM's gemma4 parser.

The tiny model is a random network: it cannot choose well, so the grammar decides the form
and the test checks the protocol (a native call, parsed by the server, validated and run by
us, its result sent back, a typed final answer under a JSON schema), not the model's wits.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from agents import Agent, ModelSettings, OpenAIChatModel, UsageLimits
from agents.events import ModelResponded, RunFinished, ToolCallDelta, ToolCallFinished
from agents.messages import ToolResultMessage

CALLS: list[str] = []


def get_weather(city: Literal["Paris", "Oslo"], unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    """Current weather in a city.

    Args:
        city: The city.
        unit: Temperature unit.
    """
    CALLS.append(city)
    return f"{city}: 21 degrees {unit}, sunny"


class Verdict(BaseModel):
    city: Literal["Paris", "Oslo"]
    warm: bool


def make_agent(url: str) -> Agent[Verdict]:
    model = OpenAIChatModel("tiny", base_url=url)
    return Agent(
        model,
        tools=[get_weather],
        instructions="Use the tools.",
        output_type=Verdict,
        tool_mode="grammar",
        tool_choice="required",
        settings=ModelSettings(temperature=0.0, max_tokens=48, seed=7),
        limits=UsageLimits(max_steps=6),
    )


async def test_native_call_parsed_by_vllm_then_typed_output(tiny_url: str) -> None:
    CALLS.clear()
    result = await make_agent(tiny_url).run("Is it warm in Paris?")
    first = next(e.response for e in result.events if isinstance(e, ModelResponded))
    # vLLM's gemma4 parser returned the native call as OpenAI tool_calls (not left in the text).
    assert first.tool_calls, f"no tool_calls from the server; text was {first.text!r}"
    assert "<|tool_call>" not in first.text
    assert first.tool_calls[0].name == "get_weather"
    finished = [e.result for e in result.events if isinstance(e, ToolCallFinished)]
    assert finished[0].status == "ok", finished[0].content
    assert CALLS and CALLS[0] in ("Paris", "Oslo")
    assert any(isinstance(m, ToolResultMessage) and "degrees" in m.content for m in result.messages)
    assert isinstance(result.output, Verdict)
    assert result.usage.requests >= 2 and result.usage.input_tokens > 0


async def test_same_run_streamed(tiny_url: str) -> None:
    CALLS.clear()
    stream = make_agent(tiny_url).run_stream("Is it warm in Oslo?")
    events = [e async for e in stream]
    assert any(isinstance(e, ToolCallDelta) and e.name == "get_weather" for e in events), (
        "no streamed call delta"
    )
    assert any(isinstance(e, ToolCallFinished) and e.result.status == "ok" for e in events)
    assert isinstance(events[-1], RunFinished)
    assert isinstance(stream.result.output, Verdict)
    assert CALLS


async def test_server_discovery_and_plain_text(tiny_url: str) -> None:
    model = await OpenAIChatModel.from_server(tiny_url)
    assert model.name == "tiny" and model.profile.family == "gemma4-local"
    result = await Agent(model, settings=ModelSettings(max_tokens=8, temperature=0.0)).run("hi")
    assert isinstance(result.output, str)
    assert result.usage.output_tokens == 8
