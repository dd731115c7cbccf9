"""Tool calls as the model made them, and their results as the model will see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ResultStatus = Literal["ok", "error", "retry", "denied"]
Effect = Literal["read_only", "idempotent", "unsafe"]
"""What running a tool does to the world, which decides what a resumed run may do with a call that
was in flight when the process died: a `read_only` or `idempotent` call runs again (with the same
idempotency key), an `unsafe` one is handed to the caller to decide and never re-run silently."""


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for.

    `arguments` is a dict when the call was parsed already (our Gemma 4 codec, scripted
    models) and the raw JSON text when it came from an OpenAI-compatible server.
    """

    id: str
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)


@dataclass(frozen=True)
class ToolResult:
    """What came of one call.

    `content` is the text the model sees. `value` is the tool's Python return value (None
    unless status is "ok"). Status "retry" means the call was invalid and the content tells
    the model what to fix; "error" that the tool raised or timed out; "denied" that an
    approval hook refused it.
    """

    call_id: str
    name: str
    content: str
    status: ResultStatus = "ok"
    value: Any = None
    arguments: dict[str, Any] | None = None  # the validated arguments, when they validated
    duration_s: float = 0.0


@dataclass(frozen=True)
class ToolOutput:
    """A return value that says itself what the model reads (`text`), for tools whose results
    hold more than text: images or structured data (an MCP server's results, for one). The
    whole object stays in `ToolResult.value` for the program."""

    text: str
