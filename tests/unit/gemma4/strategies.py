"""A fixed set of rich tool schemas, and hypothesis strategies for arguments valid against them.

`grammar_safe=True` keeps to what the compiled grammar allows on top of the schema (no `<|` or
`|>` in strings, no '<' or '|' in length-bounded strings, declared key order, exponents under 100).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from agents.gemma4 import TextSegment, ThoughtSegment, render_call, render_thought

NASTY = [
    '"',
    "'",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\n",
    "\t",
    "\\",
    "<",
    "|",
    ">",
    " ",
    "é",
    "😀",
    "中",
    "\x00",
]

TOOLS: list[dict[str, Any]] = [
    {
        "name": "get_weather",
        "description": "Weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 14},
                "hourly": {"type": "boolean"},
            },
            "required": ["city", "days"],
        },
    },
    {
        "name": "search_files",
        "description": "Search files.",
        "parameters": {
            "type": "object",
            "properties": {
                "max_results": {"type": "integer", "minimum": 0},
                "query": {"type": "string", "minLength": 1, "maxLength": 40},
                "paths": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 4},
                "case_sensitive": {"type": "boolean"},
            },
            "required": ["query", "paths"],
            "additionalProperties": False,
        },
    },
    {
        "name": "create_event",
        "description": "Create a calendar event.",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "attendees": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                        "required": ["name"],
                    },
                    "maxItems": 3,
                },
                "reminder": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "location": {
                    "type": "object",
                    "properties": {
                        "address": {"type": "string"},
                        "lat": {"type": "number", "minimum": -90, "maximum": 90},
                        "lon": {"type": "number", "minimum": -180, "maximum": 180},
                    },
                    "required": ["lat", "lon"],
                },
            },
            "required": ["title", "attendees"],
        },
    },
    {
        "name": "set_thermostat",
        "description": "Set a thermostat.",
        "parameters": {
            "type": "object",
            "properties": {
                "temperature": {"type": "number", "minimum": 5, "maximum": 35},
                "mode": {"const": "heat"},
                "zone": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "required": ["temperature", "mode"],
        },
    },
    {
        "name": "send_message",
        "description": "Send a message.",
        "parameters": {
            "type": "object",
            "properties": {
                "to": {"type": "string"},
                "body": {"type": "string"},
                "priority": {"enum": [1, 2, 3]},
                "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            },
            "required": ["to", "body"],
        },
    },
    {
        "name": "run_sql",
        "description": "Run a read-only query.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "params": {"type": "array", "items": {"type": ["string", "number", "boolean", "null"]}},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
            },
            "required": ["query"],
        },
    },
    {
        "name": "update_config",
        "description": "Update settings.",
        "parameters": {
            "type": "object",
            "properties": {
                "settings": {"type": "object"},
                "user-id": {"type": "string"},
                "display name": {"type": "string"},
                "dry_run": {"type": "boolean"},
            },
            "required": ["settings"],
        },
    },
    {
        "name": "plot",
        "description": "Plot series.",
        "parameters": {
            "type": "object",
            "$defs": {
                "Options": {
                    "type": "object",
                    "properties": {
                        "color": {"type": "string", "enum": ["red", "green", "blue"]},
                        "width": {"type": "integer", "minimum": 1, "maximum": 10},
                    },
                    "required": ["color"],
                }
            },
            "properties": {
                "series": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "number"}, "minItems": 1},
                    "minItems": 1,
                    "maxItems": 3,
                },
                "title": {"type": ["string", "null"]},
                "options": {"$ref": "#/$defs/Options"},
                "ids": {"anyOf": [{"type": "array", "items": {"type": "integer"}}, {"type": "null"}]},
            },
            "required": ["series"],
        },
    },
    {"name": "noop", "description": "Does nothing.", "parameters": {"type": "object", "properties": {}}},
]
TOOLS_BY_NAME = {t["name"]: t for t in TOOLS}
SPECS = [{"type": "function", "function": t} for t in TOOLS]


def text(*, grammar_safe: bool, min_size: int = 0, max_size: int | None = 30) -> st.SearchStrategy[str]:
    """Strings full of the characters that break naive parsers."""
    alphabet = st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8"))
    strings = st.text(alphabet, min_size=min_size, max_size=max_size)
    if grammar_safe:
        return strings.filter(lambda s: "<|" not in s and "|>" not in s)
    return strings.filter(lambda s: '<|"|>' not in s)


def bounded_text(min_size: int, max_size: int | None) -> st.SearchStrategy[str]:
    alphabet = st.characters(codec="utf-8", exclude_characters="<|")
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def numbers(lo: float | None = None, hi: float | None = None) -> st.SearchStrategy[float]:
    lo = -1e50 if lo is None else lo
    hi = 1e50 if hi is None else hi
    floats = st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)
    # Exponents stay under 100 (the grammar's limit) and -0.0 is written as 0.0.
    return floats.filter(lambda x: x == 0 or abs(x) > 1e-50).map(lambda x: x + 0.0)


KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)


def json_values(*, grammar_safe: bool) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(-(10**12), 10**12), numbers(), text(grammar_safe=grammar_safe)
    )
    keys = KEYS if grammar_safe else text(grammar_safe=False, max_size=8)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    return schema


def values_for(schema: Any, root: dict[str, Any], *, grammar_safe: bool) -> st.SearchStrategy[Any]:
    """Values valid against `schema` (the subset of JSON Schema used in TOOLS)."""
    if not isinstance(schema, dict) or not schema:
        return json_values(grammar_safe=grammar_safe)
    schema = _resolve(schema, root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([values_for(s, root, grammar_safe=grammar_safe) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([values_for({**schema, "type": k}, root, grammar_safe=grammar_safe) for k in kind])
    if kind == "string":
        lo, hi = schema.get("minLength"), schema.get("maxLength")
        if grammar_safe and (lo is not None or hi is not None):
            return bounded_text(lo or 0, hi)
        return text(grammar_safe=grammar_safe, min_size=lo or 0, max_size=hi if hi is not None else 30)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(10**9)), schema.get("maximum", 10**9))
    if kind == "number":
        plain = "minimum" in schema and "maximum" in schema and grammar_safe
        floats = numbers(schema.get("minimum"), schema.get("maximum"))
        if plain:  # the grammar writes bounded numbers without exponent, as repr does in this range
            floats = floats.filter(lambda x: "e" not in repr(x))
        return st.one_of(
            floats,
            st.integers(int(schema.get("minimum", -1000)), int(schema.get("maximum", 1000))),
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = values_for(schema.get("items", {}), root, grammar_safe=grammar_safe)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 4))
    if kind == "object":
        return objects_for(schema, root, grammar_safe=grammar_safe)
    raise AssertionError(f"schema not covered by the test strategies: {schema}")


def objects_for(
    schema: dict[str, Any], root: dict[str, Any], *, grammar_safe: bool
) -> st.SearchStrategy[Any]:
    props: dict[str, Any] = schema.get("properties") or {}
    if not props:
        extra = schema.get("additionalProperties")
        keys = KEYS if grammar_safe else text(grammar_safe=False, max_size=8)
        if isinstance(extra, dict):
            return st.dictionaries(keys, values_for(extra, root, grammar_safe=grammar_safe), max_size=3)
        if "properties" in schema:
            return st.just({})
        return st.dictionaries(keys, json_values(grammar_safe=grammar_safe), max_size=3)
    required = set(schema.get("required", []))
    strategies = {k: values_for(v, root, grammar_safe=grammar_safe) for k, v in props.items()}
    built = st.fixed_dictionaries(
        {k: s for k, s in strategies.items() if k in required},
        optional={k: s for k, s in strategies.items() if k not in required},
    )
    order = list(props)
    return built.map(lambda d: {k: d[k] for k in order if k in d})  # declared order


def calls(*, grammar_safe: bool) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(tool name, valid arguments) for a tool from TOOLS."""
    return st.sampled_from(TOOLS).flatmap(
        lambda t: objects_for(t["parameters"], t["parameters"], grammar_safe=grammar_safe).map(
            lambda args: (t["name"], args)
        )
    )


def plain_text() -> st.SearchStrategy[str]:
    """Text between calls: anything that holds no marker (markers always start with '<' and hold '|')."""
    return text(grammar_safe=False).filter(lambda s: "<|" not in s and "|>" not in s and s != "")


def render_items(items: list[Any]) -> tuple[str, list[Any]]:
    out: list[str] = []
    expected: list[Any] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
            if expected and expected[-1][0] == "text":
                expected[-1] = ("text", expected[-1][1] + item)
            else:
                expected.append(("text", item))
        elif item[0] == "thought":
            if "<channel|>" in item[1]:
                continue
            out.append(render_thought(item[1]))
            expected.append(("thought", item[1]))
        else:
            out.append(render_call(*item))
            expected.append(("call", item))
    return "".join(out), expected


def summary(segments: list[Any]) -> list[Any]:
    out: list[Any] = []
    for s in segments:
        if isinstance(s, TextSegment):
            out.append(("text", s.text))
        elif isinstance(s, ThoughtSegment):
            out.append(("thought", s.text))
        else:
            out.append(("call", (s.call.name, s.call.arguments)))
    return out
