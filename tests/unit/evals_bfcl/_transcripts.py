"""Recorded model outputs for the agreement tests: gold answers and deterministic mutations of them.

Single-turn outputs are lists of `(tool name, arguments)` where arguments are a dict or the
JSON text a server would send. Multi-turn outputs are, per turn, per step, lists of calls.
Each mutation is named, so that a disagreement says what kind of output caused it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from evals.bfcl.data import Entry
from evals.bfcl.gold import ast_gold_calls
from evals.bfcl.multi_turn import GoldTurn
from evals.bfcl.schema import tool_name

Call = tuple[str, Any]


def _other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 42
    if isinstance(value, list):
        return value[0] if value else "x"
    if isinstance(value, dict):
        return [[k, v] for k, v in value.items()]
    return "x"


def _other_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + " zz"
    if isinstance(value, list):
        return [*value, value[0]] if value else [1]
    if isinstance(value, dict):
        return {**value, "zz": 1}
    return 0


def _source_variants(value: str) -> Iterator[tuple[str, str]]:
    # Java/JavaScript source text written another way: the long/float/BigInt suffix dropped or
    # added, quotes added or removed, a collection's constructor changed.
    if value[-1:] in ("L", "f", "n") and value[:-1].lstrip("-").replace(".", "").isdigit():
        yield "suffix_dropped", value[:-1]
    if value.lstrip("-").isdigit():
        yield "suffix_added", value + "L"
    if len(value) > 1 and value[0] == value[-1] == '"':
        yield "unquoted", value[1:-1]
    else:
        yield "quoted", f'"{value}"'
    if value.startswith("new ArrayList"):
        yield "as_array", value.replace("new ArrayList<>(Arrays.asList(", "new Object[]{").replace("))", "}")
    if value.startswith("["):
        yield "new_array", "new Array(" + value[1:-1] + ")"


def _respelled(value: str) -> str:
    # Only what BFCL's normalisation ignores: case, spaces and ,./-_*^
    return value.upper().replace(" ", "_") + "."


def _numeric_twin(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return float(value)
    return None


def _alternative_answer(functions: list[dict[str, Any]], ground_truth: list[dict[str, Any]]) -> list[Call]:
    # The last allowed value of each parameter instead of the first (omitted where "" is last).
    docs = {f["name"]: f for f in functions}
    calls = []
    for gold in ground_truth:
        ((name, params),) = gold.items()
        properties = docs[name]["parameters"]["properties"]
        arguments = {}
        for param, allowed in params.items():
            if param in properties and allowed and allowed[-1] != "":
                value = allowed[-1]
                if properties[param]["type"] == "dict" and isinstance(value, dict):
                    value = {k: v[-1] for k, v in value.items() if v and v[-1] != ""}
                arguments[param] = value
        calls.append((tool_name(name), arguments))
    return calls


def single_turn_outputs(entry: Entry) -> Iterator[tuple[str, list[Call]]]:
    """Named outputs for one AST or irrelevance entry: correct ones and subtly wrong ones."""
    yield "no_calls", []
    if entry.ground_truth is None:  # irrelevance: some calls to the offered functions
        # A few live entries offer no function at all: call one that does not exist.
        function = (
            entry.functions[0] if entry.functions else {"name": "lookup", "parameters": {"properties": {}}}
        )
        props = function["parameters"]["properties"]
        yield "call", [(tool_name(function["name"]), {p: "x" for p in props})]
        yield "call_json_text", [(tool_name(function["name"]), json.dumps({p: 1 for p in props}))]
        yield "call_bad_json", [(tool_name(function["name"]), "{not json")]
        yield "call_not_object", [(tool_name(function["name"]), "[1, 2]")]
        yield "call_no_arguments", [(tool_name(function["name"]), "{}")]
        yield "good_and_bad_call", [(tool_name(function["name"]), {}), (tool_name(function["name"]), "{x")]
        return
    gold = ast_gold_calls(entry.functions, entry.ground_truth, entry.language)
    docs = {tool_name(f["name"]): f for f in entry.functions}
    yield "gold", gold
    if entry.language != "python":  # the values themselves, not their source text
        yield "python_values", ast_gold_calls(entry.functions, entry.ground_truth)
    yield "gold_json_text", [(n, json.dumps(a)) for n, a in gold]
    yield "alternative_values", _alternative_answer(entry.functions, entry.ground_truth)
    yield "bad_json", [(gold[0][0], "{not json"), *gold[1:]]
    yield "not_object", [(gold[0][0], "[1, 2]"), *gold[1:]]
    original = next(iter(entry.ground_truth[0]))
    if "." in original:
        yield "dotted_name", [(original, gold[0][1]), *gold[1:]]
    others = [n for n in docs if n != gold[0][0]]
    if others:
        yield "other_function", [(others[0], gold[0][1]), *gold[1:]]
    yield "extra_param", [(gold[0][0], {**gold[0][1], "extra_param": 1}), *gold[1:]]
    if len(gold) > 1:
        yield "reversed", list(reversed(gold))
        yield "drop_last_call", gold[:-1]
    yield "duplicate_call", [*gold, gold[0]]
    for index, (name, arguments) in enumerate(gold[:2]):
        properties = docs[name]["parameters"]["properties"]

        def with_args(new: dict[str, Any], index: int = index, name: str = name) -> list[Call]:
            calls = list(gold)
            calls[index] = (name, new)
            return calls

        for param, value in arguments.items():
            tag = f"call{index}:{param}"
            yield f"drop:{tag}", with_args({k: v for k, v in arguments.items() if k != param})
            yield f"type:{tag}", with_args({**arguments, param: _other_type(value)})
            yield f"value:{tag}", with_args({**arguments, param: _other_value(value)})
            twin = _numeric_twin(value)
            if twin is not None:
                yield f"int_float:{tag}", with_args({**arguments, param: twin})
            if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
                yield f"bool_for_int:{tag}", with_args({**arguments, param: bool(value)})
            if isinstance(value, str):
                yield f"respelled:{tag}", with_args({**arguments, param: _respelled(value)})
            if isinstance(value, str) and value and entry.language != "python":
                for kind, variant in _source_variants(value):
                    yield f"{kind}:{tag}", with_args({**arguments, param: variant})
            enum = properties.get(param, {}).get("enum") or []
            if len(enum) > 1:
                other = next(e for e in enum if e != value)
                yield f"enum:{tag}", with_args({**arguments, param: other})
            if isinstance(value, list) and value and isinstance(value[0], str):
                yield (
                    f"list_item_respelled:{tag}",
                    with_args({**arguments, param: [_respelled(value[0]), *value[1:]]}),
                )
            if isinstance(value, dict) and value:
                key = next(iter(value))
                yield (
                    f"dict_drop_key:{tag}",
                    with_args({**arguments, param: {k: v for k, v in value.items() if k != key}}),
                )
        for param in properties:
            if param not in arguments:
                default = properties[param].get("default", "x")
                yield f"add_declared:call{index}:{param}", with_args({**arguments, param: default})
                break


def to_call_string(name: str, arguments: dict[str, Any]) -> str:
    """A call as BFCL's function-calling handlers render one for execution."""
    return f"{name}({','.join(f'{key}={value!r}' for key, value in arguments.items())})"


