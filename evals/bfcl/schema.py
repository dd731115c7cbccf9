"""BFCL function docs as the tool declarations an OpenAI-style function-calling model sees.

BFCL writes parameter types in its own vocabulary ("dict", "float", "tuple", "any", ...). For
function-calling models its harness maps them to JSON Schema types, marks floats with
`"format": "float"` and a sentence in the description, replaces dots in function names with
underscores (OpenAI-style names allow none), and appends a language hint to the description.
This module does the same, so that a model sees here what it sees on the leaderboard.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from evals.bfcl.data import PYTHON_HINT

# BFCL type name -> JSON Schema type, for its OpenAI-style handlers (unknown names -> "string").
JSON_TYPES: dict[str, str] = {
    "integer": "integer",
    "number": "number",
    "float": "number",
    "string": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "dict": "object",
    "object": "object",
    "tuple": "array",
    "any": "string",
}
FLOAT_NOTE = " This is a float type value."


@dataclass(frozen=True)
class ToolDecl:
    """One function as declared to the model: OpenAI-style name, description, JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]
    bfcl_name: str  # the name in BFCL's data (it may contain dots)


def tool_name(bfcl_name: str) -> str:
    """The name a function-calling model sees and calls: dots become underscores."""
    return bfcl_name.replace(".", "_")


def _json_type(bfcl_type: Any) -> str:
    return JSON_TYPES.get(bfcl_type, "string") if isinstance(bfcl_type, str) else "string"


def _cast_properties(properties: dict[str, Any]) -> dict[str, Any]:
    # The same walk as BFCL's: each property's type; then an object's properties, or an
    # array's item type (one more level for arrays of arrays, properties for arrays of dicts).
    for prop in properties.values():
        if "type" not in prop:
            prop["type"] = "string"
        else:
            if prop["type"] == "float":
                prop["format"] = "float"
                prop["description"] = prop.get("description", "") + FLOAT_NOTE
            prop["type"] = _json_type(prop["type"])
        if prop["type"] not in ("array", "object"):
            continue
        if "properties" in prop:
            prop["properties"] = _cast_properties(prop["properties"])
        elif "items" in prop:
            items = prop["items"]
            items["type"] = _json_type(items.get("type"))
            if items["type"] == "array" and "items" in items:
                items["items"]["type"] = _json_type(items["items"].get("type"))
            elif items["type"] == "object" and "properties" in items:
                items["properties"] = _cast_properties(items["properties"])
    return properties


def to_tool(function: dict[str, Any], *, hint: bool = True) -> ToolDecl:
    """The declaration of one BFCL function doc (the doc itself is left untouched).

    The doc's `response` schema (multi-turn functions have one) is not declared: OpenAI-style
    tool specs have no place for it.
    """
    doc = copy.deepcopy(function)
    parameters = dict(doc.get("parameters") or {})
    parameters["type"] = "object"
    parameters["properties"] = _cast_properties(dict(parameters.get("properties") or {}))
    description = str(doc.get("description", "")) + (PYTHON_HINT if hint else "")
    return ToolDecl(tool_name(doc["name"]), description, parameters, doc["name"])


def to_tools(functions: list[dict[str, Any]], *, hint: bool = True) -> list[ToolDecl]:
    """The declarations of several function docs, in order."""
    return [to_tool(f, hint=hint) for f in functions]
