"""Typed events of one run: `run_stream` yields them, `RunResult.events` keeps them.

Streaming deltas (`TextDelta`, `ReasoningDelta`, `ToolCallDelta`) are yielded by
`run_stream` only; every other event is also kept in the result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from agents.models.base import ModelResponse, ReasoningDelta, TextDelta, ToolCallDelta
from agents.plan.events import (
    PlanRevised,
    PlanStarted,
    PlanStepFinished,
    PlanStepPlanned,
    PlanStepStarted,
)
from tools import ToolCall, ToolResult


@dataclass(frozen=True)
class RunStarted:
    run_id: str


@dataclass(frozen=True)
class StepStarted:
    step: int


@dataclass(frozen=True)
class ModelResponded:
    step: int
    response: ModelResponse


@dataclass(frozen=True)
class ToolCallStarted:
    step: int
    call: ToolCall


@dataclass(frozen=True)
class ToolCallFinished:
    step: int
    result: ToolResult


@dataclass(frozen=True)
class OutputRetry:
    """The final answer did not validate; the model is asked again."""

    step: int
    problems: str


@dataclass(frozen=True)
class ResponseCut:
    """The response used up `max_tokens` (None: the server's default) and was cut off.

    A cut call is never run; the model is asked once for a shorter reply, and a second cut in a
    row ends the run with `ResponseTruncated`. A cut text answer is kept as it is. If this
    happens often, raise max_tokens (`ModelSettings(max_tokens=...)`, `--max-tokens`).
    """

    step: int
    max_tokens: int | None


@dataclass(frozen=True)
class PendingCall:
    """A call the run will not make on its own: a person (or the caller's code) must decide.

    `reason` is "approval" (the tool has `requires_approval`) or "interrupted" (an unsafe call
    was in flight when the process died: it may or may not have had its effect). Decide with
    `Approve()`, `Edit(arguments)` or `Deny(reason)`, then resume the run.
    """

    call_id: str
    name: str
    arguments: dict[str, Any] | str
    reason: Literal["approval", "interrupted"]
    idempotency_key: str
    step: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RunWaiting:
    """The run stopped before a batch of calls, some of which need a decision (`pending`).

    Its calls, and the run's progress, are in the store: decide on each pending call
    (`Store.decide`, `agents runs approve|deny`, or `decisions=` to `Agent.resume`), then resume
    the run with `Agent.resume(run_id)`, in this process or another one.
    """

    step: int
    pending: list[PendingCall]


@dataclass(frozen=True)
class RunFinished:
    output: Any


Event = (
    RunStarted
    | StepStarted
    | ModelResponded
    | ToolCallStarted
    | ToolCallFinished
    | OutputRetry
    | ResponseCut
    | RunWaiting
    | RunFinished
    | PlanStarted
    | PlanRevised
    | PlanStepPlanned
    | PlanStepStarted
    | PlanStepFinished
    | TextDelta
    | ReasoningDelta
    | ToolCallDelta
)
STREAM_ONLY = (TextDelta, ReasoningDelta, ToolCallDelta)

__all__ = [
    "STREAM_ONLY",
    "Event",
    "ModelResponded",
    "OutputRetry",
    "PendingCall",
    "PlanRevised",
    "PlanStarted",
    "PlanStepFinished",
    "PlanStepPlanned",
    "PlanStepStarted",
    "ReasoningDelta",
    "ResponseCut",
    "RunFinished",
    "RunStarted",
    "RunWaiting",
    "StepStarted",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallFinished",
    "ToolCallStarted",
]
