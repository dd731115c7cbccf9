"""What one trial produced, as serialisable records: calls, turns, verdicts, the trial itself.

These records are what checks look at (through `Outcome`) and what the runner appends to
`trials.jsonl`, one `TrialRecord` a line. Reports and metrics read them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field


class CallRecord(BaseModel):
    """One tool call the model made and what came of it.

    `arguments` is None when the model's arguments were not a JSON object; `raw_arguments`
    then holds the text it wrote. `status` is the tool result's status ("ok", "error",
    "retry" for arguments that did not validate, "denied").
    """

    name: str
    arguments: dict[str, Any] | None = None
    raw_arguments: str | None = None
    status: str = "ok"
    result: str = ""
    step: int = 0


class Verdict(BaseModel):
    """The result of one check: which check, passed or not, and why."""

    check: str
    passed: bool
    detail: str = ""
    turn: int | None = None  # None for a task-level check


class TurnRecord(BaseModel):
    """One user turn of a trial: the prompt, the messages it added, its calls and answer."""

    user: str
    output: str | None = None
    calls: list[CallRecord] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    steps: int = 0
    error: str | None = None


class TrialRecord(BaseModel):
    """One trial of one task: one JSONL line in a run's `trials.jsonl`."""

    task_id: str
    trial: int
    seed: int | None = None
    tags: list[str] = Field(default_factory=list)
    passed: bool
    verdicts: list[Verdict] = Field(default_factory=list)
    turns: list[TurnRecord] = Field(default_factory=list)
    error: str | None = None
    error_type: str | None = None
    infra_error: bool = False  # the server failed, not the model: not scored, a re-run retries it
    steps: int = 0
    tool_calls: int = 0
    valid_calls: int = 0
    retries: int = 0
    input_tokens: int | None = None  # None: the model reported no token counts (the oracle)
    output_tokens: int | None = None
    latency_s: float = 0.0
    request_latencies: list[float] = Field(default_factory=list)
    endpoint: str | None = None
    model: str | None = None
    runner: str | None = None  # the runner process of a shared eval that ran it (None: a folder run)
    agent: str | None = None  # the agent factory (`module:factory`) when not the built-in agent
    final_state: Any = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.task_id, self.trial)


@dataclass
class Outcome:
    """What a check sees: the calls, answer and environment state of a turn or a whole trial.

    For a turn-level check, `calls` and `output` are that turn's and `state` is the
    snapshot taken right after it; for a task-level check they cover the whole trial.
    `env` is the live environment object, for predicates that want to call it.
    """

    calls: list[CallRecord]
    output: str | None
    state: Any
    env: object | None = None
    error: str | None = None
    turn: int | None = None
