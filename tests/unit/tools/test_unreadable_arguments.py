"""Arguments of any shape become a retry result, never an exception out of the toolset."""

from __future__ import annotations

from typing import Any

import pytest

from tools import RunContext, Tool, ToolCall, Toolset


def first(a: list[Any]) -> Any:
    """The first item."""
    return a[0] if a else None


RAW = Tool.from_schema("raw", "Raw.", {"type": "object", "properties": {"a": {"type": "array"}}}, first)
DEEP_TEXT = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE_INTEGER = '{"a": [1' + "0" * 5000 + "]}"


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("name", "arguments", "problem"),
    [
        ("first", DEEP_TEXT, "nested too deeply"),
        ("raw", DEEP_TEXT, "nested too deeply"),
        ("first", HUGE_INTEGER, "could not be read"),
        ("raw", HUGE_INTEGER, "could not be read"),
        ("first", {"a": nested(900)}, "could not be read"),  # valid, but pydantic cannot dump it back
    ],
)
async def test_unreadable_arguments_are_retries(name: str, arguments: Any, problem: str) -> None:
    toolset = Toolset([first, RAW])
    (result,) = await toolset.run_calls([ToolCall("1", name, arguments)], RunContext(deps=None, run_id="r"))
    assert result.status == "retry" and problem in result.content
