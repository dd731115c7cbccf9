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
from evals.bfcl.data import Language
from evals.bfcl.schema import tool_name
from evals.bfcl.source_values import source_value

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
    functions: list[dict[str, Any]], ground_truth: list[dict[str, Any]], language: Language = "python"
) -> list[tuple[str, dict[str, Any]]]:
    """One replayable `(tool name, arguments)` per gold call of an AST entry.

    For Java and JavaScript entries, values are written as that language's source strings.
    """
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
                concrete = _concrete(value, properties[param])
                arguments[param] = source_value(language, concrete, properties[param])
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


def gold_defects(
    entry_functions: list[dict[str, Any]], ground_truth: list[dict[str, Any]], language: Language
) -> list[str]:
    """Why no answer can match this AST gold answer under BFCL's rules (empty when one can).

    A handful of BFCL entries have gold answers that contradict their own function docs: a
    required parameter the gold answer omits or allows no value for, a gold parameter the
    function does not declare, a dict value written as a bare string instead of a list of
    allowed values, or Java list items of type any (which BFCL's converter always reads as
    strings) that the gold answer wants as numbers or booleans. BFCL's checker fails every
    answer to them, an oracle's included.
    """
    docs = {f["name"]: f for f in entry_functions}
    defects = []
    for gold in ground_truth:
        ((name, params),) = gold.items()
        parameters = docs[name]["parameters"]
        properties = parameters["properties"]
        for param in parameters.get("required", []):
            allowed = params.get(param)
            if allowed is None or not [a for a in allowed if a != ""]:
                defects.append(f"{name}: required parameter {param!r} has no allowed value")
        for param, allowed in params.items():
            if param not in properties and "" not in allowed:
                defects.append(f"{name}: gold parameter {param!r} is not declared")
                continue
            declared = properties.get(param, {})
            for value in allowed:
                if isinstance(value, dict) and any(not isinstance(v, list) for v in value.values()):
                    defects.append(f"{name}: dict value of {param!r} is not a list of allowed values")
                items = (declared.get("items") or {}).get("type")
                java_any_list = language == "java" and declared.get("type") == "ArrayList" and items == "any"
                if java_any_list and isinstance(value, list) and any(not isinstance(v, str) for v in value):
                    defects.append(f"{name}: {param!r} wants non-string items of Java type any")
    return defects
