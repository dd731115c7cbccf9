"""How a trial's agent runs: call by call ("react", the step loop) or plan and execute ("plan").

    agents eval SUITE --strategy plan

Under "plan" the trial's agent gets a `Planner()`: it writes the whole plan of tool calls first,
each step runs as soon as its dependencies are done, then one request answers. Both strategies
are scored by the same checks, from the same `CallRecord`s, so `agents eval compare` of a react
run and a plan run of one suite shows what the loop's structure changes.

A plan's tool steps are reported as the loop's own `ToolCallStarted`/`ToolCallFinished`, so both
strategies are scored from the same events.
"""

from __future__ import annotations

import json
from typing import Literal, get_args

from agents.models.base import ModelRequest
from agents.plan import Planner
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


__all__ = [
    "STRATEGIES",
    "Strategy",
    "as_answer",
    "check_strategy",
    "finish_branch",
    "planner_for",
]
