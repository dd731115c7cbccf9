"""How a trial's agent runs: call by call ("react", the step loop) or plan and execute ("plan").

    agents eval SUITE --strategy plan

Under "plan" the trial's agent gets a `Planner()`: it writes the whole plan of tool calls first,
each step runs as soon as its dependencies are done, then one request answers. Both strategies
are scored by the same checks, from the same `CallRecord`s, so `agents eval compare` of a react
run and a plan run of one suite shows what the loop's structure changes.

A plan's tool steps become `CallRecord`s from the run's `PlanStep*` events (`plan_call_records`)
when the run reported no `ToolCallStarted` at all (a plan runner that reports its steps' calls as
the loop's own call events is scored from those, as a react run is).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, get_args

from agents.events import Event, PlanStepFinished, PlanStepStarted, StepStarted
from agents.models.base import ModelRequest
from agents.plan import PlanError, Planner
from agents.plan.resolve import resolve
from evals.trace import CallRecord
from tools.errors import ConfigError

Strategy = Literal["react", "plan"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)


def check_strategy(name: str) -> Strategy:
    """`name` as a `Strategy`; a `ConfigError` that lists the strategies otherwise."""
    for strategy in STRATEGIES:
        if name == strategy:
            return strategy
    raise ConfigError(f"Unknown strategy {name!r}: expected one of {', '.join(STRATEGIES)}.")


def planner_for(strategy: Strategy) -> Planner | None:
    """The planner a trial's agent gets: None runs the plain step loop."""
    return Planner() if strategy == "plan" else None


def finish_branch(request: ModelRequest) -> bool:
    """Whether the request's schema offers `{"finish": answer}`: a plan runner's joiner, which
    answers that way (or revises the plan), where a plain final request takes the answer itself."""
    schema = request.output_schema.schema if request.output_schema is not None else {}
    branches = schema.get("anyOf", [schema])
    return any(isinstance(b, dict) and set(b.get("properties", {})) == {"finish"} for b in branches)


def as_answer(request: ModelRequest, text: str) -> str:
    """`text` as the answer `request` asks for: wrapped in `{"finish": ...}` for a joiner, else as it is."""
    return json.dumps({"finish": text}) if finish_branch(request) else text


def _content(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def plan_call_records(events: Sequence[Event]) -> list[CallRecord]:
    """The tool steps a plan-and-execute run started, as calls, in the order they started.

    A step's references are resolved from the results of the steps before it (as the executor
    resolved them; a revised plan's step of an id already used replaces the earlier one's result),
    so a step is scored on the arguments its tool received. A step that finished
    "done" is an "ok" call with its result; a failed one an "error" with the step's error. Steps
    that never called their tool (skipped after a failed dependency, or failed on a reference
    that did not resolve) are not listed.
    `step` is the model request whose plan the step belongs to.
    """
    request = 0
    results: dict[str, Any] = {}
    records: list[CallRecord] = []
    started: dict[str, int] = {}  # step id -> its record, until the step finishes
    for e in events:
        if isinstance(e, StepStarted):
            request = e.step
        elif isinstance(e, PlanStepStarted) and e.step.tool is not None:
            try:
                arguments = resolve(e.step.args, results)
            except PlanError:  # the executor failed the step before its tool was called
                continue
            started[e.step.id] = len(records)
            records.append(CallRecord(name=e.step.tool, arguments=arguments, status="not run", step=request))
        elif isinstance(e, PlanStepFinished):
            if e.step.status == "done":
                results[e.step.id] = e.step.result
            if e.step.id in started:
                index = started.pop(e.step.id)
                done = e.step.status == "done"
                records[index] = records[index].model_copy(
                    update={
                        "status": "ok" if done else "error",
                        "result": _content(e.step.result) if done else e.step.error or "",
                    }
                )
    return records


__all__ = [
    "STRATEGIES",
    "Strategy",
    "as_answer",
    "check_strategy",
    "finish_branch",
    "plan_call_records",
    "planner_for",
]
