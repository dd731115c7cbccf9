"""Sub-goal steps run as tool loops of their own; limits hold across the whole plan-and-execute
run and, when reached, raise `PlanLimitExceeded` with the plan as far as it got."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from agents import Agent, UsageLimits
from agents.errors import UsageLimitExceeded, trace_of
from agents.events import PlanStepFinished, ToolCallStarted
from agents.messages import SystemMessage
from agents.models.base import ModelRequest, ModelResponse
from agents.plan import PlanLimitExceeded, Planner
from agents.testing import FunctionModel, call
from tools import _threads, tool

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
    return {"Oslo": "snow", "Lima": "sun"}.get(city, "fog")


@pytest.fixture(autouse=True)
def _fresh_calls() -> Iterator[None]:
    calls.clear()
    yield
    # A call cancelled with its run still runs to its end in its thread (tools._threads), perhaps
    # after this test: wait for it here, or it lands in the next test's `calls`.
    deadline = time.monotonic() + 5.0
    while _busy_sync_threads() and time.monotonic() < deadline:
        time.sleep(0.005)


def _busy_sync_threads() -> int:
    alive = sum(t.name == "gemma-agents:sync-call" and t.is_alive() for t in threading.enumerate())
    return alive - _threads._idle


def by_kind(plan: dict[str, Any], goal: list[Any], join: str = '{"finish": "done"}') -> FunctionModel:
    """Answers a plan request with `plan`, a sub-goal's requests from `goal` in order, the joiner
    with `join`, and a request for the answer alone with "the answer"."""
    goal_replies = iter(goal)

    def respond(request: ModelRequest) -> ModelResponse | str:
        schema = request.output_schema.name if request.output_schema is not None else None
        if schema == "plan":
            return json.dumps(plan)
        if schema == "join":
            return join
        if not any("You are doing one step of a plan" in str(m) for m in request.messages):
            return "the answer"  # the final answer, asked for without the joiner
        reply = next(goal_replies)
        return ModelResponse(tool_calls=[reply]) if not isinstance(reply, str) else reply

    return FunctionModel(respond, stream_chunk=7)


GOAL_PLAN = {
    "steps": [
        {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
        {"id": "s2", "goal": "Find the weather in the city of s1", "deps": ["s1"]},
        {"id": "s3", "tool": "weather", "args": {"city": "Lima"}},
    ]
}


async def test_a_sub_goal_runs_as_its_own_tool_loop_with_the_task_plan_and_results() -> None:
    model = by_kind(
        GOAL_PLAN, [call("weather", city="Oslo"), "It snows in Oslo."], '{"finish": "Snow; sun."}'
    )
    agent = Agent(model, tools=[city_of, weather], instructions="Be brief.", planner=Planner())
    result = await agent.run("Weather where Ann lives, and in Lima?")
    assert result.output == "Snow; sun."
    assert sorted(calls) == [("city_of", "ann"), ("weather", "Lima"), ("weather", "Oslo")]
    goal_requests = [r for r in model.requests if r.output_schema is None]
    assert len(goal_requests) == 2 and result.usage.requests == 4  # plan, goal x2, joiner
    first = goal_requests[0].messages
    assert isinstance(first[0], SystemMessage) and first[0].content == "Be brief."  # not the planner's
    prompt = str(first[1])
    assert "Weather where Ann lives" in prompt and '"Oslo"' in prompt and "Your step (s2)" in prompt
    ended = [e.step for e in result.events if isinstance(e, PlanStepFinished)]
    assert next(s for s in ended if s.id == "s2").result == "It snows in Oslo."
    assert sum(isinstance(e, ToolCallStarted) for e in result.events) == 3  # the sub-goal's call too
    assert result.usage.tool_calls == 3


async def test_a_sub_goal_over_its_tool_call_cap_fails_as_a_step_not_the_run() -> None:
    goal = [call("weather", city="Oslo"), call("weather", city="Bergen"), "never reached"]
    model = by_kind(GOAL_PLAN, goal)
    agent = Agent(model, tools=[city_of, weather], planner=Planner(max_goal_tool_calls=1, max_replans=0))
    result = await agent.run("Weather where Ann lives?")
    assert result.output == "the answer" and ("weather", "Bergen") not in calls  # over the cap: never ran
    report = result.messages[-2].text
    assert "s2 goal: Find the weather in the city of s1: failed" in report
    assert "more than 1 tool calls (Planner.max_goal_tool_calls)" in report


FOUR = {
    "steps": [
        {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
        {"id": "s2", "tool": "city_of", "args": {"person": "bo"}},
        {"id": "s3", "tool": "weather", "args": {"city": {"$ref": "s1.city"}}},
        {"id": "s4", "tool": "weather", "args": {"city": {"$ref": "s2.city"}}},
    ]
}


async def test_the_runs_tool_call_limit_holds_across_the_plan_and_the_error_carries_it() -> None:
    agent = Agent(by_kind(FOUR, []), tools=[city_of, weather], planner=Planner())
    with pytest.raises(PlanLimitExceeded) as caught:
        await agent.run("Weather for Ann and Bo?", limits=UsageLimits(max_tool_calls=2))
    error = caught.value
    assert isinstance(error, UsageLimitExceeded) and error.limit == "max_tool_calls"
    # The third call never started. s2's call started (the limit counts it) but, cancelled with the
    # run, its thread may not have got to run the function, so `calls` holds s1's call and maybe s2's.
    assert ("city_of", "ann") in calls and set(calls) <= {("city_of", "ann"), ("city_of", "bo")}
    statuses = {s.id: s.status for s in error.plan.steps}
    # s1 is done (s3 needed it); s2 may still have been running when the limit stopped the run.
    assert statuses["s1"] == "done" and statuses["s2"] in ("done", "running")
    assert statuses["s3"] != "done" and statuses["s4"] != "done" and "of 4 steps done" in str(error)
    assert [s.id for s in error.plan.steps] == ["s1", "s2", "s3", "s4"]
    assert trace_of(error) is not None and trace_of(error).usage.tool_calls == 2  # type: ignore[union-attr]


async def test_the_request_limit_counts_the_plan_and_the_joiner() -> None:
    agent = Agent(by_kind(FOUR, []), tools=[city_of, weather], planner=Planner())
    with pytest.raises(PlanLimitExceeded) as caught:
        await agent.run("Weather for Ann and Bo?", limits=UsageLimits(max_steps=1))
    assert caught.value.limit == "max_steps" and len(calls) == 4  # the plan ran; the joiner was one too many
    assert all(s.status == "done" for s in caught.value.plan.steps)
    assert "4 of 4 steps done" in str(caught.value)


async def test_a_plan_longer_than_max_steps_stops_with_the_steps_it_had() -> None:
    # An unconstrained server could write more steps than the schema's maxItems allows.
    agent = Agent(by_kind(FOUR, []), tools=[city_of, weather], planner=Planner(max_steps=3))
    with pytest.raises(PlanLimitExceeded) as caught:
        await agent.run("Weather for Ann and Bo?")
    assert caught.value.limit == "Planner.max_steps" and len(caught.value.plan.steps) == 3
