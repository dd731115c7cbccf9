"""Issue 8, general property: whatever the model writes, `Agent.run` finishes or raises an
`AgentsError` carrying the trace, in every tool mode, streamed or not. Nothing else escapes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from agents import Agent
from agents.errors import AgentsError, trace_of
from agents.gemma4 import RenderError, render_call
from agents.models import GEMMA4, GENERIC
from agents.models.base import ModelResponse
from agents.models.profiles import ModelProfile, ToolMode
from agents.testing import ScriptedModel
from tools import ToolCall


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


class Place(BaseModel):
    city: str
    tags: list[str] = []


def book(place: Place, nights: int = 1) -> str:
    """Book a stay.

    Args:
        place: Where.
        nights: How long.
    """
    return f"{place.city} for {nights}"


def note(anything: Any) -> str:
    """Keep a note of anything.

    Args:
        anything: What to keep.
    """
    return "kept"


TOOLS = [add, book, note]
NAMES = st.sampled_from(["add", "book", "note", "nope", "", "add{", "<|tool_call>"]) | st.text(max_size=8)
MARKERS = [
    "<|tool_call>",
    "<tool_call|>",
    "call:",
    '<|"|>',
    "<|channel>",
    "<channel|>",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
)
objects = st.dictionaries(
    st.sampled_from(["a", "b", "place", "nights", "anything", "x"]), json_values, max_size=4
)
depths = st.integers(1, 100_000)


@st.composite
def deep_json(draw: st.DrawFn) -> str:
    """Brackets or objects nested to any depth, maybe unbalanced."""
    n = draw(depths)
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ("[{", "}]")]))
    return opener * n + draw(st.sampled_from(["1", "", '"x"'])) + closer * draw(st.integers(0, n))


big_integers = st.integers(4000, 6000).map(lambda n: "7" * n)
json_texts = json_values.map(json.dumps) | deep_json() | big_integers | st.text(max_size=30)


@st.composite
def envelopes(draw: st.DrawFn) -> str:
    """json-mode replies: calls or answers, right or wrong in every part."""
    call = st.fixed_dictionaries({"name": NAMES, "arguments": objects | json_values})
    shape = draw(
        st.sampled_from(["calls", "answer", "other"]),
    )
    if shape == "calls":
        return json.dumps({"tool_calls": draw(st.lists(call | json_values, max_size=3))})
    if shape == "answer":
        return json.dumps({"answer": draw(json_values | objects)})
    text: str = draw(json_texts)
    return text


@st.composite
def native_calls(draw: st.DrawFn) -> str:
    """Gemma 4 call text, well formed or broken in any place."""
    name = draw(st.sampled_from(["add", "book", "note", "nope"]))
    try:
        text = render_call(name, draw(objects))
    except RenderError:  # a string holding the delimiter: not writable, so not what a model writes
        text = render_call(name, {})
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from([*MARKERS, "7" * 4400, "[" * 200]) | st.text(max_size=3))
        text = text[:at] + piece + text[at + draw(st.integers(0, 2)) :]
    before: str = draw(st.text(max_size=10))
    return before + text


server_calls = st.builds(
    ToolCall,
    id=st.just("c1"),
    name=NAMES,
    arguments=objects | json_texts | envelopes(),
)
responses = st.builds(
    ModelResponse,
    text=st.text(max_size=40) | native_calls() | envelopes() | json_texts,
    tool_calls=st.lists(server_calls, max_size=3),
    finish_reason=st.sampled_from(["stop", "length", "tool_calls", None]),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(
    script=st.lists(responses, min_size=1, max_size=5),
    # Every mode, on each profile that can serve it (a grammar needs the profile's call format).
    setup=st.sampled_from(
        [("server", GEMMA4), ("server", GENERIC), ("grammar", GEMMA4), ("json", GEMMA4), ("json", GENERIC)]
    ),
    typed=st.booleans(),
    stream=st.booleans(),
)
def test_any_model_output_ends_in_a_result_or_an_agents_error_with_trace(
    script: list[ModelResponse], setup: tuple[ToolMode, ModelProfile], typed: bool, stream: bool
) -> None:
    mode, profile = setup
    model = ScriptedModel(script, profile=profile)
    agent: Agent[Any] = Agent(model, tools=TOOLS, tool_mode=mode, output_type=Place if typed else None)

    async def run() -> None:
        if stream:
            async for _ in agent.run_stream("go"):
                pass
        else:
            await agent.run("go")

    failed: AgentsError | None = None
    try:
        asyncio.run(run())
    except AgentsError as e:  # anything else fails the test
        failed = e
    assert failed is None or trace_of(failed) is not None, f"{failed!r} without a trace"
