"""BFCL's AST scoring of single-turn function calls, written here with the official semantics.

The rules, as BFCL v4 applies them to Python categories for function-calling models:

- The calls are decoded first: arguments given as JSON text must parse, and every call's
  arguments must be an object; otherwise the answer is not in function-calling format.
- simple: exactly one call. multiple: as many calls as the gold answer (one), checked against
  the function the gold answer names. parallel and parallel_multiple: as many calls as the gold
  answer, in any order; each gold call in turn takes the first unused call that matches it
  (a greedy pass, as the official checker does, not a best matching).
- One call matches a gold call when its name is the function's name with dots made
  underscores; every required parameter is present; every parameter it passes is declared and
  listed in the gold answer; each value has the declared type (an int is accepted for a float;
  a value of the gold answer's own type is accepted as a "variable" and compared as is) and is
  one of the allowed values (strings compared after dropping spaces and `,./-_*^`, lower-cased,
  `'` made `"`; the same for strings directly inside lists and dicts); and every gold parameter
  it leaves out allows "" (BFCL's mark for "may be omitted").
- Java and JavaScript (simple_java, simple_javascript): every value must be a string, which is
  converted from the language's syntax by BFCL's own type converters (read from the installed
  package) before the checks above; the converted value is checked against the declared type's
  Python counterpart, with no int-for-float allowance.
- irrelevance and live_irrelevance: pass when no call was made (or, as in BFCL, when the calls
  cannot be decoded). live_relevance: passes when at least one decodable call was made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from evals.bfcl import _package
from evals.bfcl.data import Language, language_of
from evals.bfcl.schema import tool_name

# BFCL type name -> the Python type a decoded value must have (Python categories).
PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
_NESTED = ("array", "tuple")  # types whose items are type-checked too (one level deep)
_STRIP = re.compile(r"[ ,./\-_*^]")


@dataclass(frozen=True)
class ModelCall:
    """One call as the model made it: a name, and arguments as a dict or as JSON text."""

    name: str
    arguments: Any


@dataclass(frozen=True)
class AstResult:
    """The verdict on one entry: valid or not, what went wrong, and an error kind."""

    valid: bool
    error: str = ""
    error_type: str = ""


_OK = AstResult(True)


def _fail(error_type: str, error: str) -> AstResult:
    return AstResult(False, error, error_type)


def standardize(text: str) -> str:
    """BFCL's string normalisation: no spaces or `,./-_*^`, lower case, `'` as `"`."""
    return _STRIP.sub("", text).lower().replace("'", '"')


def decode(calls: Sequence[ModelCall]) -> list[tuple[str, Any]] | None:
    """The calls with JSON-text arguments parsed, or None when any cannot be parsed."""
    decoded = []
    for call in calls:
        arguments = call.arguments
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError:
                return None
        decoded.append((call.name, arguments))
    return decoded


def _well_formed(decoded: list[tuple[str, Any]]) -> bool:
    return all(isinstance(arguments, dict) for _, arguments in decoded)


# ---- value checks ---------------------------------------------------------------------


def _answer_type(allowed: Sequence[Any]) -> type | None:
    # The type of the first allowed value that is not the "may be omitted" mark.
    for value in allowed:
        if value != "":
            return type(value)
    return None


def _type_ok(value: Any, allowed: Sequence[Any], expected: type, nested: type | None) -> tuple[bool, bool]:
    """(type is acceptable, value is a "variable") for one parameter value."""
    answer_type = _answer_type(allowed)
    variable = answer_type is not None and answer_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, variable
        for option in allowed:
            # An allowed value that is not a list imposes nothing on the items.
            if not isinstance(option, list) or all(
                _type_ok(item, option, nested, None)[0] for item in cast(list[Any], value)
            ):
                return True, variable
        return False, False
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, False


def _std(value: Any) -> Any:
    return standardize(value) if type(value) is str else value


def _std_items(option: Any) -> list[Any] | None:
    # An allowed list with its strings normalised; "" (omitted) iterates as an empty list, as
    # in BFCL. None for an option that is not iterable at all.
    if isinstance(option, list | tuple | str):
        return [_std(item) for item in option]
    return None


