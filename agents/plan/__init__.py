"""Plans: a planner writes a DAG of tool-call steps, which run while the plan still streams.

- `Plan`, `Step`, `Ref`: the data (`models`); `{"$ref": "s1.path"}` wires a step to an earlier
  step's result, typed, instead of text substitution.
- `plan_schema(toolset)`: the JSON schema to constrain the planner's output with (`schema`).
- `PlanStream`: steps out of the plan's text as each one completes (`stream`).
- `Planner`: `Agent(..., planner=Planner())` runs the agent as plan-and-execute (`planner`,
  the run itself in `_strategy`); `PlanLimitExceeded` carries the plan when a limit stops it.
- `execute(steps, toolset, ctx)`: runs steps as soon as they and their dependencies are ready,
  concurrently where independent (`executor`), reporting `PlanStepPlanned`, `PlanStepStarted`,
  `PlanStepFinished` (`events`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools._lazy import lazy_names

if TYPE_CHECKING:
    from agents.plan.events import (
        PlanEvent,
        PlanRevised,
        PlanStarted,
        PlanStepFinished,
        PlanStepPlanned,
        PlanStepStarted,
    )
    from agents.plan.executor import ExecutionResult, execute
    from agents.plan.models import Plan, PlanError, PlanLimitExceeded, Ref, Step
    from agents.plan.planner import Planner
    from agents.plan.schema import plan_output_schema, plan_schema
    from agents.plan.stream import PlanStream, steps_from

# Each public name's module, imported on first use (PEP 562): `agents.events` needs the plan's
# event classes for every run, but an agent that never plans needs none of the rest (the plan
# models alone are pydantic classes built at import).
_WHERE = {
    **dict.fromkeys(
        ("PlanEvent", "PlanRevised", "PlanStarted", "PlanStepFinished", "PlanStepPlanned", "PlanStepStarted"),
        ".events",
    ),
    **dict.fromkeys(("ExecutionResult", "execute"), ".executor"),
    **dict.fromkeys(("Plan", "PlanError", "PlanLimitExceeded", "Ref", "Step"), ".models"),
    "Planner": ".planner",
    **dict.fromkeys(("plan_output_schema", "plan_schema"), ".schema"),
    **dict.fromkeys(("PlanStream", "steps_from"), ".stream"),
}


__getattr__, __dir__ = lazy_names(__name__, _WHERE)


__all__ = [
    "ExecutionResult",
    "Plan",
    "PlanError",
    "PlanEvent",
    "PlanLimitExceeded",
    "PlanRevised",
    "PlanStarted",
    "PlanStepFinished",
    "PlanStepPlanned",
    "PlanStepStarted",
    "PlanStream",
    "Planner",
    "Ref",
    "Step",
    "execute",
    "plan_output_schema",
    "plan_schema",
    "steps_from",
]
