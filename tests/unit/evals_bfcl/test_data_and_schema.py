"""Reading BFCL from the installed package, and its function docs as tool declarations."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.bfcl.data import CATEGORIES, PYTHON_HINT, load_category
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
        ("multi_turn_base", 200),
    ],
)
def test_every_category_loads_whole(category: str, count: int) -> None:
    entries = load_category(category)  # type: ignore[arg-type]
    assert len(entries) == count
    assert all(e.turns and e.functions for e in entries)
    assert all((e.ground_truth is None) == (category == "irrelevance") for e in entries)


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
        json.dumps(f, sort_keys=True): f for c in CATEGORIES for e in load_category(c) for f in e.functions
    }
    assert len(distinct) > 1000
    for function in distinct.values():
        declared = to_tool(function)
        Tool.from_schema(declared.name, declared.description, declared.parameters)


def test_the_six_suites_are_registered() -> None:
    names = available_suites()
    assert {f"bfcl:{c}" for c in CATEGORIES} <= set(names)
    suite = load_suite("bfcl:parallel")
    assert suite.name == "bfcl:parallel" and len(suite.tasks) == 200
    assert suite.tasks[0].turns[0].gold_parallel and len(suite.tasks[0].turns[0].gold) == 2


def test_an_unknown_category_is_refused() -> None:
    from evals.bfcl.suites import load_suite as load_bfcl

    with pytest.raises(ConfigError, match="Supported: bfcl:simple_python"):
        load_bfcl("live_simple")
