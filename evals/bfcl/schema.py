"""BFCL function docs as the tool declarations an OpenAI-style function-calling model sees.

BFCL writes parameter types in its own vocabulary ("dict", "float", "tuple", "any", ...). For
function-calling models its harness maps them to JSON Schema types, marks floats with
`"format": "float"` and a sentence in the description, replaces dots in function names with
underscores (OpenAI-style names allow none), and appends a language hint to the description.
This module does the same, so that a model sees here what it sees on the leaderboard.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from evals.bfcl.data import JAVA_HINT, JS_HINT, PYTHON_HINT, Language

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
    # Java and JavaScript names (their categories declare every parameter a string, but an
    # item type may still be one of these)
    "byte": "integer",
    "short": "integer",
    "long": "integer",
    "double": "number",
    "char": "string",
    "ArrayList": "array",
    "Array": "array",
    "HashMap": "object",
    "Hashtable": "object",
    "Queue": "array",
    "Stack": "array",
    "Any": "string",
    "String": "string",
    "Bigint": "integer",
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


_HINTS: dict[Language, str] = {"python": PYTHON_HINT, "java": JAVA_HINT, "javascript": JS_HINT}
_LANGUAGE_NAMES: dict[Language, str] = {"java": "Java", "javascript": "JavaScript"}
_LISTS: dict[Language, tuple[str, ...]] = {"java": ("ArrayList", "Array"), "javascript": ("array",)}


def _as_strings(properties: dict[str, Any], language: Language) -> None:
    # BFCL's Java and JavaScript preprocessing: every parameter becomes a string in the
    # language's own syntax, and its description says what the string must hold.
    name = _LANGUAGE_NAMES[language]
    for prop in properties.values():
        kind = prop["type"]
        if kind == "any":
            prop["description"] += (
                f" This parameter can be of any type of {name} object in string representation."
            )
        else:
            prop["description"] += f" This is {name} {kind} type parameter in string representation."
        if kind in _LISTS[language]:
            prop["description"] += (
                f" The list elements are of type {prop['items']['type']};"
                " they are not in string representation."
            )
            del prop["items"]
        if language == "javascript" and kind == "dict" and "properties" in prop:
            prop["description"] += (
                " The dictionary entries have the following schema; they are not in string "
                f"representation. {json.dumps(prop['properties'])}"
            )
            del prop["properties"]
        prop["type"] = "string"


def to_tool(function: dict[str, Any], *, language: Language = "python", hint: bool = True) -> ToolDecl:
    """The declaration of one BFCL function doc (the doc itself is left untouched).

    `language` is the category's ("java" and "javascript" take every argument as a string in
    that language's syntax). The doc's `response` schema (multi-turn functions have one) is
    not declared: OpenAI-style tool specs have no place for it.
    """
    doc = copy.deepcopy(function)
    parameters = dict(doc.get("parameters") or {})
    properties = dict(parameters.get("properties") or {})
    if language != "python":
        _as_strings(properties, language)
    parameters["type"] = "object"
    parameters["properties"] = _cast_properties(properties)
    description = str(doc.get("description", "")) + (_HINTS[language] if hint else "")
    return ToolDecl(tool_name(doc["name"]), description, parameters, doc["name"])


def to_tools(
    functions: list[dict[str, Any]], *, language: Language = "python", hint: bool = True
) -> list[ToolDecl]:
    """The declarations of several function docs, in order."""
    return [to_tool(f, language=language, hint=hint) for f in functions]
