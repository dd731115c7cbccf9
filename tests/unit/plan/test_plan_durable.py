"""A plan-and-execute run on a real SQLite store: each step on record before it runs and when it
ends, so a run that died between steps goes on from the unfinished ones and never redoes the
finished ones; a step that may have had an unsafe effect is never re-run silently."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agents import Agent, RunContext
from agents.events import PlanRevised
from agents.memory import Store
from agents.models.base import ModelRequest, ModelResponse, StreamItem, TextDelta, Usage
from agents.models.profiles import GENERIC, ModelProfile
from agents.plan import Planner
from agents.testing import FunctionModel
from tools import tool


class Crash(BaseException):
    """Stands for the process dying: not an error the run handles."""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "store.db")
    yield opened
    await opened.aclose()


ran: list[tuple[str, Any]] = []
crash_in: set[str] = set()


@pytest.fixture(autouse=True)
def _fresh() -> None:
    ran.clear()
    crash_in.clear()


@tool(effect="read_only")
def city_of(person: str) -> dict[str, str]:
    """Where a person lives."""
    ran.append(("city_of", person))
    if "city_of" in crash_in:
        crash_in.discard("city_of")
        raise Crash
    return {"city": "Oslo"}


@tool(effect="idempotent")
def book(ctx: RunContext[None], city: str) -> str:
    """Book a hotel (the same key books once)."""
    ran.append(("book", ctx.idempotency_key))
    if "book" in crash_in:
        crash_in.discard("book")
        raise Crash
    return f"booked in {city}"


@tool  # unsafe
def launch(city: str) -> str:
    """Launch a rocket from a city."""
    ran.append(("launch", city))
    if "launch" in crash_in:
        crash_in.discard("launch")
        raise Crash
    return "launched"


def plan(*steps: dict[str, Any]) -> str:
    return json.dumps({"steps": list(steps)})


def answers(*texts: str) -> FunctionModel:
    replies = iter(texts)
    return FunctionModel(lambda request: next(replies), stream_chunk=6)


TOOLS = [city_of, book, launch]


@pytest.mark.parametrize("durability", ["step", "event"])
async def test_a_run_that_died_between_steps_goes_on_without_redoing_finished_ones(
    store: Store, durability: Any
) -> None:
    crash_in.add("book")
    two = plan(
        {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
        {"id": "s2", "tool": "book", "args": {"city": {"$ref": "s1.city"}}},
    )
    agent = Agent(answers(two), tools=TOOLS, planner=Planner(), store=store, durability=durability)
    with pytest.raises(Crash):
        await agent.run("Book a hotel where Ann lives", run_id="r1")
    assert (await store.run("r1")).status == "running"
    kinds = [e.kind for e in await store.events("r1")]
    assert kinds.count("plan_step_started") == 2 and kinds.count("plan_step_finished") == 1

    model = answers('{"finish": "Booked in Oslo."}')
    again = Agent(model, tools=TOOLS, planner=Planner(), store=store, durability=durability)
    result = await again.resume("r1")
    assert result.output == "Booked in Oslo."
    assert [r[0] for r in ran] == ["city_of", "book", "book"]  # s1 not redone; s2 again, same key
    assert ran[1][1] == ran[2][1] == "r1:1:s2"
    assert len(model.requests) == 1  # the joiner: the plan was not asked for again
    assert (await store.run("r1")).status == "finished"


async def test_an_unsafe_step_in_flight_at_a_crash_fails_instead_of_running_again(store: Store) -> None:
    crash_in.add("launch")
    one = plan({"id": "s1", "tool": "launch", "args": {"city": "Oslo"}})
    agent = Agent(answers(one), tools=TOOLS, planner=Planner(max_replans=0), store=store)
    with pytest.raises(Crash):
        await agent.run("Launch from Oslo", run_id="r2")
    # Whether the plan's text was whole when the process died depends on timing; either way the
    # step is not run again, and the model hears why.
    fallback = plan({"id": "s2", "tool": "city_of", "args": {"person": "ann"}})
    model = FunctionModel(
        lambda r: fallback if r.output_schema is not None else "Unsure.",
    )
    result = await Agent(model, tools=TOOLS, planner=Planner(max_replans=0), store=store).resume("r2")
    assert [r for r in ran if r[0] == "launch"] == [("launch", "Oslo")]  # never re-run silently
    reports = [str(m) for m in model.requests[-1].messages if "The plan ran" in str(m)]
    assert "s1 launch: failed: step s1 was interrupted while it ran; it may have taken effect" in reports[0]
    assert result.output == "Unsure."


class _CutPlan:
    """Streams the first step of a plan, then hangs: the run dies (a step crashes) mid-plan."""

    name = "cut"

    @property
    def profile(self) -> ModelProfile:
        return GENERIC

    async def request(self, request: ModelRequest) -> ModelResponse:
        raise AssertionError("a planner run streams its plans")

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        text = plan(
            {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
            {"id": "s2", "tool": "launch", "args": {"city": "Oslo"}},
        )
        yield TextDelta(text[: text.index('{"id": "s2"') + 3])
        await asyncio.sleep(30)  # the crash comes first
        yield ModelResponse(text=text, usage=Usage(1, 1))


async def test_a_run_that_died_while_the_plan_streamed_plans_the_rest_anew(store: Store) -> None:
    crash_in.add("city_of")
    agent = Agent(_CutPlan(), tools=TOOLS, planner=Planner(max_replans=0), store=store)
    with pytest.raises(Crash):
        await agent.run("Launch from where Ann lives", run_id="r3")
    rest = plan({"id": "s2", "tool": "launch", "args": {"city": {"$ref": "s1.city"}}})
    model = answers(rest, "Launched from Oslo.")
    result = await Agent(model, tools=TOOLS, planner=Planner(max_replans=0), store=store).resume("r3")
    assert ran == [("city_of", "ann"), ("city_of", "ann"), ("launch", "Oslo")]  # s1 read-only: ran again
    revised = [e for e in result.events if isinstance(e, PlanRevised)]
    assert [e.reason for e in revised] == ["the run stopped while the plan was written"]
    assert "The run stopped while the plan was being written" in str(model.requests[0].messages[-1])
    assert result.output == "Launched from Oslo."  # the free revision did not use up max_replans=0


class _DiesAtTheJoiner:
    """Writes a plan, then the process dies while the joiner's reply streams (before any step)."""

    name = "dies"

    @property
    def profile(self) -> ModelProfile:
        return GENERIC

    async def request(self, request: ModelRequest) -> ModelResponse:
        raise AssertionError("a planner run streams its plans")

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        if request.output_schema is not None and request.output_schema.name == "plan":
            text = plan({"id": "s1", "tool": "city_of", "args": {"person": "ann"}})
            yield TextDelta(text)
            yield ModelResponse(text=text, usage=Usage(1, 1))
            return
        yield TextDelta('{"fin')
        raise Crash


async def test_a_run_that_died_while_the_joiner_answered_asks_the_joiner_again(store: Store) -> None:
    agent = Agent(_DiesAtTheJoiner(), tools=TOOLS, planner=Planner(max_replans=1), store=store)
    with pytest.raises(Crash):
        await agent.run("Where does Ann live?", run_id="r4")
    model = answers('{"finish": "Oslo."}')
    result = await Agent(model, tools=TOOLS, planner=Planner(max_replans=1), store=store).resume("r4")
    assert result.output == "Oslo." and ran == [("city_of", "ann")]  # s1 not run again
    assert [r.output_schema.name for r in model.requests if r.output_schema] == ["join"]