def _string_ok(value: str, allowed: Sequence[Any]) -> bool:
    return standardize(value) in [standardize(a) for a in allowed if type(a) is str]


def _list_ok(value: list[Any], allowed: Sequence[Any]) -> bool:
    options = [items for items in (_std_items(a) for a in allowed) if items is not None]
    return [_std(item) for item in value] in options


def _dict_matches(value: Any, pattern: Any) -> bool:
    if not isinstance(value, dict) or not isinstance(pattern, dict):
        return False
    for key, item in value.items():
        if key not in pattern:
            return False
        options = _std_items(pattern[key])
        if options is None or _std(item) not in options:
            return False
    return all(key in value or "" in options for key, options in pattern.items())


def _dict_ok(value: dict[str, Any], allowed: Sequence[Any]) -> bool:
    return any(_dict_matches(value, pattern) for pattern in allowed if pattern != "")


def _list_of_dicts_ok(value: list[Any], allowed: Sequence[Any]) -> bool:
    for option in allowed:
        if not isinstance(option, list | tuple | str) or len(option) != len(value):
            continue
        if all(
            pattern != "" and _dict_matches(item, pattern)
            for item, pattern in zip(value, option, strict=True)
        ):
            return True
    return False


def _value_ok(
    value: Any, allowed: Sequence[Any], expected: type, nested: type | None, variable: bool
) -> bool:
    if not variable:
        if expected is dict:
            return _dict_ok(value, allowed)
        if expected is list and nested is dict:
            return _list_of_dicts_ok(value, allowed)
        if expected is str:
            return _string_ok(value, allowed)
        if expected is list:
            return _list_ok(value, allowed)
    return value in allowed  # plain Python equality, as BFCL compares everything else


# ---- one call -------------------------------------------------------------------------


# BFCL's element-typed collection types, per language: their items' type is declared too.
_CONVERTED_LISTS = ("Array", "ArrayList", "array")


def _converted(
    language: Language, declared: str, prop: dict[str, Any], value: Any
) -> tuple[Any, type, type | None] | AstResult:
    # A Java or JavaScript value: a string in that language's syntax, converted as BFCL does.
    # Returns (value, expected type, expected item type) or the failure.
    table = _package.type_conversion(language)
    expected = table.get(declared)
    if expected is None:
        return _fail("unknown_type", f"type {declared!r} is not a {language} type BFCL knows")
    if type(value) is not str:
        return _fail(
            f"type_error:{language}", f"{value!r} is a {type(value).__name__}, expected a {language} string"
        )
    convert = _package.type_converter(language)
    try:
        if declared in _CONVERTED_LISTS:
            item_type = prop.get("items", {}).get("type")
            return convert(value, declared, item_type), expected, table.get(item_type)
        return convert(value, declared), expected, None
    except (ValueError, NotImplementedError) as e:
        return _fail(f"type_error:{language}", f"cannot convert {value!r} to {declared}: {e}")


def check_call(
    function: dict[str, Any],
    name: str,
    arguments: dict[str, Any],
    gold: dict[str, Any],
    language: Language = "python",
) -> AstResult:
    """Whether one decoded call matches one gold call `{function: {param: [allowed]}}`."""
    allowed_by_param: dict[str, list[Any]] = next(iter(gold.values()))
    expected_name = tool_name(function["name"])
    if name != expected_name:
        return _fail("wrong_func_name", f"called {name!r}, expected {expected_name!r}")
    properties: dict[str, Any] = function["parameters"]["properties"]
    for param in function["parameters"].get("required", []):
        if param not in arguments:
            return _fail("missing_required", f"missing required parameter {param!r}")
    for param, value in arguments.items():
        if param not in properties or param not in allowed_by_param:
            return _fail("unexpected_param", f"unexpected parameter {param!r}")
        declared = properties[param]["type"]
        nested: type | None = None
        if language != "python":
            converted = _converted(language, declared, properties[param], value)
            if isinstance(converted, AstResult):
                return converted
            value, expected, nested = converted
        else:
            found = PYTHON_TYPES.get(declared)
            if found is None:
                return _fail(
                    "unknown_type", f"parameter {param!r} has type {declared!r}, which BFCL cannot check"
                )
            expected = found
            if declared in _NESTED:
                nested = PYTHON_TYPES.get(properties[param].get("items", {}).get("type"))
            if declared == "float" and type(value) is int:
                value = float(value)  # Python would take an int where a float is declared
        allowed = allowed_by_param[param]
        type_ok, variable = _type_ok(value, allowed, expected, nested)
        if not type_ok:
            return _fail("type_error", f"{param}={value!r} is not of type {declared}")
        if not _value_ok(value, allowed, expected, nested, variable):
            return _fail("value_error", f"{param}={value!r} is not one of {allowed!r}")
    for param, allowed in allowed_by_param.items():
        if param not in arguments and "" not in allowed:
            return _fail("missing_optional", f"parameter {param!r} is missing and the gold answer needs it")
    return _OK


