"""An agent with a Planner: plan, execute while the plan streams, replan on failure, answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import BaseModel

from agents import Agent
from agents.errors import ConfigError
from agents.events import (
    ModelResponded,
    OutputRetry,
    PlanRevised,
    PlanStepFinished,
    PlanStepStarted,
    ResponseCut,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.messages import UserMessage
from agents.models.base import ModelRequest, ModelResponse, StreamItem, TextDelta, Usage
from agents.models.profiles import GENERIC, ModelProfile
from agents.plan import Planner, Step
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


def finish(answer: Any) -> str:
    return json.dumps({"finish": answer})


def scripted(*texts: str) -> FunctionModel:
    """Answers in order, checking that each is asked for under the right schema: the first plan
    under the plan schema, a revised plan or a finish under the joiner's."""
    answers = iter(texts)

    def respond(request: ModelRequest) -> ModelResponse:
        text = next(answers)
        asked = request.output_schema.name if request.output_schema is not None else None
        if text.startswith('{"steps"'):
            assert asked in ("plan", "join"), (asked, text)
        elif text.startswith('{"finish"'):
            assert asked == "join", (asked, text)
        else:  # the answer alone: free, or under the output type's own schema
            assert asked not in ("plan", "join"), (asked, text)
        return ModelResponse(text=text)

    return FunctionModel(respond, stream_chunk=5)


def _about(event: object) -> str | None:
    """The step or call an event is about."""
    if isinstance(event, ToolCallStarted):
        return event.call.id
    if isinstance(event, ToolCallFinished):
        return event.result.call_id
    step = getattr(event, "step", None)
    return step.id if isinstance(step, Step) else None


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    calls.clear()


async def test_a_plan_runs_its_steps_with_references_resolved_then_answers() -> None:
    model = scripted(PLAN, finish("Ann has snow in Oslo, Bo has sun in Lima."))
    agent = Agent(model, tools=[city_of, weather], planner=Planner())
    result = await agent.run("What is the weather where Ann and Bo live?")
    assert result.output == "Ann has snow in Oslo, Bo has sun in Lima."
    assert sorted(calls) == [("city_of", "ann"), ("city_of", "bo"), ("weather", "Lima"), ("weather", "Oslo")]
    assert result.usage.requests == 2 and result.usage.tool_calls == 4
    finished = [e.step for e in result.events if isinstance(e, PlanStepFinished)]
    assert {s.id: s.status for s in finished} == {"s1": "done", "s2": "done", "s3": "done", "s4": "done"}
    # Each step's call is reported as the loop reports calls, inside the step's start and end.
    s3 = [type(e).__name__ for e in result.events if _about(e) == "s3"]
    assert s3 == [
        "PlanStepPlanned",
        "PlanStepStarted",
        "ToolCallStarted",
        "ToolCallFinished",
        "PlanStepFinished",
    ]
    kinds = [type(e).__name__ for e in result.events]
    assert len(result.tool_results()) == 4 and kinds[1:3] == ["StepStarted", "PlanStarted"]
    assert result.messages[-1].text == "Ann has snow in Oslo, Bo has sun in Lima."  # the answer, not the JSON
    report = result.messages[-2]
    assert isinstance(report, UserMessage) and '- s3 weather: "snow"' in report.text
    assert "Plan before you act" in str(model.requests[0].messages[0])  # the planner's instructions


