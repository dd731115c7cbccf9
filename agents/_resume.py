"""What a resumed run does with the batch of calls it was in: read from its event log.

Each call of the last batch the model asked for ends in one of these states, replaying the
run's events in order:

    new         on record, nothing since: never dispatched in "event" durability (which records
                each dispatch); in "step" durability it may have been
    waiting     listed in a "waiting" event, no decision yet
    decided     approved, edited or denied since
    dispatched  a "call_started" event: its handler started
    done        a "call_finished" event: its stored result is used, the call is not run again

What happens to it:

    done                               the stored result
    decided: deny                      a "denied" result, not run
    waiting (no decision)              still waiting: the run stops again
    needs approval, never decided      waits for a decision
    possibly dispatched, unsafe        waits for a decision ("interrupted"): never re-run silently
    possibly dispatched, safe          runs again, with the same idempotency key
    otherwise                          runs
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from agents._run import Batch
from agents.events import PendingCall
from agents.messages import AssistantMessage, Message, ToolResultMessage
from tools import ToolCall, ToolResult, Toolset
from tools._toolset import idempotency_key

Phase = Literal["new", "waiting", "decided", "dispatched", "done"]


@dataclass
class _Call:
    call: ToolCall
    phase: Phase = "new"
    reason: Literal["approval", "interrupted"] = "approval"
    decision: dict[str, Any] | None = None
    result: ToolResult | None = None
    maybe_dispatched: bool = False


def unfinished_calls(messages: Sequence[Message]) -> list[ToolCall]:
    """The calls of the last model turn that have no result among `messages` (none: nothing to finish)."""
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if isinstance(m, AssistantMessage) and m.tool_calls:
            answered = {r.call_id for r in messages[i + 1 :] if isinstance(r, ToolResultMessage)}
            return [c for c in m.tool_calls if c.id not in answered]
        if not isinstance(m, ToolResultMessage):
            return []
    return []


def batch(
    calls: list[ToolCall],
    events: Sequence[tuple[str, dict[str, Any]]],
    *,
    run_id: str,
    toolset: Toolset,
    durability: str,
) -> Batch:
    """The batch a resumed run must finish, from the run's events (kind, data) in log order."""
    state = {c.id: _Call(c) for c in calls}
    step = 0
    for kind, data in events:
        if kind == "response":
            step = int(data.get("step", step))
            continue
        if kind == "resumed" and durability != "event":
            # Calls decided before an earlier resume may have run then; only "event" records it.
            for entry in state.values():
                if entry.phase == "decided":
                    entry.maybe_dispatched = True
            continue
        for entry in _touched(state, kind, data):
            _advance(entry, kind, data)
    return _plan(state, step, run_id, toolset, durability)


def _touched(state: dict[str, _Call], kind: str, data: dict[str, Any]) -> list[_Call]:
    if kind == "waiting":
        return [state[p["call_id"]] for p in data.get("pending", []) if p.get("call_id") in state]
    call_id = data.get("call_id")
    return [state[call_id]] if isinstance(call_id, str) and call_id in state else []


def _advance(entry: _Call, kind: str, data: dict[str, Any]) -> None:
    if kind == "waiting":
        entry.phase = "waiting"
        reasons = [p.get("reason") for p in data.get("pending", []) if p.get("call_id") == entry.call.id]
        entry.reason = "interrupted" if reasons and reasons[0] == "interrupted" else "approval"
    elif kind == "decision":
        entry.phase, entry.decision, entry.maybe_dispatched = "decided", data.get("decision"), False
    elif kind == "call_started":
        entry.phase = "dispatched"
    elif kind == "call_finished":
        entry.phase = "done"
        entry.result = ToolResult(
            call_id=entry.call.id,
            name=str(data.get("name", entry.call.name)),
            content=str(data.get("content", "")),
            status=data.get("status", "ok"),
        )


def _plan(state: dict[str, _Call], step: int, run_id: str, toolset: Toolset, durability: str) -> Batch:
    waits = set(toolset.needs_approval)
    out = Batch(step=step, calls=[])
    approved: set[str] = set()
    for entry in state.values():
        call, decision = entry.call, entry.decision or {}
        key = idempotency_key(run_id, step, call.id)
        tool = toolset.get(call.name)
        if entry.phase == "done" and entry.result is not None:
            out.results[call.id] = entry.result
        elif decision.get("kind") == "deny":
            out.results[call.id] = _denied(call, str(decision.get("reason") or ""))
        elif entry.phase == "waiting":
            out.pending.append(PendingCall(call.id, call.name, call.arguments, entry.reason, key, step))
        else:
            if decision.get("kind") == "edit":
                call = replace(call, arguments=dict(decision.get("arguments") or {}))
            if decision:
                approved.add(call.id)
            if call.name in waits and not decision:  # the approval gate comes before any dispatch
                out.pending.append(PendingCall(call.id, call.name, call.arguments, "approval", key, step))
            elif _maybe_ran(entry, durability) and tool is not None and tool.effect == "unsafe":
                out.pending.append(PendingCall(call.id, call.name, call.arguments, "interrupted", key, step))
        out.calls.append(call)
    out.approved = frozenset(approved)
    return out


def _maybe_ran(entry: _Call, durability: str) -> bool:
    if entry.phase == "dispatched" or entry.maybe_dispatched:
        return True
    return entry.phase == "new" and durability != "event"


def _denied(call: ToolCall, reason: str) -> ToolResult:
    why = f": {reason}" if reason else ""
    content = f"The call to tool `{call.name}` was denied{why}. It was not run. Do not retry it unchanged."
    return ToolResult(call.id, call.name, content, status="denied")
