"""Lax coercion of tool arguments, guided by the JSON schema.

Servers and small models often send bare values as strings: vLLM's Gemma 4 parser can return
`"42"`, `"true"`, `"[1, 2]"` or `'{"a": 1}'` where the schema declares a number, a boolean, an
array or an object. This pass turns such a string into the declared type when it parses as one,
before validation. The rules:

- A value the schema already accepts is never changed (so `str | list[int]` keeps `"[1,2]"`).
- A string becomes an integer, number, boolean (`true`/`false`, any case), null (`null`), array
  or object, trying the schema's declared types in order; the result is then coerced further
  (`"[\\"1\\"]"` for `list[int]` becomes `[1]`).
- An integer or float becomes a string where the schema wants a string and no number.
- `anyOf` / `oneOf` branches are tried in order; the first that validates after coercion wins.
- Objects and arrays are walked through `properties`, `additionalProperties`,
  `patternProperties`, `items` and `prefixItems`; local `$ref`s are followed.
- When nothing validates, the value is returned unchanged, so that the validation error speaks
  of what the model actually sent.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

_NOTHING = object()
_MAX_DEPTH = 64  # a guard against `$ref` cycles that never descend into the value


def coerce(value: Any, schema: dict[str, Any], validator: Validator) -> Any:
    """`value` coerced towards `schema`, a part of (or all of) `validator`'s root schema."""
    return _coerce(value, schema, _Checker(validator), 0)


class _Checker:
    """Validates values against parts of one root schema, each part's validator made once.

    Making one (`Validator.evolve`) costs about as much as checking a small value, and the walk
    checks every item of an array against the same part.
    """

    def __init__(self, validator: Validator) -> None:
        self.root = validator.schema
        self._validator = validator
        # Keyed by id; the schema is kept alive with its validator so that no id is reused.
        self._made: dict[int, tuple[Any, Validator]] = {}

    def accepts(self, value: Any, schema: Any) -> bool:
        made = self._made.get(id(schema))
        if made is None:
            made = self._made[id(schema)] = (schema, self._validator.evolve(schema=schema))
        return bool(made[1].is_valid(value))


def _coerce(value: Any, schema: Any, checker: _Checker, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return value
    if _accepts(checker, value, schema):
        return value
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = _resolve(checker.root, ref)
        if target is None:
            return value
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        return _coerce(value, {**target, **siblings}, checker, depth + 1)

    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            value = _first_branch(value, branches, checker, depth)
    for sub in schema.get("allOf") or []:
        value = _coerce(value, sub, checker, depth + 1)

    types = _types(schema)
    if isinstance(value, str):
        return _from_string(value, schema, types, checker, depth)
    if isinstance(value, int | float) and not isinstance(value, bool):
        wants_number = "number" in types or "integer" in types
        if "string" in types and not wants_number and _in_enum(str(value), schema):
            return str(value)
        return value
    if isinstance(value, dict):
        return {k: _coerce(v, _property_schema(schema, k), checker, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_coerce(v, _item_schema(schema, i), checker, depth + 1) for i, v in enumerate(value)]
    return value


def _first_branch(value: Any, branches: list[Any], checker: _Checker, depth: int) -> Any:
    for branch in branches:
        candidate = _coerce(value, branch, checker, depth + 1)
        if _accepts(checker, candidate, branch):
            return candidate
    return value


def _from_string(value: str, schema: dict[str, Any], types: list[str], checker: _Checker, depth: int) -> Any:
    if "string" in types or not types:
        return value
    for kind in types:
        parsed = _parse_as(value, kind)
        if parsed is not _NOTHING:
            return _coerce(parsed, schema, checker, depth + 1)
    return value


def _parse_as(text: str, kind: str) -> Any:
    text = text.strip()
    if kind == "boolean":
        lowered = text.lower()
        return {"true": True, "false": False}.get(lowered, _NOTHING)
    if kind == "null":
        return None if text == "null" else _NOTHING
    try:
        parsed = json.loads(text)
    except ValueError:
        return _NOTHING
    if kind == "integer":
        if isinstance(parsed, float) and math.isfinite(parsed) and parsed.is_integer():
            return int(parsed)
        return parsed if isinstance(parsed, int) and not isinstance(parsed, bool) else _NOTHING
    if kind == "number":
        is_number = isinstance(parsed, int | float) and not isinstance(parsed, bool)
        return parsed if is_number and math.isfinite(parsed) else _NOTHING
    if kind == "array":
        return parsed if isinstance(parsed, list) else _NOTHING
    if kind == "object":
        return parsed if isinstance(parsed, dict) else _NOTHING
    return _NOTHING


def _types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    # No `type`: infer it from the keywords that only make sense for one type.
    if "properties" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema or "prefixItems" in schema:
        return ["array"]
    return []


def _in_enum(value: Any, schema: dict[str, Any]) -> bool:
    if "const" in schema and schema["const"] != value:
        return False
    enum = schema.get("enum")
    return not isinstance(enum, list) or value in enum


def _property_schema(schema: dict[str, Any], key: str) -> Any:
    properties = schema.get("properties")
    if isinstance(properties, dict) and key in properties:
        return properties[key]
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        if re.search(pattern, key):
            return sub
    return schema.get("additionalProperties")


def _item_schema(schema: dict[str, Any], index: int) -> Any:
    prefix = schema.get("prefixItems")
    items = schema.get("items")
    if isinstance(items, list):  # draft 7 tuple form
        prefix, items = items, schema.get("additionalItems")
    if isinstance(prefix, list) and index < len(prefix):
        return prefix[index]
    return items


def _accepts(checker: _Checker, value: Any, schema: Any) -> bool:
    return checker.accepts(value, schema)


def _resolve(root: Any, ref: str) -> Any:
    """A local JSON pointer (`#/$defs/Item`) in `root`, or None for anything else."""
    if not ref.startswith("#"):
        return None
    node = root
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node if isinstance(node, dict) else None
