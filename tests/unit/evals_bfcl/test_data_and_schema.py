"""Reading BFCL from the installed package, and its function docs as tool declarations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.bfcl.data import CATEGORIES, MULTI_TURN, PYTHON_HINT, RELEVANCE, language_of, load_category
from evals.bfcl.schema import FLOAT_NOTE, to_tool
from evals.suites import available_suites, load_suite
from tools import Tool
from tools.errors import ConfigError


@pytest.mark.parametrize(
    ("category", "count"),
    [
        ("simple_python", 400),
        ("multiple", 200),
        ("parallel", 200),
        ("parallel_multiple", 200),
        ("irrelevance", 240),
        ("simple_java", 100),
        ("simple_javascript", 50),
        ("live_simple", 258),
        ("live_multiple", 1053),
        ("live_parallel", 16),
        ("live_parallel_multiple", 24),
        ("live_irrelevance", 884),
        ("live_relevance", 16),
        ("multi_turn_base", 200),
        ("multi_turn_miss_func", 200),
        ("multi_turn_miss_param", 200),
        ("multi_turn_long_context", 200),
    ],
)
def test_every_category_loads_whole(category: str, count: int) -> None:
    entries = load_category(category)  # type: ignore[arg-type]
    assert len(entries) == count
    # live_irrelevance has a few entries that offer no function at all
    assert all(e.turns and (e.functions or category == "live_irrelevance") for e in entries)
    assert all((e.ground_truth is None) == (category in RELEVANCE) for e in entries)
    if category in MULTI_TURN:
        assert all(len(e.turns) == len(e.ground_truth) for e in entries)


def test_system_prompts_and_earlier_exchanges_are_kept_apart_from_the_question() -> None:
    live = load_category("live_simple")
    with_system = [e for e in live if e.system]
    assert with_system and all(e.turns[0] and not e.turns[0].startswith(e.system or "") for e in with_system)
    replayed = [e for e in load_category("live_irrelevance") if e.history]
    assert len(replayed) == 9 and all(e.history and e.turns for e in replayed)
    task = load_suite("bfcl:live_irrelevance").tasks[0]
    assert task.history == [] and task.instructions is None
    task = next(t for t in load_suite("bfcl:live_irrelevance").tasks if t.id == replayed[0].id)
    assert [m["role"] for m in task.history] == [role for role, _ in replayed[0].history]


def test_miss_func_withholds_functions_until_their_turn() -> None:
    entry = load_category("multi_turn_miss_func")[0]
    ((turn, withheld),) = entry.missed_functions.items()
    names = [f["name"] for f in withheld]
    assert names == ["sort"] and "sort" not in {f["name"] for f in entry.functions}
    assert entry.turns[turn] == "I have updated some more functions you can choose from. What about now?"
    assert entry.ground_truth[turn - 1] == []  # the turn that needs the missing function


def test_java_and_javascript_parameters_are_declared_as_strings() -> None:
    java = load_category("simple_java")[1]
    tool = to_tool(java.functions[0], language="java")
    assert tool.description.endswith(" Note that the provided function is in Java 8 SDK syntax.")
    props = tool.parameters["properties"]
    assert {p["type"] for p in props.values()} == {"string"}
    assert props["useShortName"]["description"].endswith(
        " This is Java boolean type parameter in string representation."
    )
    js = next(
        e
        for e in load_category("simple_javascript")
        if any(p["type"] == "array" for p in e.functions[0]["parameters"]["properties"].values())
    )
    declared = to_tool(js.functions[0], language="javascript").parameters["properties"]
    listed = next(p for p in declared.values() if "The list elements are of type" in p["description"])
    assert listed["type"] == "string" and "items" not in listed


def test_multi_turn_entries_get_every_function_of_their_classes() -> None:
    entry = load_category("multi_turn_base")[0]
    names = {f["name"] for f in entry.functions}
    assert {"cd", "mkdir", "post_tweet"} <= names  # GorillaFileSystem and TwitterAPI
    assert len(entry.turns) == len(entry.ground_truth)


def test_declarations_follow_the_official_conversion() -> None:
    doc: dict[str, Any] = {
        "name": "math.hypot",
        "description": "Norm.",
        "parameters": {
            "type": "dict",
            "properties": {
                "x": {"type": "float", "description": "X."},
                "pair": {"type": "tuple", "items": {"type": "float"}, "description": "P."},
                "opts": {
                    "type": "dict",
                    "properties": {"k": {"type": "any", "description": "K."}},
                    "description": "O.",
                },
                "free": {"type": "any", "description": "F."},
            },
            "required": ["x"],
        },
    }
    tool = to_tool(doc)
    assert tool.name == "math_hypot" and tool.bfcl_name == "math.hypot"
    assert tool.description == "Norm." + PYTHON_HINT
    props = tool.parameters["properties"]
    assert tool.parameters["type"] == "object"
    assert props["x"] == {"type": "number", "format": "float", "description": "X." + FLOAT_NOTE}
    assert props["pair"]["type"] == "array" and props["pair"]["items"] == {"type": "number"}
    assert props["opts"]["type"] == "object" and props["opts"]["properties"]["k"]["type"] == "string"
    assert props["free"]["type"] == "string"
    assert doc["parameters"]["properties"]["x"]["type"] == "float"  # the doc itself is untouched


def test_every_declaration_is_a_valid_raw_schema_tool() -> None:
    # Multi-turn entries share their classes' functions: each distinct doc once.
    distinct = {
        json.dumps([f, c], sort_keys=True): (f, c)
        for c in CATEGORIES
        for e in load_category(c)
        for f in e.functions
    }
    assert len(distinct) > 1000
    for function, category in distinct.values():
        declared = to_tool(function, language=language_of(category))
        Tool.from_schema(declared.name, declared.description, declared.parameters)


def test_every_category_and_all_are_registered() -> None:
    names = available_suites()
    assert {f"bfcl:{c}" for c in CATEGORIES} | {"bfcl:all"} <= set(names)
    suite = load_suite("bfcl:parallel")
    assert suite.name == "bfcl:parallel" and len(suite.tasks) == 200
    assert suite.tasks[0].turns[0].gold_parallel and len(suite.tasks[0].turns[0].gold) == 2


def test_an_unknown_category_is_refused() -> None:
    from evals.bfcl.suites import load_suite as load_bfcl

    with pytest.raises(ConfigError, match="Supported: bfcl:simple_python"):
        load_bfcl("live_complex")


def test_what_cannot_run_offline_says_why_in_the_listing() -> None:
    from evals.suites import describe_suite

    web = describe_suite("bfcl:web_search_base")
    assert web.tasks is None and "needs the internet" in web.problem
    assert "BFCL skips it for function-calling models" in describe_suite("bfcl:format_sensitivity").problem
    assert "prerequisite conversations" in describe_suite("bfcl:memory_kv").problem
    with pytest.raises(ConfigError, match="needs the internet"):
        load_suite("bfcl:web_search_no_snippet")
    everything = describe_suite("bfcl:all")
    assert everything.tasks == sum(len(load_category(c)) for c in CATEGORIES) == 4441
