"""`PlanStream`: each step is handed out exactly when its JSON object closes, fed a character at a time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agents.plan import PlanError, PlanStream, Ref, steps_from

STEPS: list[dict[str, Any]] = [
    {"id": "s1", "tool": "search", "args": {"query": 'a "quoted" {brace} [bracket] \\ back}slash', "n": 2}},
    {
        "id": "s2",
        "tool": "lookup",
        "args": {"filter": {"where": [{"k": "}]", "v": [1, {"deep": {"$ref": "s1.0"}}]}]}, "empty": {}},
        "deps": ["s1"],
    },
    {"id": "s3", "goal": "explain {s1} and }s2{", "deps": ["s1", "s2"]},
]


def plan_text(separator: str) -> tuple[str, list[int]]:
    """The plan's text with `separator` around its punctuation, and where each step's closing brace is."""
    text, ends = "{" + separator + '"steps":' + separator + "[" + separator, []
    for i, step in enumerate(STEPS):
        text += ("," + separator if i else "") + json.dumps(step, indent=1 if separator else None)
        ends.append(len(text) - 1)
    return text + separator + "]" + separator + "}", ends


@pytest.mark.parametrize("separator", ["", " \n  "])
def test_each_step_comes_out_exactly_at_its_closing_brace(separator: str) -> None:
    text, expected = plan_text(separator)
    stream, seen = PlanStream(), []
    for i, char in enumerate(text):
        for step in stream.feed(char):
            seen.append((i, step.id))
    assert seen == [(at, s["id"]) for at, s in zip(expected, STEPS, strict=True)]
    plan = stream.close()
    assert [s.id for s in plan.steps] == ["s1", "s2", "s3"]
    assert plan.steps[0].args["query"] == STEPS[0]["args"]["query"]
    assert plan.steps[1].args["filter"]["where"][0]["v"][1]["deep"] == Ref.parse("s1.0")
    assert plan.steps[2].goal == "explain {s1} and }s2{"


def test_steps_handed_out_are_the_plans_steps() -> None:
    stream = PlanStream()
    out = stream.feed(json.dumps({"steps": STEPS}))
    assert [s.id for s in out] == ["s1", "s2", "s3"]
    assert stream.close().steps == out


def test_nothing_is_handed_out_before_a_step_closes() -> None:
    stream = PlanStream()
    text = json.dumps({"steps": STEPS[:1]})
    assert stream.feed(text[:-3]) == []  # everything but the step's brace and the closers
    assert [s.id for s in stream.feed(text[-3])] == ["s1"]
    assert stream.feed(text[-2:]) == []


def test_a_malformed_step_is_a_plan_error_naming_it() -> None:
    stream = PlanStream()
    with pytest.raises(PlanError, match="Step 1 of the plan is malformed"):
        stream.feed('{"steps": [{"id": "s1", "tool": "a", "goal": "b"}')


def test_close_on_a_cut_plan_says_so() -> None:
    stream = PlanStream()
    text = json.dumps({"steps": STEPS})
    stream.feed(text[: len(text) // 2])
    with pytest.raises(PlanError, match="not complete JSON"):
        stream.close()


def test_steps_from_an_async_text_stream() -> None:
    async def deltas() -> AsyncIterator[str]:
        text = json.dumps({"steps": STEPS, "revision": 2})
        for i in range(0, len(text), 7):
            yield text[i : i + 7]

    async def collect() -> list[str]:
        return [step.id async for step in steps_from(deltas())]

    assert asyncio.run(collect()) == ["s1", "s2", "s3"]