async def test_a_failed_step_leads_to_one_revised_plan_that_keeps_what_is_done() -> None:
    bad = plan(
        {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
        {"id": "s2", "tool": "weather", "args": {"city": "Atlantis"}},
    )
    good = plan({"id": "s3", "tool": "weather", "args": {"city": {"$ref": "s1.city"}}})
    agent = Agent(
        scripted(bad, good, "Snow in Oslo."), tools=[city_of, weather], planner=Planner(max_replans=1)
    )
    result = await agent.run("Weather where Ann lives (or Atlantis)?")
    assert result.output == "Snow in Oslo."
    # s1 and s2 ran side by side, in either order; s1 was not run again for the revised plan.
    assert sorted(calls[:2]) == [("city_of", "ann"), ("weather", "Atlantis")]
    assert calls[2:] == [("weather", "Oslo")]
    reports = [
        m.text for m in result.messages if isinstance(m, UserMessage) and m.text.startswith("The plan ran")
    ]
    assert "write a revised plan for what is left (new ids from s3" in reports[0]
    assert "Now answer the task from these results." in reports[1] and "s1" not in reports[1]  # its own steps
    revised = [e for e in result.events if isinstance(e, PlanRevised)]
    assert [(e.revision, e.reason) for e in revised] == [(1, "steps s2 did not finish")]
    assert result.usage.requests == 3


async def test_with_no_revisions_left_the_run_answers_from_what_it_has() -> None:
    bad = plan({"id": "s1", "tool": "weather", "args": {"city": "Atlantis"}})
    capped = Agent(scripted(bad, "No weather."), tools=[weather], planner=Planner(max_replans=0))
    result = await capped.run("Weather in Atlantis?")
    assert result.output == "No weather." and len(calls) == 1
    assert "Now answer the task" in result.messages[-2].text


async def test_the_joiner_may_write_a_revised_plan_instead_of_answering() -> None:
    first = plan({"id": "s1", "tool": "city_of", "args": {"person": "ann"}})
    second = plan({"id": "s2", "tool": "weather", "args": {"city": {"$ref": "s1.city"}}})
    agent = Agent(scripted(first, second, "Snow."), tools=[city_of, weather], planner=Planner(max_replans=1))
    result = await agent.run("Weather where Ann lives?")
    assert result.output == "Snow." and calls == [("city_of", "ann"), ("weather", "Oslo")]
    assert [e.reason for e in result.events if isinstance(e, PlanRevised)] == ["the joiner revised the plan"]
    # A revision costs no request of its own: plan, joiner (the revision), the answer.
    assert result.usage.requests == 3
    # The revision used up, the last request asks for the answer alone.
    assert agent.model.requests[-1].output_schema is None  # type: ignore[attr-defined]


class Report(BaseModel):
    oslo: str


async def test_the_answer_comes_under_the_output_type() -> None:
    step = plan({"id": "s1", "tool": "weather", "args": {"city": "Oslo"}})
    agent = Agent(
        scripted(step, finish({"oslo": "snow"})), tools=[weather], planner=Planner(), output_type=Report
    )
    assert (await agent.run("Oslo?")).output == Report(oslo="snow")
    schema = agent.model.requests[1].output_schema  # type: ignore[attr-defined]
    assert schema.name == "join" and schema.schema["anyOf"][0]["properties"]["finish"]["properties"]["oslo"]
    # An answer that does not validate is asked for again, with the reason.
    retried = Agent(
        scripted(step, finish({"oslo": 3}), '{"oslo": "snow"}'),
        tools=[weather],
        planner=Planner(),
        output_type=Report,
    )
    result = await retried.run("Oslo?")
    assert result.output == Report(oslo="snow") and any(isinstance(e, OutputRetry) for e in result.events)


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
            yield TextDelta('{"finish": "done"}')
            yield ModelResponse(text='{"finish": "done"}', usage=Usage(1, 1))
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


def test_bad_planner_configuration_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="max_steps"):
        Planner(max_steps=0)
    with pytest.raises(ConfigError, match="max_goal_tool_calls"):
        Planner(max_goal_tool_calls=0)

    @tool(requires_approval=True)
    def wire(amount: int) -> str:
        """Send money."""
        return "sent"

    with pytest.raises(ConfigError, match="cannot stop to wait for a decision"):
        Agent(scripted(), tools=[wire], planner=Planner(), store=":memory:")


async def test_a_plan_cut_at_max_tokens_runs_its_whole_steps_and_asks_for_the_rest() -> None:
    cut = PLAN[: PLAN.index('{"id": "s3"') + 20]  # s1 and s2 whole, s3 a fragment
    rest = plan({"id": "s3", "tool": "weather", "args": {"city": {"$ref": "s1.city"}}})
    replies = iter([ModelResponse(text=cut, finish_reason="length"), ModelResponse(text=rest), "Snow."])
    model = FunctionModel(lambda request: next(replies), stream_chunk=5)
    agent = Agent(model, tools=[city_of, weather], planner=Planner(max_replans=1))
    result = await agent.run("Weather where Ann lives?")
    assert result.output == "Snow."
    assert sorted(calls[:2]) == [("city_of", "ann"), ("city_of", "bo")]  # side by side, either order
    assert calls[2:] == [("weather", "Oslo")]
    assert any(isinstance(e, ResponseCut) for e in result.events)
    assert [e.reason for e in result.events if isinstance(e, PlanRevised)] == [
        "the plan was cut off at max_tokens"
    ]
    joiner = model.requests[1].messages
    assert '"s3"' not in joiner[-2].text  # the conversation has the whole steps, not the fragment
    assert "cut off at the token limit" in joiner[-1].text