# ---- whole entries --------------------------------------------------------------------


def _function(functions: Sequence[dict[str, Any]], gold: dict[str, Any]) -> dict[str, Any]:
    wanted = next(iter(gold))
    for function in functions:
        if function["name"] == wanted:
            return function
    raise ValueError(f"The gold answer calls {wanted!r}, which the entry's functions do not declare.")


def check_entry(
    category: str,
    functions: Sequence[dict[str, Any]],
    calls: Sequence[ModelCall],
    ground_truth: list[dict[str, Any]],
) -> AstResult:
    """BFCL's AST verdict on the calls a model made for one entry of an AST category."""
    language = language_of(category)
    decoded = decode(calls)
    if decoded is None:
        return _fail("decoder_failed", "tool call arguments are not valid JSON")
    if not _well_formed(decoded):
        return _fail("wrong_output_format", "tool call arguments are not a JSON object")
    expected = len(ground_truth) if "parallel" in category or "multiple" in category else 1
    if len(decoded) != expected:
        return _fail("wrong_count", f"made {len(decoded)} calls, expected {expected}")
    if "parallel" in category:
        return _check_parallel(functions, decoded, ground_truth)
    if "multiple" in category:
        name, arguments = decoded[0]
        return check_call(_function(functions, ground_truth[0]), name, arguments, ground_truth[0])
    name, arguments = decoded[0]
    return check_call(functions[0], name, arguments, ground_truth[0], language)


def _check_parallel(
    functions: Sequence[dict[str, Any]], decoded: list[tuple[str, Any]], ground_truth: list[dict[str, Any]]
) -> AstResult:
    used: set[int] = set()
    for index, gold in enumerate(ground_truth):
        function = _function(functions, gold)
        last = _OK
        for position, (name, arguments) in enumerate(decoded):
            if position in used:
                continue
            last = check_call(function, name, arguments, gold)
            if last.valid:
                used.add(position)
                break
        if not last.valid:
            return _fail("no_match", f"no call matches gold call {index} ({next(iter(gold))}): {last.error}")
    return _OK


def _made_call(calls: Sequence[ModelCall]) -> list[tuple[str, Any]]:
    # BFCL's relevance decoding: a call counts only when every call decodes to an object.
    decoded = decode(calls)
    return [] if decoded is None or not _well_formed(decoded) else decoded


def check_irrelevance(calls: Sequence[ModelCall]) -> AstResult:
    """BFCL's irrelevance verdict: valid when the model made no (decodable) call."""
    decoded = _made_call(calls)
    if not decoded:
        return _OK
    return _fail("made_call", f"called {', '.join(name for name, _ in decoded)} on an irrelevant request")


def check_relevance(calls: Sequence[ModelCall]) -> AstResult:
    """BFCL's live_relevance verdict: valid when the model made at least one decodable call."""
    if _made_call(calls):
        return _OK
    return _fail("no_call", "made no (decodable) call where a function fits the request")


def check_relevance_category(category: str, calls: Sequence[ModelCall]) -> AstResult:
    """The verdict of a relevance category: irrelevance and live_irrelevance, or live_relevance."""
    return check_irrelevance(calls) if "irrelevance" in category else check_relevance(calls)
