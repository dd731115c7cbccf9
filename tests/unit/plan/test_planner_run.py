"""An agent with a Planner: plan, execute while the plan streams, replan on failure, answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agents import Agent
from agents.errors import ConfigError
from agents.events import ModelResponded, PlanStepFinished, PlanStepStarted
from agents.messages import UserMessage
from agents.models.base import ModelRequest, ModelResponse, StreamItem, TextDelta, Usage
from agents.models.profiles import GENERIC, ModelProfile
from agents.plan import Planner
from agents.testing import FunctionModel
from tools import tool

calls: list[tuple[str, Any]] = []


@tool(effect="read_only")
def city_of(person: str) -> dict[str, str]:
    """Where a person lives."""
    calls.append(("city_of", person))
    return {"city": {"ann": "Oslo", "bo": "Lima"}[person]}


@tool(effect="read_only")
def weather(city: str) -> str:
    """The weather in a city."""
    calls.append(("weather", city))
    if city == "Atlantis":
        raise ValueError("no such city")
    return {"Oslo": "snow", "Lima": "sun"}[city]


def plan(*steps: dict[str, Any]) -> str:
    return json.dumps({"steps": list(steps)})


PLAN = plan(
    {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
    {"id": "s2", "tool": "city_of", "args": {"person": "bo"}},
    {"id": "s3", "tool": "weather", "args": {"city": {"$ref": "s1.city"}}},
    {"id": "s4", "tool": "weather", "args": {"city": {"$ref": "s2.city"}}},
)


def scripted(*texts: str) -> FunctionModel:
    answers = iter(texts)

    def respond(request: ModelRequest) -> ModelResponse:
        text = next(answers)
        is_plan = request.output_schema is not None and request.output_schema.name == "plan"
        assert is_plan == text.startswith('{"steps"'), "a plan is asked for under the plan schema"
        return ModelResponse(text=text)

    return FunctionModel(respond, stream_chunk=5)


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    calls.clear()


async def test_a_plan_runs_its_steps_with_references_resolved_then_answers() -> None:
    model = scripted(PLAN, "Ann has snow in Oslo, Bo has sun in Lima.")
    agent = Agent(model, tools=[city_of, weather], planner=Planner())
    result = await agent.run("What is the weather where Ann and Bo live?")
    assert result.output == "Ann has snow in Oslo, Bo has sun in Lima."
    assert sorted(calls) == [("city_of", "ann"), ("city_of", "bo"), ("weather", "Lima"), ("weather", "Oslo")]
    assert result.usage.requests == 2 and result.usage.tool_calls == 4
    finished = [e.step for e in result.events if isinstance(e, PlanStepFinished)]
    assert {s.id: s.status for s in finished} == {"s1": "done", "s2": "done", "s3": "done", "s4": "done"}
    report = result.messages[-2]
    assert isinstance(report, UserMessage) and '- s3 weather: "snow"' in report.text
    assert "Plan before you act" in str(model.requests[0].messages[0])  # the planner's instructions


async def test_a_failed_step_leads_to_one_revised_plan_within_the_cap() -> None:
    bad = plan({"id": "s1", "tool": "weather", "args": {"city": "Atlantis"}})
    good = plan({"id": "s1", "tool": "weather", "args": {"city": "Oslo"}})
    agent = Agent(
        scripted(bad, good, "Snow in Oslo."), tools=[city_of, weather], planner=Planner(max_replans=1)
    )
    result = await agent.run("Weather in Atlantis, else Oslo?")
    assert result.output == "Snow in Oslo." and calls == [("weather", "Atlantis"), ("weather", "Oslo")]
    reports = [
        m.text for m in result.messages if isinstance(m, UserMessage) and m.text.startswith("The plan ran")
    ]
    assert "write a revised plan" in reports[0] and "Now answer" in reports[1]
    # No replans left: the run answers from what it has.
    calls.clear()
    capped = Agent(scripted(bad, "No weather."), tools=[weather], planner=Planner(max_replans=0))
    assert (await capped.run("Weather in Atlantis?")).output == "No weather." and len(calls) == 1


class Report(BaseModel):
    oslo: str


async def test_the_answer_comes_under_the_output_type() -> None:
    step = plan({"id": "s1", "tool": "weather", "args": {"city": "Oslo"}})
    agent = Agent(scripted(step, '{"oslo": "snow"}'), tools=[weather], planner=Planner(), output_type=Report)
    assert (await agent.run("Oslo?")).output == Report(oslo="snow")


class _HeldPlan:
    """Streams the first step of a plan, then waits until that step has started to send the rest."""

    def __init__(self, first_started: asyncio.Event) -> None:
        self.first_started = first_started
        self.requests = 0

    @property
    def name(self) -> str:
        return "held"

    @property
    def profile(self) -> ModelProfile:
        return GENERIC

    async def request(self, request: ModelRequest) -> ModelResponse:
        raise AssertionError("a planner run streams its requests")

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        self.requests += 1
        if self.requests > 1:
            yield ModelResponse(text="done", usage=Usage(1, 1))
            return
        cut = PLAN.index('{"id": "s2"') + 5  # s2 has begun, so s1 is known complete
        head, tail = PLAN[:cut], PLAN[cut:]
        yield TextDelta(head)
        await asyncio.wait_for(self.first_started.wait(), timeout=10)  # deadlocks if steps wait for the end
        yield TextDelta(tail)
        yield ModelResponse(text=PLAN, usage=Usage(10, 10))


async def test_steps_start_while_the_plan_is_still_streaming() -> None:
    first_started = asyncio.Event()
    model = _HeldPlan(first_started)
    agent = Agent(model, tools=[city_of, weather], planner=Planner())
    events = []
    async with agent.run_stream("weather for ann and bo") as stream:
        async for event in stream:
            if isinstance(event, PlanStepStarted) and event.step.id == "s1":
                first_started.set()
            events.append(event)
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("PlanStepStarted") < kinds.index("ModelResponded")  # s1 ran mid-stream
    assert sum(isinstance(e, ModelResponded) for e in events) == 2 and stream.result.output == "done"


def test_a_planner_is_not_durable_yet(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not durable yet"):
        Agent(scripted(), tools=[weather], planner=Planner(), store=tmp_path / "s.db")
    with pytest.raises(ConfigError, match="max_steps"):
        Planner(max_steps=0)
