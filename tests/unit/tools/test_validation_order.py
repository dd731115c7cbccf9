"""Arguments are validated as sent first; lax coercion runs only for those that fail."""

from __future__ import annotations

from typing import Any

import pytest

import tools._tool
from tools import Tool, ToolArgumentsError, tool
from tools._coerce import coerce


@pytest.fixture
def coerced(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The values the lax pass was asked to coerce."""
    seen: list[Any] = []

    def spy(value: Any, *args: Any) -> Any:
        seen.append(value)
        return coerce(value, *args)

    monkeypatch.setattr(tools._tool, "coerce", spy)
    return seen


@tool
def total(values: list[int], scale: float = 1.0) -> float:
    """Sum the values, times scale."""
    return sum(values) * scale


RAW = Tool.from_schema(
    "raw",
    "Raw schema.",
    {"type": "object", "properties": {"n": {"type": "integer"}, "tags": {"type": "array"}}},
)


@pytest.mark.parametrize(
    ("made", "arguments"),
    [
        (total, {"values": list(range(25_000)), "scale": 2}),
        (total, {"values": [str(i) for i in range(1000)]}),  # pydantic's own lax mode takes these
        (RAW, {"n": 3, "tags": ["a"]}),
    ],
)
def test_valid_arguments_are_not_coerced(made: Tool, arguments: dict[str, Any], coerced: list[Any]) -> None:
    made.prepare(arguments)
    assert coerced == []


def test_coercion_still_runs_when_needed(coerced: list[Any]) -> None:
    assert total.validate({"values": "[1, 2, 3]", "scale": "2"}) == {"values": [1, 2, 3], "scale": 2.0}
    assert RAW.validate({"n": "42", "tags": '["a"]'}) == {"n": 42, "tags": ["a"]}
    assert len(coerced) == 2


def test_errors_speak_of_the_coerced_attempt_and_strict_tools_never_coerce(coerced: list[Any]) -> None:
    with pytest.raises(ToolArgumentsError, match=r"values\[1\]"):
        total.prepare({"values": '[1, "x"]'})

    @tool(strict=True)
    def exact(n: int) -> int:
        """Strict."""
        return n

    coerced.clear()
    with pytest.raises(ToolArgumentsError):
        exact.prepare({"n": "[1]"})
    assert coerced == []
