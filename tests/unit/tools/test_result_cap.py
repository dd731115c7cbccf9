"""The text of a tool result is capped (toolset default, per-tool override), with a note saying what
was cut; the tool's Python value is kept whole."""

from __future__ import annotations

from typing import Any

import pytest

from tools import ConfigError, RunContext, Tool, ToolCall, Toolset, tool
from tools._content import DEFAULT_MAX_RESULT_CHARS, capped

FIVE_MB = "x" * 5_000_000


def ctx() -> RunContext[Any]:
    return RunContext(deps=None, run_id="r")


def dump() -> str:
    """Returns 5 MB of text."""
    return FIVE_MB


async def test_a_huge_result_is_cut_to_the_default_with_a_note() -> None:
    (result,) = await Toolset([dump]).run_calls([ToolCall("1", "dump", {})], ctx())
    head, note = result.content.split("\n\n", 1)
    assert head == "x" * DEFAULT_MAX_RESULT_CHARS
    assert "5,000,000 characters" in note and f"first {DEFAULT_MAX_RESULT_CHARS:,}" in note
    assert len(result.content) < DEFAULT_MAX_RESULT_CHARS + 300
    assert result.value is FIVE_MB  # the Python value is not cut


async def test_toolset_cap_and_per_tool_override() -> None:
    @tool(max_result_chars=50)
    def small() -> str:
        """Returns 100 characters."""
        return "y" * 100

    def medium() -> str:
        """Returns 100 characters."""
        return "z" * 100

    big = Tool.from_function(dump, name="big", max_result_chars=10_000_000)
    toolset = Toolset([small, medium, big], max_result_chars=80)
    calls = [ToolCall("1", "small", {}), ToolCall("2", "medium", {}), ToolCall("3", "big", {})]
    results = await toolset.run_calls(calls, ctx())
    assert results[0].content.startswith("y" * 50 + "\n\n[Output truncated")
    assert results[1].content.startswith("z" * 80 + "\n\n[Output truncated")
    assert results[2].content == FIVE_MB


async def test_no_cap_and_error_texts_capped_too() -> None:
    def loud() -> str:
        """Fails with a long message."""
        raise ValueError("e" * 1000)

    toolset = Toolset([dump, loud], max_result_chars=None)
    (result,) = await toolset.run_calls([ToolCall("1", "dump", {})], ctx())
    assert result.content == FIVE_MB
    toolset.max_result_chars = 100
    (result,) = await toolset.run_calls([ToolCall("1", "loud", {})], ctx())
    assert result.status == "error" and "[Output truncated" in result.content


def test_capped_leaves_short_text_alone() -> None:
    assert capped("short", 5) == "short"
    assert capped("short", None) == "short"
    assert capped("longer", 5).startswith("longe\n\n[Output truncated: the tool returned 6 characters")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_caps_are_config_errors(bad: Any) -> None:
    with pytest.raises(ConfigError, match="max_result_chars"):
        Toolset(max_result_chars=bad)
    with pytest.raises(ConfigError, match="max_result_chars"):
        Tool.from_function(dump, max_result_chars=bad)
