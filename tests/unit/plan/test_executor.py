"""`execute`: order, concurrency, streaming dispatch, references, failures and sub-goals.

Overlap is shown with events each tool sets and waits on (bounded by a timeout, so a wrong
executor fails the test instead of hanging it), never with sleeps and clocks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agents.plan import ExecutionResult, PlanStepFinished, PlanStepPlanned, PlanStepStarted, Step, execute
from agents.plan.events import PlanEvent
from tools import ConfigError, RunContext, ToolFatalError, Toolset

WAIT = 2.0  # seconds a tool waits for another before it gives up (only a broken executor waits that long)


def steps(*raw: dict[str, Any]) -> list[Step]:
    return [Step.model_validate(r) for r in raw]


def run(items: Any, toolset: Toolset, **options: Any) -> ExecutionResult:
    return asyncio.run(execute(items, toolset, RunContext(deps=None, run_id="r1"), **options))


def order(result: ExecutionResult, kind: type) -> list[str]:
    return [e.step.id for e in result.timeline if isinstance(e, kind)]


def test_dependants_start_after_their_dependencies_finish() -> None:
    calls: list[str] = []

    def echo(text: str) -> str:
        """Echo."""
        calls.append(text)
        return text + "!"

    result = run(
        steps(
            {"id": "s1", "tool": "echo", "args": {"text": "a"}},
            {"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s1"}}},
            {"id": "s3", "tool": "echo", "args": {"text": "c"}, "deps": ["s2"]},
        ),
        Toolset([echo], max_concurrency=4),
    )
    assert calls == ["a", "a!", "c"]
    assert result.finished == ["s1", "s2", "s3"]
    assert result.results == {"s1": "a!", "s2": "a!!", "s3": "c!"}
    kinds = [(type(e).__name__, e.step.id) for e in result.timeline if not isinstance(e, PlanStepPlanned)]
    assert kinds == [
        ("PlanStepStarted", "s1"),
        ("PlanStepFinished", "s1"),
        ("PlanStepStarted", "s2"),
        ("PlanStepFinished", "s2"),
        ("PlanStepStarted", "s3"),
        ("PlanStepFinished", "s3"),
    ]


def test_independent_steps_run_at_the_same_time() -> None:
    toolset = Toolset(max_concurrency=4)
    arrived: dict[str, asyncio.Event] = {}

    @toolset.tool
    async def meet(me: str, other: str) -> str:
        """Wait until `other` is running too."""
        arrived.setdefault(me, asyncio.Event()).set()
        await asyncio.wait_for(arrived.setdefault(other, asyncio.Event()).wait(), WAIT)
        return me

    result = run(
        steps(
            {"id": "s1", "tool": "meet", "args": {"me": "a", "other": "b"}},
            {"id": "s2", "tool": "meet", "args": {"me": "b", "other": "a"}},
        ),
        toolset,
    )
    assert sorted(result.finished) == ["s1", "s2"], [s.error for s in result.plan.steps]


def test_max_concurrency_caps_the_steps_running_at_once() -> None:
    toolset = Toolset(max_concurrency=8)
    active: list[int] = [0, 0]  # now, most

    @toolset.tool
    async def work(n: int) -> int:
        """Yield to the loop a few times while counted as active."""
        active[0] += 1
        active[1] = max(active)
        for _ in range(5):
            await asyncio.sleep(0)
        active[0] -= 1
        return n

    raw = [{"id": f"s{i}", "tool": "work", "args": {"n": i}} for i in range(1, 7)]
    result = run(steps(*raw), toolset, max_concurrency=2)
    assert len(result.finished) == 6
    assert active[1] == 2


def test_a_step_starts_before_the_stream_has_delivered_the_later_steps() -> None:
    first_started = asyncio.Event()
    delivered: list[str] = []

    def echo(text: str) -> str:
        """Echo."""
        return text

    async def planner() -> AsyncIterator[Step]:
        delivered.append("s1")
        yield Step.model_validate({"id": "s1", "tool": "echo", "args": {"text": "a"}})
        # A planner still decoding: s2 only comes once s1 is running.
        await asyncio.wait_for(first_started.wait(), WAIT)
        delivered.append("s2")
        yield Step.model_validate({"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s1"}}})

    started_with: dict[str, list[str]] = {}

    def on_event(event: PlanEvent) -> None:
        if isinstance(event, PlanStepStarted):
            started_with[event.step.id] = list(delivered)
            if event.step.id == "s1":
                first_started.set()

    result = run(planner(), Toolset([echo]), on_event=on_event)
    assert started_with == {"s1": ["s1"], "s2": ["s1", "s2"]}
    assert result.results == {"s1": "a", "s2": "a"}


def test_refs_resolve_nested_paths_list_indices_and_result_sugar() -> None:
    got: dict[str, Any] = {}

    def rows() -> dict[str, Any]:
        """Rows."""
        return {"rows": [{"id": 7, "tags": ["x"]}, {"id": 9, "tags": ["y", "z"]}]}

    def take(a: int, b: str, c: list[str], d: dict[str, Any]) -> str:
        """Take values."""
        got.update(a=a, b=b, c=c, d=d)
        return "ok"

    result = run(
        steps(
            {"id": "s1", "tool": "rows", "args": {}},
            {
                "id": "s2",
                "tool": "take",
                "args": {
                    "a": {"$ref": "s1.rows.1.id"},
                    "b": {"$ref": "s1.result.rows.1.tags.-1"},
                    "c": [{"$ref": "s1.rows.0.tags.0"}, "w"],
                    "d": {"first": {"$ref": "s1.rows.0"}},
                },
            },
        ),
        Toolset([rows, take]),
    )
    assert result.finished == ["s1", "s2"], result.plan.steps[1].error
    assert got == {"a": 9, "b": "z", "c": ["x", "w"], "d": {"first": {"id": 7, "tags": ["x"]}}}


def test_a_missing_field_fails_the_step_and_skips_its_dependants_without_raising() -> None:
    def rows() -> dict[str, Any]:
        """Rows."""
        return {"rows": [{"id": 7}]}

    def echo(text: Any) -> Any:
        """Echo."""
        return text

    result = run(
        steps(
            {"id": "s1", "tool": "rows", "args": {}},
            {"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s1.rows.3.id"}}},
            {"id": "s3", "tool": "echo", "args": {"text": {"$ref": "s1.rowz"}}},
            {"id": "s4", "tool": "echo", "args": {"text": {"$ref": "s2"}}},
            {"id": "s5", "tool": "echo", "args": {"text": "x"}, "deps": ["s4"]},
            {"id": "s6", "tool": "echo", "args": {"text": {"$ref": "s1.rows.0.id"}}},
        ),
        Toolset([rows, echo]),
    )
    by_id = {s.id: s for s in result.plan.steps}
    assert sorted(result.finished) == ["s1", "s6"]
    assert sorted(result.failed) == ["s2", "s3"]
    assert result.skipped == ["s4", "s5"]
    assert "no index 3 (a list of 1)" in str(by_id["s2"].error)
    assert "no key 'rowz'" in str(by_id["s3"].error) and "rows" in str(by_id["s3"].error)
    assert by_id["s4"].error == "skipped: step s2 failed"
    assert by_id["s5"].error == "skipped: step s4 skipped"
    assert by_id["s6"].result == 7


def test_a_failed_tool_or_invalid_arguments_fail_the_step_and_skip_dependants() -> None:
    def boom() -> str:
        """Fail."""
        raise RuntimeError("disk on fire")

    def echo(text: str) -> str:
        """Echo."""
        return text

    result = run(
        steps(
            {"id": "s1", "tool": "boom", "args": {}},
            {"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s1"}}},
            {"id": "s3", "tool": "echo", "args": {"txt": "a"}},
            {"id": "s4", "tool": "nope", "args": {}},
            {"id": "s5", "tool": "echo", "args": {"text": "fine"}},
        ),
        Toolset([boom, echo]),
    )
    by_id = {s.id: s for s in result.plan.steps}
    assert result.finished == ["s5"]
    assert sorted(result.failed) == ["s1", "s3", "s4"]
    assert result.skipped == ["s2"]
    assert "disk on fire" in str(by_id["s1"].error)
    assert "(retry)" in str(by_id["s3"].error) and "(retry)" in str(by_id["s4"].error)


def test_goal_steps_go_to_run_goal_with_their_dependencies_results() -> None:
    def number(n: int) -> int:
        """A number."""
        return n

    seen: list[tuple[str, str, dict[str, Any]]] = []

    async def run_goal(step: Step, results: dict[str, Any]) -> str:
        seen.append((step.id, step.goal or "", results))
        return f"answer to {step.goal}"

    result = run(
        steps(
            {"id": "s1", "tool": "number", "args": {"n": 1}},
            {"id": "s2", "tool": "number", "args": {"n": 2}},
            {"id": "s3", "goal": "add them", "deps": ["s1", "s2"]},
            {"id": "s4", "tool": "number", "args": {"n": 4}, "deps": ["s3"]},
        ),
        Toolset([number]),
        run_goal=run_goal,
    )
    assert seen == [("s3", "add them", {"s1": 1, "s2": 2})]
    assert result.results["s3"] == "answer to add them"
    assert "s4" in result.finished


def test_goal_steps_without_a_runner_fail_and_a_raising_runner_fails_its_step() -> None:
    async def broken(step: Step, results: dict[str, Any]) -> str:
        raise ValueError("no idea")

    plan = steps({"id": "s1", "goal": "think"})
    assert "no sub-goal runner" in str(run(plan, Toolset()).plan.steps[0].error)
    failed = run(plan, Toolset(), run_goal=broken).plan.steps[0]
    assert failed.status == "failed" and "ValueError: no idea" in str(failed.error)


def test_unknown_dependencies_cycles_and_duplicate_ids_fail_when_the_stream_ends() -> None:
    def echo(text: str) -> str:
        """Echo."""
        return text

    result = run(
        steps(
            {"id": "s1", "tool": "echo", "args": {"text": "a"}, "deps": ["s9"]},
            {"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s3"}}},
            {"id": "s3", "tool": "echo", "args": {"text": {"$ref": "s2"}}},
            {"id": "s4", "tool": "echo", "args": {"text": "b"}},
            {"id": "s4", "tool": "echo", "args": {"text": "c"}},
            {"id": "s5", "tool": "echo", "args": {"text": "d"}, "deps": ["s1"]},
        ),
        Toolset([echo]),
    )
    by_id: dict[str, list[Step]] = {}
    for s in result.plan.steps:
        by_id.setdefault(s.id, []).append(s)
    assert by_id["s4"][0].status == "done" and by_id["s4"][1].status == "failed"
    assert "never planned" in str(by_id["s1"][0].error)
    assert by_id["s5"][0].status == "skipped"
    assert {by_id["s2"][0].status, by_id["s3"][0].status} <= {"failed", "skipped"}
    assert "cycle" in str(by_id["s2"][0].error) + str(by_id["s3"][0].error)
    assert not [s for s in result.plan.steps if s.status in ("pending", "running")]


def test_events_go_to_an_async_sink_and_the_input_steps_stay_as_they_were() -> None:
    def echo(text: str) -> str:
        """Echo."""
        return text

    heard: list[tuple[str, str, str]] = []

    async def on_event(event: PlanEvent) -> None:
        heard.append((type(event).__name__, event.step.id, event.step.status))

    given = steps({"id": "s1", "tool": "echo", "args": {"text": "a"}})
    result = run(given, Toolset([echo]), on_event=on_event)
    assert heard == [
        ("PlanStepPlanned", "s1", "pending"),
        ("PlanStepStarted", "s1", "running"),
        ("PlanStepFinished", "s1", "done"),
    ]
    assert given[0].status == "pending" and given[0].result is None
    assert [e.at for e in result.timeline] == sorted(e.at for e in result.timeline)
    assert isinstance(result.timeline[-1], PlanStepFinished)


def test_a_fatal_tool_error_ends_the_execution() -> None:
    def stop() -> str:
        """Stop everything."""
        raise ToolFatalError("credentials revoked")

    with pytest.raises(ToolFatalError, match="credentials revoked"):
        run(steps({"id": "s1", "tool": "stop", "args": {}}), Toolset([stop]))


def test_a_duplicate_id_does_not_stop_the_waiting_original() -> None:
    release = asyncio.Event()

    async def gate() -> str:
        """Wait to be released."""
        await asyncio.wait_for(release.wait(), WAIT)
        return "open"

    def echo(text: str) -> str:
        """Echo."""
        return text

    async def planner() -> AsyncIterator[Step]:
        yield Step.model_validate({"id": "s1", "tool": "gate", "args": {}})
        yield Step.model_validate({"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s1"}}})
        yield Step.model_validate({"id": "s2", "tool": "echo", "args": {"text": "again"}})
        release.set()

    result = run(planner(), Toolset([gate, echo]))
    assert [(s.id, s.status) for s in result.plan.steps] == [("s1", "done"), ("s2", "done"), ("s2", "failed")]
    assert result.plan.steps[1].result == "open"
    assert "used twice" in str(result.plan.steps[2].error)


def test_every_step_of_a_cycle_ends_once() -> None:
    def echo(text: str) -> str:
        """Echo."""
        return text

    result = run(
        steps(
            {"id": "s1", "tool": "echo", "args": {"text": {"$ref": "s3"}}},
            {"id": "s2", "tool": "echo", "args": {"text": {"$ref": "s1"}}},
            {"id": "s3", "tool": "echo", "args": {"text": {"$ref": "s2"}}},
            {"id": "s4", "tool": "echo", "args": {"text": "free"}},
        ),
        Toolset([echo]),
    )
    ended = result.finished + result.failed + result.skipped
    assert sorted(ended) == ["s1", "s2", "s3", "s4"]
    assert result.finished == ["s4"] and result.failed == ["s1"] and result.skipped == ["s2", "s3"]
    assert len(order(result, PlanStepFinished)) == 4


def test_max_concurrency_below_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_concurrency must be 1 or more"):
        run([], Toolset(), max_concurrency=0)
