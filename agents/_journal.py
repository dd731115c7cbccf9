"""The journal of a durable run: what the step loop writes to the store, and when.

Every write is one transaction (`Store.commit`): the run's new messages go to its session, its
events to the run's log, and its progress (a plain-JSON checkpoint) to the run's row, whose
version must be the one this journal last wrote (so a stale or cancelled writer fails with
`RunConflict` and never overwrites newer progress).

When, by durability mode:

    event  the prompt at the start; the model response before its calls run; each call just
           before it is dispatched; each result as it returns; the batch's results; the end.
    step   the model response before its calls run (the run's first write); the batch's
           results; the end.
    end    one write at the end (or when the run stops to wait): a crash loses the run.

A write that fails raises, and the run stops there: an effect is never started on top of a
write that did not land.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pydantic_core

from agents._durable import Durability
from agents.events import PendingCall
from agents.messages import Message, SystemMessage
from tools import Tool, ToolCall, ToolResult

if TYPE_CHECKING:
    from agents._run import RunState
    from agents.memory import RunRecord, RunStatus, Store

log = logging.getLogger(__name__)

#: The version of what a run stores in its config and checkpoint; bumped when their shape changes.
SCHEMA = 1


@dataclass
class Journal:
    """Writes one run's progress to `store`; owned by the run's `RunState`."""

    store: Store
    record: RunRecord
    durability: Durability
    head: int  # the session's head as this run last saw (or wrote) it
    version: int = -1  # the run row's version; -1 until the row exists
    written: int = 0  # how many of the run's own messages (from state.new_from) are in the store
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    # -- the loop's calls -------------------------------------------------------------------

    async def started(self, state: RunState[Any]) -> None:
        """The prompt is on record at once under "event"; under "step" with the model's first
        response (a crash before it leaves no run: nothing of it has happened yet)."""
        self.events.append(("started", {"schema": SCHEMA}))
        if self.durability == "event":
            await self.flush(state)

    async def responded(self, state: RunState[Any], step: int, calls: list[ToolCall]) -> None:
        """The model asked for `calls`: on record before any of them runs."""
        described = [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls]
        self.events.append(("response", {"step": step, "calls": described}))
        if self.durability != "end":
            await self.flush(state)

    async def dispatched(self, call: ToolCall, tool: Tool, key: str) -> None:
        self.events.append(("call_started", {"call_id": call.id, "name": call.name, "key": key}))
        if self.durability == "event":
            await self.flush(None)

    async def returned(self, result: ToolResult) -> None:
        data = {"call_id": result.call_id, "name": result.name, "content": result.content}
        self.events.append(("call_finished", {**data, "status": result.status}))
        if self.durability == "event":
            await self.flush(None)

    async def results(self, state: RunState[Any]) -> None:
        """A batch's results are in `state.messages`."""
        if self.durability != "end":
            await self.flush(state)

    async def planned(self, state: RunState[Any], kind: str, data: dict[str, Any]) -> None:
        """A plan-and-execute run's progress: a step planned (written with what comes next), a
        step started (on record before it runs) or a step ended."""
        self.events.append((kind, data))
        if self.durability != "end" and kind != "plan_step_planned":
            await self.flush(state)

    async def waiting(self, state: RunState[Any], pending: list[PendingCall]) -> None:
        self.events.append(("waiting", {"pending": [p.to_json() for p in pending]}))
        await self.flush(state, status="waiting")

    async def finished(self, state: RunState[Any]) -> None:
        self.events.append(("finished", {}))
        output = pydantic_core.to_jsonable_python(state.result, fallback=str)
        await self.flush(state, status="finished", output=output)

    async def failed(self, state: RunState[Any], error: BaseException) -> None:
        """Best effort: the run is marked failed; a store that is gone is logged, not raised."""
        text = f"{type(error).__name__}: {error}"
        self.events.append(("failed", {"error": text}))
        try:
            await self.flush(state, status="failed", error=text)
        except Exception as e:  # the store's own failure must not hide the run's
            log.warning("run %s: could not record its failure (%s): %s", self.record.id, error, e)

    # -- writing ------------------------------------------------------------------------------

    async def flush(
        self,
        state: RunState[Any] | None,
        *,
        status: RunStatus | None = None,
        output: Any = None,
        error: str | None = None,
    ) -> None:
        from agents.memory import RunWrite

        async with self._lock:  # calls of one batch return concurrently; writes go one at a time
            create = self.record if self.version < 0 else None  # the first write makes the run
            messages: list[Message] = []
            ckpt = None
            written = self.written
            if state is not None:
                new = state.messages[state.new_from :]
                messages = [m for m in new[self.written :] if not isinstance(m, SystemMessage)]
                ckpt = {**checkpoint(state), "head": self.head + len(messages)}
                written = len(new)
            events = list(self.events)
            write = RunWrite(
                run_id=self.record.id,
                expected_version=max(self.version, 0),
                messages=messages,
                expected_head=self.head,
                events=events,
                status=status,
                checkpoint=ckpt,
                output=output,
                error=error,
                create=create,
            )
            done = await self.store.commit(write)
            # What was added while the write was on its way (concurrent steps and calls) is not
            # in it: it stays for the next write.
            self.written = written
            del self.events[: len(events)]
            self.version, self.head = done.version, done.head


def checkpoint(state: RunState[Any]) -> dict[str, Any]:
    """A run's progress as plain JSON: what a resumed run needs besides its messages."""
    return {
        "schema": SCHEMA,
        "usage": asdict(state.usage),
        "format_problems": state.format_problems,
        "cuts": state.cuts,
        "tool_retries": dict(state.tool_retries),
        "tool_choice": state.tool_choice,
        "output_retries_used": state.output_retries_used,
        **({"plan": state.plan.to_json()} if state.plan is not None else {}),
    }


def restore(state: RunState[Any], ckpt: dict[str, Any]) -> None:
    """Put a `checkpoint` back into a rebuilt run's state."""
    usage = ckpt.get("usage") or {}
    for name in ("requests", "input_tokens", "output_tokens", "tool_calls"):
        setattr(state.usage, name, int(usage.get(name, 0)))
    state.format_problems = int(ckpt.get("format_problems", 0))
    state.cuts = int(ckpt.get("cuts", 0))
    state.tool_retries.update({str(k): int(v) for k, v in (ckpt.get("tool_retries") or {}).items()})
    state.output_retries_used = int(ckpt.get("output_retries_used", 0))
    if isinstance(ckpt.get("plan"), dict):
        from agents.plan._progress import PlanProgress

        state.plan = PlanProgress.from_json(ckpt["plan"])


def run_config(state: RunState[Any], agent_name: str, durability: Durability) -> dict[str, Any]:
    """What the run was, as plain data (never objects): checked when it is resumed."""
    model = state.model
    specs = json.dumps(state.toolset.specs(), sort_keys=True, default=str)
    return {
        "schema": SCHEMA,
        "agent": agent_name,
        "model": model.name,
        "profile": model.profile.family,
        "base_url": getattr(model, "base_url", None),
        "tools": hashlib.sha256(specs.encode()).hexdigest()[:16],
        "tool_mode": state.tool_mode,
        "output_type": state.output.type_name,
        "durability": durability,
    }
