"""The JSON schema of a plan for a toolset, for constrained decoding (vLLM structured outputs).

Each step is one of: an object per tool (`tool` fixed to its name, `args` that tool's parameters)
or a sub-goal (`goal`). Any argument value, at any depth, may instead be a reference
`{"$ref": "s1.path"}` to an earlier step's result, so a decoded plan always parses and every
call names a real tool with well-shaped arguments (the referenced values are checked when the
step runs, by the toolset's own validation).
"""

from __future__ import annotations

import copy
from typing import Any

from agents.models.base import OutputSchema
from agents.plan.models import REF_PATTERN, STEP_ID_PATTERN
from tools import Toolset
from tools.errors import ConfigError

DEFAULT_MAX_STEPS = 16

REF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"$ref": {"type": "string", "pattern": REF_PATTERN}},
    "required": ["$ref"],
    "additionalProperties": False,
}
"""A reference to an earlier step's result, allowed wherever an argument value is."""

_ID = {"type": "string", "pattern": STEP_ID_PATTERN}
_DEPS = {"type": "array", "items": _ID}


def plan_schema(
    toolset: Toolset,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_string_length: int | None = None,
    max_items: int | None = None,
) -> dict[str, Any]:
    """A JSON schema for `{"steps": [...]}`, each step a call to one of `toolset`'s tools or a sub-goal.

    Steps list their properties in the order `id`, `tool`/`goal`, `args`, `deps`, so a streamed
    plan names each step and its tool before its arguments. Tools' own `$defs` (recursive types)
    move to the root under `<tool>.<name>`, since `#/$defs/...` pointers resolve from the root.
    `max_string_length` and `max_items` bound the free strings and the arrays that set no bound of
    their own (a goal, a tool's text argument, `deps`): a small model would otherwise write one
    until max_tokens (the local profiles' `grammar_max_string_length` and `grammar_max_items`).
    """
    if max_steps < 1:
        raise ConfigError(f"plan_schema max_steps must be 1 or more, not {max_steps!r}.")
    defs: dict[str, Any] = {}
    choices: list[dict[str, Any]] = []
    for t in toolset:
        params = copy.deepcopy(t.parameters)
        own = params.pop("$defs", {})
        prefix = f"{t.name}."
        for name, sub in own.items():
            defs[prefix + name] = _refable_values(_rename_defs(sub, prefix))
        args = _refable_values(_rename_defs(params, prefix))
        choices.append(
            {
                "type": "object",
                "properties": {
                    "id": _ID,
                    "tool": {"type": "string", "const": t.name},
                    "args": args,
                    "deps": _DEPS,
                },
                "required": ["id", "tool", "args"],
                "additionalProperties": False,
            }
        )
    choices.append(
        {
            "type": "object",
            "properties": {"id": _ID, "goal": {"type": "string", "minLength": 1}, "deps": _DEPS},
            "required": ["id", "goal"],
            "additionalProperties": False,
        }
    )
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": {"anyOf": choices}, "minItems": 1, "maxItems": max_steps}
        },
        "required": ["steps"],
        "additionalProperties": False,
    }
    if defs:
        schema["$defs"] = defs
    if max_string_length is not None or max_items is not None:
        schema = _bounded(schema, max_string_length, max_items)
        schema["properties"]["steps"]["maxItems"] = max_steps  # the plan's own bound stays
    return schema


def _bounded(node: Any, max_length: int | None, max_items: int | None) -> Any:
    """`node` with `maxLength` on free strings and `maxItems` on arrays that set none."""
    if isinstance(node, list):
        return [_bounded(v, max_length, max_items) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _bounded(v, max_length, max_items) if k != "const" else v for k, v in node.items()}
    free = not any(k in node for k in ("pattern", "enum", "const", "format", "maxLength"))
    if node.get("type") == "string" and free and max_length is not None:
        out["maxLength"] = max_length
    if node.get("type") == "array" and "maxItems" not in node and max_items is not None:
        out["maxItems"] = max(max_items, node.get("minItems", 0))
    return out


def plan_output_schema(
    toolset: Toolset,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_string_length: int | None = None,
    max_items: int | None = None,
) -> OutputSchema:
    """`plan_schema` as a `ModelRequest.output_schema`, so the server constrains the plan."""
    schema = plan_schema(
        toolset, max_steps=max_steps, max_string_length=max_string_length, max_items=max_items
    )
    return OutputSchema(name="plan", schema=schema)


def joiner_schema(plan: dict[str, Any], answer: OutputSchema | None) -> OutputSchema:
    """What the joiner writes after a plan ran: `{"finish": <the answer>}`, or a revised plan
    (`plan`, a `plan_schema`), whose steps then run as it streams, as the first plan's did.

    The answer is under the agent's output type's schema (a string for a text answer). Both
    schemas' `$defs` move to the root, where `#/$defs/...` pointers find them; the answer's are
    renamed under `answer.` so that they cannot meet a tool's.
    """
    plan = copy.deepcopy(plan)
    defs: dict[str, Any] = plan.pop("$defs", {})
    inner: dict[str, Any] = {"type": "string"}
    if answer is not None:
        inner = _rename_defs(copy.deepcopy(answer.schema), "answer.")
    for name, sub in inner.pop("$defs", {}).items():
        defs["answer." + name] = sub
    finish = {
        "type": "object",
        "properties": {"finish": inner},
        "required": ["finish"],
        "additionalProperties": False,
    }
    schema: dict[str, Any] = {"anyOf": [finish, plan]}
    if defs:
        schema["$defs"] = defs
    return OutputSchema(name="join", schema=schema)


def _refable_values(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` where every property value and list item may also be a reference.

    The object itself (a tool's whole `args`) stays as it is: a reference stands for a value,
    not for the argument list.
    """
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _or_ref(v) for k, v in out["properties"].items()}
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _or_ref(out["additionalProperties"])
    if isinstance(out.get("items"), dict):
        out["items"] = _or_ref(out["items"])
    if isinstance(out.get("prefixItems"), list):
        out["prefixItems"] = [_or_ref(v) for v in out["prefixItems"]]
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(out.get(key), list):
            out[key] = [_refable_values(v) if isinstance(v, dict) else v for v in out[key]]
    return out


def _or_ref(schema: Any) -> Any:
    if not isinstance(schema, dict):  # `true` / `false` schemas
        return schema
    return {"anyOf": [_refable_values(schema), REF_SCHEMA]}


def _rename_defs(node: Any, prefix: str) -> Any:
    """`node` with `#/$defs/X` pointers renamed to `#/$defs/<prefix>X`."""
    if isinstance(node, dict):
        out = {k: _rename_defs(v, prefix) for k, v in node.items()}
        pointer = node.get("$ref")
        if isinstance(pointer, str) and pointer.startswith("#/$defs/"):
            out["$ref"] = "#/$defs/" + prefix + pointer.removeprefix("#/$defs/")
        return out
    if isinstance(node, list):
        return [_rename_defs(v, prefix) for v in node]
    return node
