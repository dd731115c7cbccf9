"""The messages that send an invalid call back to the model: what was wrong, what was expected,
and what to do. They are read by a small model, so they are short, literal and name the tool.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

_MAX_GOT = 80  # characters of an offending value quoted back; the model sent it, it needs no more


def unknown_tool(name: str, available: Sequence[str]) -> str:
    names = ", ".join(f"`{n}`" for n in available) or "(none)"
    return (
        f"Unknown tool `{name}`. Available tools: {names}.\n"
        "Call one of the available tools by its exact name, or answer without calling a tool."
    )


def invalid_arguments(tool: str, problems: Sequence[str], schema: dict[str, Any]) -> str:
    lines = "\n".join(f"- {p}" for p in problems)
    expected = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    return (
        f"Invalid arguments for tool `{tool}`:\n{lines}\n"
        f"Expected arguments (JSON schema): {expected}\n"
        f"Fix the arguments and call `{tool}` again."
    )


def path(parts: Iterable[str | int]) -> str:
    """`items[0].name` for `("items", 0, "name")`; `(arguments)` for the whole object."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(arguments)"


def got(value: Any) -> str:
    """The offending value as the model wrote it (JSON), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if isinstance(value, str):
        text = repr(value)  # `'three'` reads better than `"three"` after "got"
    return text if len(text) <= _MAX_GOT else text[: _MAX_GOT - 3] + "..."
