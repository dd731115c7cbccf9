"""Make a stored history valid to send again after a run was cut short.

A run killed between a model's tool calls and their results leaves calls without results, and
providers reject such a history. Each such call gets a synthesized error result right after the
results its assistant turn did store (before the next non-tool message); results whose call is
not pending (unknown id, duplicate, or out of place) are dropped, as a provider rejects those too.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.messages import AssistantMessage, Message, ToolResultMessage

__all__ = ["INTERRUPTED", "repair_history"]

INTERRUPTED = (
    "Interrupted: the run stopped before this call returned, so its result is unknown. "
    "It may or may not have taken effect; check before calling it again."
)


def repair_history(messages: Sequence[Message]) -> tuple[list[Message], int]:
    """The messages with a result for every call, and how many results were synthesized."""
    out: list[Message] = []
    pending: dict[str, str] = {}  # call id -> tool name, in call order
    synthesized = 0

    def flush() -> None:
        nonlocal synthesized
        for call_id, name in pending.items():
            out.append(ToolResultMessage(call_id=call_id, name=name, content=INTERRUPTED, status="error"))
            synthesized += 1
        pending.clear()

    for m in messages:
        if isinstance(m, ToolResultMessage):
            if m.call_id in pending:
                del pending[m.call_id]
                out.append(m)
            continue
        flush()
        out.append(m)
        if isinstance(m, AssistantMessage):
            pending = {c.id: c.name for c in m.tool_calls}
    flush()
    return out, synthesized
