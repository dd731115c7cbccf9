"""Gold calls from BFCL ground truth: concrete calls an oracle can replay.

AST answers list allowed values per parameter (`""` meaning "may be omitted", dict values as
patterns of allowed values per key); a replayable call takes the first allowed value of each
parameter the function declares. Multi-turn answers are Python call strings such as
`"cd(folder='document')"` or `"sort('final_report.pdf')"`; positional arguments are named
from the backend method's signature.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from typing import Any

from evals.bfcl.ast_checker import PYTHON_TYPES
from evals.bfcl.schema import tool_name

_OMIT = object()


def _first(allowed: Any) -> Any:
    if not isinstance(allowed, list):
        return allowed
    for value in allowed:
        if value != "":
            return value
    return _OMIT


def _fits(value: Any, declared: dict[str, Any]) -> bool:
    expected = PYTHON_TYPES.get(declared.get("type", ""))
    if expected is float and type(value) is int:
        return True
    return expected is None or type(value) is expected


def _choose(allowed: Any, declared: dict[str, Any]) -> Any:
    # The first allowed value of the declared type; else omitted, where "" allows it; else
    # the first value (a few answers hold values of another type, which BFCL accepts as
    # "variables" but a schema-validating toolset would send back).
    if not isinstance(allowed, list):
        return allowed
    for value in allowed:
        if value != "" and _fits(value, declared):
            return value
    return _OMIT if "" in allowed else _first(allowed)


def _dict_value(pattern: dict[str, Any]) -> dict[str, Any]:
    chosen = {key: _first(options) for key, options in pattern.items()}
    return {key: value for key, value in chosen.items() if value is not _OMIT}


def _concrete(value: Any, declared: dict[str, Any]) -> Any:
    if declared.get("type") == "dict" and isinstance(value, dict):
        return _dict_value(value)
    items = declared.get("items") or {}
    if declared.get("type") in ("array", "tuple") and items.get("type") == "dict" and isinstance(value, list):
        return [_dict_value(v) if isinstance(v, dict) else v for v in value]
    return value


def ast_gold_calls(
    functions: list[dict[str, Any]], ground_truth: list[dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """One replayable `(tool name, arguments)` per gold call of an AST entry."""
    docs = {f["name"]: f for f in functions}
    calls = []
    for gold in ground_truth:
        ((name, params),) = gold.items()
        properties = docs[name]["parameters"]["properties"]
        arguments = {}
        for param, allowed in params.items():
            if param not in properties:
                continue  # the gold answer allows it only as omitted ("")
            value = _choose(allowed, properties[param])
            if value is not _OMIT:
                arguments[param] = _concrete(value, properties[param])
        calls.append((tool_name(name), arguments))
    return calls


def parse_call(
    text: str, signature_of: Callable[[str], inspect.Signature | None]
) -> tuple[str, dict[str, Any]]:
    """`(name, keyword arguments)` of one multi-turn gold call string.

    `signature_of(name)` gives the backend method's signature, to name positional arguments.
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"BFCL gold call {text!r} is not a Python call: {e}") from e
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        raise ValueError(f"BFCL gold call {text!r} is not a plain function call.")
    name = node.func.id
    arguments: dict[str, Any] = {}
    if node.args:
        signature = signature_of(name)
        if signature is None:
            raise ValueError(
                f"BFCL gold call {text!r} passes positional arguments to unknown function {name!r}."
            )
        names = [p.name for p in signature.parameters.values()]
        if len(node.args) > len(names):
            raise ValueError(f"BFCL gold call {text!r} passes more positional arguments than {name} takes.")
        for param, arg in zip(names, node.args, strict=False):
            arguments[param] = ast.literal_eval(arg)
    for keyword in node.keywords:
        if keyword.arg is None:
            raise ValueError(f"BFCL gold call {text!r} uses **kwargs, which cannot be replayed.")
        arguments[keyword.arg] = ast.literal_eval(keyword.value)
    return name, arguments