MultiTurn = list[list[list[tuple[str, dict[str, Any]]]]]


def multi_turn_outputs(entry: Entry, gold: list[GoldTurn]) -> Iterator[tuple[str, MultiTurn]]:
    """Named transcripts for one multi-turn entry: per turn, per step, the calls."""
    calls = [copy.deepcopy(g.calls) for g in gold]
    yield "gold", [[c] if c else [] for c in calls]
    yield "one_step_per_call", [[[call] for call in c] for c in calls]
    yield "no_calls", [[] for _ in calls]
    busy = [i for i, c in enumerate(calls) if c]
    if not busy:
        return
    first = busy[0]

    def edited(turn: int, new: list[tuple[str, dict[str, Any]]]) -> MultiTurn:
        turns = [[c] if c else [] for c in calls]
        turns[turn] = [new] if new else []
        return turns

    yield "empty_turn", edited(first, [])
    yield "drop_last_call", edited(first, calls[first][:-1])
    yield "duplicate_last_call", edited(first, [*calls[first], calls[first][-1]])
    yield "reversed_turn", edited(first, list(reversed(calls[first])))
    yield "unknown_function", edited(first, [*calls[first], ("no_such_function", {})])
    name, arguments = calls[first][0]
    yield "extra_kwarg", edited(first, [(name, {**arguments, "bogus": 1}), *calls[first][1:]])
    for param, value in arguments.items():
        if isinstance(value, str):
            yield (
                f"value:{param}",
                edited(first, [(name, {**arguments, param: value + "_x"}), *calls[first][1:]]),
            )
            yield f"type:{param}", edited(first, [(name, {**arguments, param: 7}), *calls[first][1:]])
            break
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield (
                f"type:{param}",
                edited(first, [(name, {**arguments, param: str(value)}), *calls[first][1:]]),
            )
            yield (
                f"value:{param}",
                edited(first, [(name, {**arguments, param: value + 1}), *calls[first][1:]]),
            )
            break
    later = [i for i in busy if i > first]
    if later:
        merged = [[c] if c else [] for c in calls]
        merged[first] = [calls[first] + calls[later[0]]]
        merged[later[0]] = []
        yield "next_turn_early", merged
