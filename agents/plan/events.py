"""What a plan-and-execute run reports: a plan asked for (and revised), each step planned,
started and finished. The steps' tool calls are the loop's own `ToolCallStarted` and
`ToolCallFinished`, between a step's start and its end."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    # Only an annotation here: `agents.events`, and so every agent, imports these events, while the
    # plan's pydantic models are built only when a plan is made (about 7 ms at import).
    from agents.plan.models import Step


@dataclass(frozen=True)
class PlanStarted:
    """The planner is asked for a plan: `revision` 0 first, then one more for each revision."""

    revision: int
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class PlanRevised:
    """The plan is to be revised, and why: failed steps, or the joiner asked for it."""

    revision: int
    reason: str
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class PlanStepPlanned:
    """A step arrived from the planner (it may still wait for its dependencies)."""

    step: Step
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class PlanStepStarted:
    """A step's dependencies are done and it began to run."""

    step: Step
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class PlanStepFinished:
    """A step ended: `step.status` is "done", "failed" or "skipped", with `result` or `error`.

    A skipped step (a dependency failed) and one that could never start (an unknown dependency, a
    cycle, a repeated id) finish without a `PlanStepStarted`.
    """

    step: Step
    at: float = field(default_factory=time.monotonic)


PlanEvent: TypeAlias = PlanStepPlanned | PlanStepStarted | PlanStepFinished
"""Each event holds a snapshot of the step as it was then; `at` is `time.monotonic()`."""
