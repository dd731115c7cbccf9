"""Plan text streamed through `steps_from` into `execute`: the first call runs while the rest is decoded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from agents.plan import PlanEvent, PlanStepStarted, execute, steps_from
from tools import RunContext, Toolset

STEPS = [
    {"id": "s1", "tool": "lookup", "args": {"city": "Paris"}},
    {"id": "s2", "tool": "lookup", "args": {"city": "Oslo"}},
    {"id": "s3", "tool": "compare", "args": {"a": {"$ref": "s1.temp"}, "b": {"$ref": "s2.result.temp"}}},
]


def lookup(city: str) -> dict[str, object]:
    """Weather of a city."""
    return {"city": city, "temp": len(city)}


def compare(a: int, b: int) -> str:
    """Compare two temperatures."""
    return "warmer" if a > b else "colder"


def test_steps_run_while_the_plan_text_is_still_streaming() -> None:
    text = json.dumps({"steps": STEPS})
    first_end = text.index(json.dumps(STEPS[0])) + len(json.dumps(STEPS[0]))
    s1_started = asyncio.Event()
    sent: list[int] = []
    started_after: dict[str, int] = {}

    async def deltas() -> AsyncIterator[str]:
        for i in range(0, first_end, 5):  # the first step's text, a few characters at a time
            sent.append(min(i + 5, first_end))
            yield text[i : min(i + 5, first_end)]
        await asyncio.wait_for(s1_started.wait(), 2.0)  # a planner still decoding
        for i in range(first_end, len(text), 3):
            sent.append(min(i + 3, len(text)))
            yield text[i : i + 3]

    def on_event(event: PlanEvent) -> None:
        if isinstance(event, PlanStepStarted):
            started_after[event.step.id] = sent[-1]
            if event.step.id == "s1":
                s1_started.set()

    result = asyncio.run(
        execute(steps_from(deltas()), Toolset([lookup, compare]), RunContext(deps=None), on_event=on_event)
    )
    assert result.results == {
        "s1": {"city": "Paris", "temp": 5},
        "s2": {"city": "Oslo", "temp": 4},
        "s3": "warmer",
    }
    assert started_after["s1"] == first_end  # at once: not a character of s2 had been sent
    assert started_after["s2"] < len(text)
