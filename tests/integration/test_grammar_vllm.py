"""Grammar mode against the real vLLM server: every native call is valid by construction.

200 requests over the eight-tool toolbox (nested objects, enums, arrays, optional and bounded
arguments), with the random tiny Gemma 4: each must come back from vLLM's gemma4 parser as
`tool_calls` that our registry validates. Then the same streamed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from agents import tool_modes
from agents.messages import SystemMessage, UserMessage
from agents.models import ModelRequest, ModelResponse, ModelSettings, OpenAIChatModel
from agents.models.base import ToolCallDelta

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from examples.toolbox import toolbox

N = 200
CONCURRENCY = 8
PROMPTS = ["Order two mugs.", "Weather in Oslo?", "Set the office to 21 degrees.", "Turn on dark mode."]


def request(i: int, model: OpenAIChatModel, tool_choice: str = "required") -> ModelRequest:
    base = ModelRequest(
        messages=[SystemMessage(content="Use the tools."), UserMessage(content=PROMPTS[i % len(PROMPTS)])],
        # One call per response, so that no response is cut by max_tokens mid-call.
        settings=ModelSettings(temperature=1.0, seed=i, max_tokens=160, parallel_tool_calls=False),
    )
    return tool_modes.prepare(
        "grammar",
        base,
        specs=toolbox().specs(),
        tool_choice=tool_choice,
        profile=model.profile,
        parallel=False,
    )


def problems(i: int, response: ModelResponse) -> list[str]:
    if response.finish_reason == "length":  # vLLM returns a cut call's fragment as a whole call
        return [f"#{i}: cut by max_tokens: {response.tool_calls}"[:300]]
    if not response.tool_calls:
        return [f"#{i}: no tool_calls (finish {response.finish_reason}); text {response.text[:120]!r}"]
    found = []
    for call in response.tool_calls:
        try:
            toolbox().validate(call)
        except Exception as e:
            found.append(f"#{i}: {call.name} {call.arguments}: {e}")
    return found


async def run_all(fn: object) -> list[str]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def guarded(i: int) -> list[str]:
        async with gate:
            return await fn(i)  # type: ignore[operator,no-any-return]

    results = await asyncio.gather(*[guarded(i) for i in range(N)])
    return [p for r in results for p in r]


async def test_200_grammar_calls_all_parsed_and_valid(tiny_url: str) -> None:
    model = OpenAIChatModel("tiny", base_url=tiny_url)
    names: set[str] = set()

    async def one(i: int) -> list[str]:
        response = await model.request(request(i, model))
        names.update(c.name for c in response.tool_calls)
        return problems(i, response)

    found = await run_all(one)
    assert not found, f"{len(found)} of {N} invalid:\n" + "\n".join(found[:10])
    assert len(names) >= 4, f"calls spread over too few tools: {names}"


async def test_200_grammar_calls_streamed(tiny_url: str) -> None:
    model = OpenAIChatModel("tiny", base_url=tiny_url)

    async def one(i: int) -> list[str]:
        final: ModelResponse | None = None
        deltas = 0
        async for item in model.stream(request(i, model)):
            if isinstance(item, ToolCallDelta):
                deltas += 1
            elif isinstance(item, ModelResponse):
                final = item
        assert final is not None
        found = problems(i, final)
        if not deltas:
            found.append(f"#{i}: no streamed tool-call deltas")
        return found

    found = await run_all(one)
    assert not found, f"{len(found)} of {N} invalid:\n" + "\n".join(found[:10])


async def test_named_tool_and_auto(tiny_url: str) -> None:
    model = OpenAIChatModel("tiny", base_url=tiny_url)
    for i in range(4):
        response = await model.request(request(i, model, tool_choice="place_order"))
        assert [c.name for c in response.tool_calls] == ["place_order"], response
        assert not problems(i, response)
    # Under "auto" the model may answer in text; whatever calls it writes still validate.
    for i in range(4):
        response = await model.request(request(i, model, tool_choice="auto"))
        if not response.tool_calls:
            continue  # text (possibly cut by max_tokens) is a fair answer under "auto"
        assert not problems(i, response)
