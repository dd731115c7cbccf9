"""BFCL's AST rules, one at a time, on small hand-written entries."""

from __future__ import annotations

from typing import Any

import pytest

from evals.bfcl.ast_checker import ModelCall, check_entry, check_irrelevance, standardize

AREA = {
    "name": "geometry.area",
    "description": "Area of a shape.",
    "parameters": {
        "type": "dict",
        "properties": {
            "shape": {"type": "string", "enum": ["circle", "square"], "description": "The shape."},
            "size": {"type": "float", "description": "Its size."},
            "count": {"type": "integer", "description": "How many."},
            "units": {"type": "string", "description": "Units."},
            "sides": {"type": "array", "items": {"type": "integer"}, "description": "Sides."},
            "box": {"type": "dict", "properties": {"w": {"type": "integer"}}, "description": "A box."},
        },
        "required": ["shape", "size"],
    },
}
GOLD = [
    {
        "geometry.area": {
            "shape": ["circle"],
            "size": [2.0],
            "count": [1, ""],
            "units": ["Square Meters", ""],
            "sides": [[1, 2], ""],
            "box": [{"w": [3], "h": ["", 4]}, ""],
        }
    }
]


def simple(arguments: dict[str, Any] | str, name: str = "geometry_area") -> bool:
    return check_entry("simple_python", [AREA], [ModelCall(name, arguments)], GOLD).valid


def test_the_gold_call_passes_with_dots_in_the_name_made_underscores() -> None:
    assert simple({"shape": "circle", "size": 2.0})
    assert not simple({"shape": "circle", "size": 2.0}, name="geometry.area")


@pytest.mark.parametrize(
    ("arguments", "valid"),
    [
        ({"shape": "circle", "size": 2}, True),  # an int where a float is declared
        ({"shape": "circle", "size": 2.0, "count": 1.0}, False),  # a float where an int is declared
        ({"shape": "circle", "size": 2.0, "count": True}, False),  # a bool is not an int
        ({"shape": "circle"}, False),  # a required parameter missing
        ({"shape": "circle", "size": 2.0, "extra": 1}, False),  # an undeclared parameter
        ({"shape": "square", "size": 2.0}, False),  # another enum value
        ({"shape": "circle", "size": 2.0, "units": "square-meters"}, True),  # normalised string
        ({"shape": "circle", "size": 2.0, "units": "square metres"}, False),
        ({"shape": "circle", "size": 2.0, "sides": [1, 2]}, True),
        ({"shape": "circle", "size": 2.0, "sides": [2, 1]}, False),  # lists keep their order
        ({"shape": "circle", "size": 2.0, "sides": [1, "2"]}, False),  # item type
        ({"shape": "circle", "size": 2.0, "box": {"w": 3}}, True),  # "" lets h be omitted
        ({"shape": "circle", "size": 2.0, "box": {"w": 3, "h": 4}}, True),
        ({"shape": "circle", "size": 2.0, "box": {"w": 3, "d": 1}}, False),  # unknown dict key
        ('{"shape": "circle", "size": 2.0}', True),  # JSON text, as servers send it
        ("{not json", False),
        ("[1, 2]", False),  # JSON, but not an object
    ],
)
def test_parameter_rules(arguments: dict[str, Any] | str, valid: bool) -> None:
    assert simple(arguments) is valid


def test_a_gold_parameter_without_the_omission_mark_must_be_given() -> None:
    gold = [{"geometry.area": {"shape": ["circle"], "size": [2.0], "count": [1]}}]
    call = ModelCall("geometry_area", {"shape": "circle", "size": 2.0})
    assert not check_entry("simple_python", [AREA], [call], gold).valid


def test_simple_takes_exactly_one_call() -> None:
    call = ModelCall("geometry_area", {"shape": "circle", "size": 2.0})
    assert not check_entry("simple_python", [AREA], [call, call], GOLD).valid
    assert not check_entry("simple_python", [AREA], [], GOLD).valid


def test_parallel_calls_match_in_any_order_greedily() -> None:
    gold = [
        {"geometry.area": {"shape": ["circle"], "size": [1.0, 2.0]}},
        {"geometry.area": {"shape": ["circle"], "size": [1.0]}},
    ]
    one = ModelCall("geometry_area", {"shape": "circle", "size": 1.0})
    two = ModelCall("geometry_area", {"shape": "circle", "size": 2.0})
    assert check_entry("parallel", [AREA], [two, one], gold).valid
    # A best matching exists for [one, two], but BFCL pairs the first gold call with the
    # first call that fits it (one), and then nothing is left for the second gold call.
    assert not check_entry("parallel", [AREA], [one, two], gold).valid


def test_irrelevance_passes_without_calls_or_with_undecodable_ones() -> None:
    assert check_irrelevance([]).valid
    assert check_irrelevance([ModelCall("geometry_area", "{broken")]).valid
    assert not check_irrelevance([ModelCall("geometry_area", {"shape": "circle"})]).valid


def test_standardize_drops_what_bfcl_drops() -> None:
    assert standardize("April 1, 2024") == standardize("april-1 2024") == "april12024"
    assert standardize("it's") == 'it"s'
