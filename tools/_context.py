"""The run context injected into tools that declare a `RunContext` first parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

DepsT = TypeVar("DepsT")


@dataclass
class RunContext(Generic[DepsT]):
    """What a tool may know about the run that called it.

    `deps` is whatever the caller passed to `agent.run(..., deps=...)`: a database handle,
    an environment, credentials. `retries` counts invalid calls per tool in this run.
    `idempotency_key` is the same for one call across retries and a resumed run: give it to an
    external system (a payment API, a queue) so that it can drop a repeat.
    """

    deps: DepsT
    run_id: str = ""
    step: int = 0
    messages: list[Any] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)
    tool_call_id: str | None = None
    tool_name: str | None = None
    idempotency_key: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
