"""Where a plan-and-execute run is: the plan being executed, each step's status and result, and
how far the run got with it. It is what a durable run checkpoints, what a resumed run goes on
from, and what a limit error carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic_core

from agents.plan.events import PlanEvent, PlanStepPlanned
from agents.plan.models import Plan, Step
from tools import Toolset

Phase = Literal["planning", "executing", "joined"]
"""planning: the plan is streaming in (its steps may run already); executing: the whole plan is
in, steps still run; joined: every step ended and the results are in the conversation."""


@dataclass
class PlanProgress:
    revision: int = 0  # 0, then one more for each revised plan
    replans: int = 0  # revisions that count against `Planner.max_replans`
    request: int = 0  # the model request that wrote the plan: its steps' idempotency keys use it
    phase: Phase = "planning"
    steps: list[Step] = field(default_factory=list)  # kept steps of earlier revisions first
    kept: list[str] = field(default_factory=list)  # ids of those

    def plan(self) -> Plan:
        return Plan(steps=[s.model_copy(deep=True) for s in self.steps], revision=self.revision)

    def new_steps(self) -> list[Step]:
        """The steps this revision planned (not the ones kept from earlier revisions)."""
        return [s for s in self.steps if s.id not in self.kept]

    def revised(self, *, counted: bool) -> PlanProgress:
        """The progress of the next revision: the steps that are done stay, with their results."""
        done = [s.model_copy(deep=True) for s in self.steps if s.status == "done"]
        return PlanProgress(
            revision=self.revision + 1,
            replans=self.replans + counted,
            steps=done,
            kept=[s.id for s in done],
        )

    def apply(self, event: PlanEvent) -> None:
        """Take in what the executor reported."""
        step = event.step.model_copy(deep=True)
        if isinstance(event, PlanStepPlanned) and step.id in self.kept:  # a kept id planned anew
            self.kept.remove(step.id)
        for i, known in enumerate(self.steps):
            if known.id == step.id:
                self.steps[i] = step
                return
        self.steps.append(step)

    def resumable(self, toolset: Toolset) -> list[Step]:
        """The steps to execute again after the run stopped: what ended stays ended; what was
        running runs again, unless it may have had an unsafe effect already (a tool that is
        not read-only or idempotent, or a sub-goal while the toolset has one): that one fails,
        never re-run silently, and the joiner (or a revised plan) decides."""
        unsafe = {t.name for t in toolset if t.effect == "unsafe"}
        out: list[Step] = []
        for step in self.steps:
            step = step.model_copy(deep=True)
            if step.status == "running":
                may_have_acted = step.tool in unsafe if step.tool is not None else bool(unsafe)
                if may_have_acted:
                    step.status = "failed"
                    step.error = (
                        f"step {step.id} was interrupted while it ran; it may have taken effect, "
                        "so it was not run again (check before you plan it anew)"
                    )
                else:
                    step.status = "pending"
            out.append(step)
        return out

    def to_json(self) -> dict[str, Any]:
        steps = [step_json(s) for s in self.steps]
        return {
            "revision": self.revision,
            "replans": self.replans,
            "request": self.request,
            "phase": self.phase,
            "steps": steps,
            "kept": list(self.kept),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanProgress:
        phase = data.get("phase", "planning")
        return cls(
            revision=int(data.get("revision", 0)),
            replans=int(data.get("replans", 0)),
            request=int(data.get("request", 0)),
            phase=phase if phase in ("planning", "executing", "joined") else "planning",
            steps=[Step.model_validate(s) for s in data.get("steps") or []],
            kept=[str(k) for k in data.get("kept") or []],
        )


def step_json(step: Step) -> dict[str, Any]:
    """A step with its status, result and error, as plain JSON (a result that is not JSON: its str)."""
    data: dict[str, Any] = pydantic_core.to_jsonable_python(step.model_dump(by_alias=True), fallback=str)
    return data
