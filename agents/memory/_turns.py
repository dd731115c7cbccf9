"""Turns of a stored history, and the plain-text transcript a summariser reads."""

from __future__ import annotations

from collections.abc import Sequence

from agents.errors import ConfigError
from agents.messages import (
    AssistantMessage,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolResultMessage,
    UserMessage,
)

_TOOL_RESULT_CHARS = 500  # of each tool result the summariser sees: facts, not whole documents


def split_turns(history: Sequence[Message]) -> list[list[Message]]:
    """The history in turns, each starting at a user message.

    A user message that comes while calls still wait for results stays in the current turn, so
    a call is never cut from its results. Messages before the first user message (a history
    that does not start with one) form a first turn of their own.
    """
    turns: list[list[Message]] = []
    pending: set[str] = set()
    for m in history:
        if isinstance(m, SystemMessage):
            raise ConfigError("A stored history holds no system messages; the loop adds the instructions.")
        if not turns or (isinstance(m, UserMessage) and not pending):
            turns.append([])
        turns[-1].append(m)
        if isinstance(m, AssistantMessage):
            pending.update(c.id for c in m.tool_calls)
        elif isinstance(m, ToolResultMessage):
            pending.discard(m.call_id)
    return turns


def flat(turns: Sequence[list[Message]]) -> list[Message]:
    return [m for turn in turns for m in turn]


def transcript_line(m: Message) -> str:
    """One line of a plain-text transcript: no thoughts, media as "[image]"/"[audio]", tool results cut."""
    if isinstance(m, UserMessage):
        if isinstance(m.content, str):
            return f"User: {m.content}"
        parts = [
            p.text if isinstance(p, TextPart) else "[image]" if isinstance(p, ImagePart) else "[audio]"
            for p in m.content
        ]
        return "User: " + " ".join(parts)
    if isinstance(m, AssistantMessage):
        calls = "; ".join(f"{c.name}({c.arguments})" for c in m.tool_calls)
        return "Assistant: " + " ".join(filter(None, [m.text, f"[calls {calls}]" if calls else ""]))
    if isinstance(m, ToolResultMessage):
        content = (
            m.content if len(m.content) <= _TOOL_RESULT_CHARS else m.content[:_TOOL_RESULT_CHARS] + " [...]"
        )
        return f"Tool {m.name} ({m.status}): {content}"
    return f"System: {m.content}"
