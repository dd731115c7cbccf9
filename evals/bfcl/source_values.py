"""Gold values written as Java or JavaScript source text, the way a model answers those categories.

In simple_java and simple_javascript every argument is a string in the language's syntax
(`"50L"`, `"new ArrayList<>(Arrays.asList(\\"a\\", \\"b\\"))"`, `"{limit: 50}"`), which BFCL's
type converters parse back into values before comparing them with the gold answer. An oracle
needs the opposite direction: this module writes a gold value as such a string, in the form
the converters read.
"""

from __future__ import annotations

import json
from typing import Any

from evals.bfcl.data import Language


def _pick(value: Any) -> Any:
    # A gold HashMap value is a pattern of allowed values per key: take the first non-omitted one.
    if isinstance(value, dict):
        picked = {}
        for key, options in value.items():
            if isinstance(options, list):
                chosen = next((o for o in options if o != ""), None)
                if chosen is not None:
                    picked[key] = chosen
            else:
                picked[key] = options
        return picked
    return value


def _java_scalar(value: Any, kind: str | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "long" and isinstance(value, int):
        return f"{value}L"
    if kind == "float" and isinstance(value, int | float):
        return f"{value}f"
    if isinstance(value, int | float):
        return repr(value)
    return str(value)


def _java_literal(value: Any) -> str:
    # An untyped Java literal, as BFCL's `parse_java_value` reads one back.
    if isinstance(value, str):
        return f'"{value}"'
    return _java_scalar(value, None)


def java_source(value: Any, declared: dict[str, Any]) -> str:
    """`value` as the Java source string for a parameter declared as `declared`."""
    kind = declared.get("type")
    item = (declared.get("items") or {}).get("type")
    if kind == "Array" and isinstance(value, list):
        element = {"String": "String", "integer": "int", "char": "char"}.get(item or "", "Object")
        return f"new {element}[]{{{', '.join(_java_scalar(v, item) for v in value)}}}"
    if kind == "ArrayList" and isinstance(value, list):
        if not value:
            return "new ArrayList<>()"
        parts = [f'"{v}"' if item in ("String", "char") else _java_scalar(v, item) for v in value]
        return f"new ArrayList<>(Arrays.asList({', '.join(parts)}))"
    if kind == "HashMap" and isinstance(value, dict):
        puts = " ".join(f'put("{k}", {_java_literal(v)});' for k, v in _pick(value).items())
        return f"new HashMap<String, Object>() {{{{ {puts} }}}}"
    return _java_scalar(value, kind)


def _js_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_js_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_js_literal(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def javascript_source(value: Any, declared: dict[str, Any]) -> str:
    """`value` as the JavaScript source string for a parameter declared as `declared`."""
    kind = declared.get("type")
    if kind == "Bigint" and isinstance(value, int):
        return f"{value}n"
    if kind in ("array", "dict") and isinstance(value, list | dict):
        return _js_literal(value)  # a dict value is already concrete (gold.py picks for "dict")
    if isinstance(value, bool | int | float) or value is None:
        return _js_literal(value)
    return str(value)


def source_value(language: Language, value: Any, declared: dict[str, Any]) -> Any:
    """A gold value as the model sends it in `language` (Python values pass through)."""
    if language == "java":
        return java_source(value, declared)
    if language == "javascript":
        return javascript_source(value, declared)
    return value
