"""Writing values, declarations, calls, results and thoughts in Gemma 4's native format.

The output matches what the project's chat template (`chat_template.jinja`) renders for the
same data, so text we render and text the server renders read the same to the model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from agents.gemma4._syntax import (
    BARE_KEY,
    CALL_CLOSE,
    CALL_OPEN,
    RESPONSE_CLOSE,
    RESPONSE_OPEN,
    STRING_DELIM,
    THOUGHT_CLOSE,
    THOUGHT_OPEN,
    THOUGHT_PREFIX,
    TOOL_DECL_CLOSE,
    TOOL_DECL_OPEN,
)
from agents.gemma4.errors import RenderError
from tools import ToolCall


def render_string(text: str) -> str:
    """A string value between `<|"|>` delimiters (the only thing it may not hold is the delimiter)."""
    if STRING_DELIM in text:
        raise RenderError(
            f"Cannot write a string holding the delimiter {STRING_DELIM!r} in Gemma 4's format "
            f"(string starts {text[:40]!r}); remove or replace the delimiter first."
        )
    return f"{STRING_DELIM}{text}{STRING_DELIM}"


def render_key(key: str) -> str:
    """An object key: bare when it is a plain identifier, delimited otherwise."""
    if not isinstance(key, str):
        raise RenderError(f"Object keys must be strings, got {type(key).__name__} {key!r}.")
    return key if BARE_KEY.fullmatch(key) else render_string(key)


def render_value(value: Any) -> str:
    """Any JSON-compatible Python value (str, int, float, bool, None, dict, list/tuple)."""
    if isinstance(value, str):
        return render_string(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RenderError(f"Cannot write the non-finite number {value!r}; JSON numbers are finite.")
        return repr(value)
    if isinstance(value, Mapping):
        return render_object(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(render_value(v) for v in value) + "]"
    raise RenderError(
        f"Cannot write a {type(value).__name__} in Gemma 4's format; pass JSON-compatible data "
        "(str, int, float, bool, None, dict, list)."
    )


def render_object(obj: Mapping[str, Any]) -> str:
    """`{key:value,...}` in the mapping's own order."""
    return "{" + ",".join(f"{render_key(k)}:{render_value(v)}" for k, v in obj.items()) + "}"


def render_call(name: str, arguments: Mapping[str, Any]) -> str:
    """One call: `<|tool_call>call:NAME{...}<tool_call|>`."""
    return f"{CALL_OPEN}call:{name}{render_object(arguments)}{CALL_CLOSE}"


def render_tool_call(call: ToolCall) -> str:
    """A `tools.ToolCall` whose arguments are a dict (raw JSON text is decoded first)."""
    args = call.arguments
    if isinstance(args, str):
        import json

        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError as e:
            raise RenderError(f"Call {call.name!r} has arguments that are not JSON: {e}.") from e
    if not isinstance(args, Mapping):
        raise RenderError(f"Call {call.name!r} has arguments that are not an object: {args!r}.")
    return render_call(call.name, args)


def render_calls(calls: Iterable[ToolCall]) -> str:
    """Several calls back to back, as the model writes them."""
    return "".join(render_tool_call(c) for c in calls)


def render_declaration(spec: Mapping[str, Any]) -> str:
    """A tool declaration from an OpenAI function spec (`{"type": "function", "function": {...}}`
    or the inner `{"name", "description", "parameters"}`)."""
    fn = spec.get("function", spec)
    name = fn.get("name")
    if not isinstance(name, str) or not name:
        raise RenderError(f"A tool declaration needs a name; got spec {dict(spec)!r}.")
    description = fn.get("description") or ""
    parameters = fn.get("parameters") or {}
    return (
        f"{TOOL_DECL_OPEN}declaration:{name}{{description:{render_string(description)},"
        f"parameters:{render_value(parameters)}}}{TOOL_DECL_CLOSE}"
    )


def render_declarations(specs: Iterable[Mapping[str, Any]]) -> str:
    """All declarations, as they appear in the system turn."""
    return "".join(render_declaration(s) for s in specs)


def render_response(name: str, value: Any) -> str:
    """A tool result: a mapping is written as the response object, anything else as `{value:...}`."""
    body = render_object(value) if isinstance(value, Mapping) else render_object({"value": value})
    return f"{RESPONSE_OPEN}response:{name}{body}{RESPONSE_CLOSE}"


def render_thought(text: str) -> str:
    """A thinking block: `<|channel>thought\\n...<channel|>`."""
    if THOUGHT_CLOSE in text:
        raise RenderError(f"A thought cannot hold {THOUGHT_CLOSE!r}; it would end the block early.")
    return f"{THOUGHT_OPEN}{THOUGHT_PREFIX}{text}{THOUGHT_CLOSE}"
