"""Argument validation: lax coercion for function and raw-schema tools, and the problems reported."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from tools import Tool, ToolArgumentsError, ToolCall, Toolset, UnknownToolError


class Point(BaseModel):
    x: int
    y: int


def plot(
    points: list[Point], scale: float = 1.0, labels: dict[str, str] | None = None, show: bool = False
) -> int:
    """Plot points."""
    return len(points)


def either(value: str | list[int]) -> str:
    """Takes a string or a list."""
    return repr(value)


def list_first(value: list[int] | str) -> str:
    """Takes a list or a string: the list is tried first."""
    return repr(value)


def forecast(city: str, days: int) -> str:
    """Weather."""
    return city


RAW = {
    "type": "object",
    "properties": {
        "n": {"type": "integer"},
        "ratio": {"type": "number"},
        "flag": {"type": "boolean"},
        "nothing": {"type": "null"},
        "ids": {"type": "array", "items": {"type": "integer"}},
        "opts": {"type": "object", "properties": {"deep": {"type": "boolean"}}},
        "name": {"type": "string"},
        "maybe": {"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "string"}}]},
        "code": {"type": ["string", "integer"]},
    },
    "additionalProperties": False,
}


def raw_tool() -> Tool:
    return Tool.from_schema("raw", "A raw tool.", RAW)


def test_function_tool_lax_strings() -> None:
    t = Tool.from_function(plot)
    got = t.validate(
        {"points": '[{"x": "1", "y": 2}]', "scale": "2.5", "labels": '{"a": "b"}', "show": "true"}
    )
    assert got == {"points": [{"x": 1, "y": 2}], "scale": 2.5, "labels": {"a": "b"}, "show": True}


def test_function_tool_arguments_as_json_text() -> None:
    t = Tool.from_function(plot)
    assert t.validate('{"points": [{"x": 1, "y": 2}]}') == {"points": [{"x": 1, "y": 2}]}


def test_no_coercion_where_string_is_valid() -> None:
    t = Tool.from_function(either)
    assert t.validate({"value": "[1,2]"}) == {"value": "[1,2]"}
    assert t.validate({"value": [1, 2]}) == {"value": [1, 2]}
    assert Tool.from_function(list_first).validate({"value": "[1,2]"}) == {"value": "[1,2]"}
    raw = raw_tool()
    assert raw.validate({"name": "42", "code": "7"}) == {"name": "42", "code": "7"}
    assert raw.validate({"name": "[1]"}) == {"name": "[1]"}


def test_raw_schema_coercion_of_each_type() -> None:
    got = raw_tool().validate(
        {
            "n": "42",
            "ratio": "0.5",
            "flag": "False",
            "nothing": "null",
            "ids": '["1", 2]',
            "opts": '{"deep": "true"}',
        }
    )
    assert got == {
        "n": 42,
        "ratio": 0.5,
        "flag": False,
        "nothing": None,
        "ids": [1, 2],
        "opts": {"deep": True},
    }
    assert isinstance(got["n"], int) and isinstance(got["flag"], bool)


def test_raw_schema_any_of_tried_in_order() -> None:
    t = raw_tool()
    assert t.validate({"maybe": "5"}) == {"maybe": 5}
    assert t.validate({"maybe": '["a"]'}) == {"maybe": ["a"]}


def test_numbers_become_strings_where_only_a_string_fits() -> None:
    assert raw_tool().validate({"name": 12345}) == {"name": "12345"}
    assert Tool.from_function(forecast).validate({"city": 75001, "days": 2}) == {"city": "75001", "days": 2}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"n": "4.5"}, "n:"),
        ({"n": "three"}, "n:"),
        ({"flag": "yes"}, "flag:"),
        ({"ids": "[1, 2"}, "ids:"),
        ({"extra": 1}, "'extra' was unexpected"),
        ({"opts": {"deep": "maybe"}}, "opts.deep:"),
    ],
)
def test_raw_schema_uncoercible_values_are_reported(arguments: dict[str, Any], expected: str) -> None:
    with pytest.raises(ToolArgumentsError) as info:
        raw_tool().validate(arguments)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_raw_required_reported_per_missing_argument() -> None:
    t = Tool.from_schema(
        "need", "Needs a and b.", {"type": "object", "properties": {}, "required": ["a", "b"]}
    )
    with pytest.raises(ToolArgumentsError) as info:
        t.validate({})
    assert info.value.problems == ["a: Field required", "b: Field required"]


def test_function_problem_lines_have_paths_and_inputs() -> None:
    with pytest.raises(ToolArgumentsError) as info:
        Tool.from_function(forecast).validate({"city": "Paris", "days": "three"})
    (line,) = info.value.problems
    assert line.startswith("days: Input should be a valid integer")
    assert line.endswith("got 'three'")

    with pytest.raises(ToolArgumentsError) as info:
        Tool.from_function(plot).validate({"points": [{"x": 1, "y": 2}, {"x": "a"}], "nope": 1})
    problems = info.value.problems
    assert any(p.startswith("points[1].x: Input should be a valid integer") for p in problems), problems
    assert "points[1].y: Field required" in problems
    assert any(p.startswith("nope: Extra inputs are not permitted") for p in problems), problems


def test_strict_tool_does_not_coerce() -> None:
    t = Tool.from_function(forecast, strict=True)
    assert t.validate({"city": "Paris", "days": 2}) == {"city": "Paris", "days": 2}
    with pytest.raises(ToolArgumentsError):
        t.validate({"city": "Paris", "days": "2"})
    raw = Tool.from_schema("raw", "Raw.", RAW, strict=True)
    with pytest.raises(ToolArgumentsError):
        raw.validate({"n": "2"})


@pytest.mark.parametrize("text", ["", "  ", "null", "{}"])
def test_empty_argument_texts_mean_no_arguments(text: str) -> None:
    def now() -> str:
        """The time."""
        return "noon"

    assert Tool.from_function(now).validate(text) == {}


def test_malformed_json_names_the_position() -> None:
    with pytest.raises(ToolArgumentsError) as info:
        Tool.from_function(forecast).validate('{"city": "Paris" "days": 2}')
    (line,) = info.value.problems
    assert "not valid JSON" in line and "line 1 column 18 (char 17)" in line


def test_arguments_must_be_an_object() -> None:
    with pytest.raises(ToolArgumentsError, match="expected a JSON object"):
        Tool.from_function(forecast).validate("[1, 2]")


def test_doubly_encoded_json_is_read() -> None:
    assert Tool.from_function(forecast).validate('"{\\"city\\": \\"Oslo\\", \\"days\\": 1}"') == {
        "city": "Oslo",
        "days": 1,
    }


def test_toolset_validate() -> None:
    toolset = Toolset([forecast])
    assert toolset.validate(ToolCall("1", "forecast", {"city": "Rome", "days": "3"})) == {
        "city": "Rome",
        "days": 3,
    }
    with pytest.raises(UnknownToolError) as info:
        toolset.validate(ToolCall("2", "weather", {}))
    assert info.value.available == ["forecast"]
    with pytest.raises(ToolArgumentsError):
        toolset.validate(ToolCall("3", "forecast", {"city": "Rome"}))


def test_validated_arguments_leave_out_unset_defaults() -> None:
    assert Tool.from_function(plot).validate({"points": []}) == {"points": []}
