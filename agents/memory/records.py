"""Plain records the store reads and writes: sessions, runs, run events, decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from agents._durable import Durability
from agents.messages import Message

__all__ = [
    "Approve",
    "Decision",
    "Deny",
    "Durability",
    "Edit",
    "RunEvent",
    "RunRecord",
    "RunStatus",
    "RunWrite",
    "RunWriteResult",
    "SessionHistory",
    "SessionInfo",
    "decision_from_json",
]

RunStatus = Literal["running", "waiting", "finished", "failed"]
"""Where a run is: "waiting" means paused on calls that need a decision (approval)."""


@dataclass(frozen=True)
class SessionInfo:
    """A session's summary: `head` is the seq of its last message."""

    id: str
    head: int
    created_at: datetime
    updated_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionHistory:
    """A session's messages in seq order; `repaired` counts synthesized tool results."""

    messages: list[Message]
    head: int
    repaired: int = 0


@dataclass(frozen=True)
class RunRecord:
    """One run. `config` and `checkpoint` are plain JSON data; `version` counts commits."""

    id: str
    session_id: str
    agent: str
    status: RunStatus
    config: dict[str, Any]
    checkpoint: dict[str, Any]
    output: Any = None
    error: str | None = None
    start_head: int = 0
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class RunEvent:
    """One entry of a run's log, seq 1.. per run.

    Kinds: "started", "response", "call_started", "call_finished", "waiting" (data
    `{"pending": [{"call_id": ...}, ...]}`), "decision" (`{"call_id", "decision"}`), "resumed",
    "finished", "failed".
    """

    seq: int
    kind: str
    data: dict[str, Any]
    at: datetime | None = None


@dataclass(frozen=True)
class RunWrite:
    """What one `Store.commit` writes, in one transaction, if the run is at `expected_version`.

    `messages` go to the run's session (`expected_head` checked when given); `events` to its
    log; `status`, `checkpoint`, `output` and `error` replace the run's when not None. With
    `create`, the run is inserted first, in the same transaction (`RunConflict` if its id is
    taken), and `expected_version` must be 0: a durable run's first write is one transaction.
    """

    run_id: str
    expected_version: int
    messages: Sequence[Message] = ()
    expected_head: int | None = None
    events: Sequence[tuple[str, dict[str, Any]]] = ()
    status: RunStatus | None = None
    checkpoint: dict[str, Any] | None = None
    output: Any = None
    error: str | None = None
    create: RunRecord | None = None


@dataclass(frozen=True)
class RunWriteResult:
    """The run's version and its session's head after a commit."""

    version: int
    head: int


@dataclass(frozen=True)
class Approve:
    """Run the waiting call as the model asked."""

    kind: Literal["approve"] = "approve"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind}


@dataclass(frozen=True)
class Edit:
    """Run the waiting call with these arguments instead."""

    arguments: dict[str, Any]
    kind: Literal["edit"] = "edit"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "arguments": self.arguments}


@dataclass(frozen=True)
class Deny:
    """Do not run the call; the model is told `reason`."""

    reason: str = "denied"
    kind: Literal["deny"] = "deny"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason}


Decision = Approve | Edit | Deny


def decision_from_json(data: dict[str, Any]) -> Decision:
    """The `Decision` a "decision" event's `decision` field holds."""
    kind = data.get("kind")
    if kind == "approve":
        return Approve()
    if kind == "edit":
        return Edit(arguments=dict(data["arguments"]))
    if kind == "deny":
        return Deny(reason=str(data.get("reason", "denied")))
    raise ValueError(f"unknown decision kind {kind!r}; expected approve, edit or deny")
