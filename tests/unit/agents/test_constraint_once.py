"""The tool modes build their constraint (json-mode schema, grammar) once per toolset, not per step."""

from __future__ import annotations

from typing import Any

import pytest

from agents import Agent, tool_modes
from agents.models.profiles import GEMMA4, ModelProfile
from agents.testing import ScriptedModel, call


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def sub(a: int, b: int) -> int:
    """Subtract b from a."""
    return a - b


@pytest.mark.parametrize("mode", ["json", "grammar"])
async def test_the_constraint_is_built_once_per_toolset(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    if mode == "json":
        original_schema = tool_modes.json_mode_schema

        def counting_schema(*args: Any, **kwargs: Any) -> Any:
            built.append(1)
            return original_schema(*args, **kwargs)

        monkeypatch.setattr(tool_modes, "json_mode_schema", counting_schema)
    else:
        original_grammar = ModelProfile.compile_tool_grammar

        def counting_grammar(self: ModelProfile, *args: Any, **kwargs: Any) -> Any:
            built.append(1)
            return original_grammar(self, *args, **kwargs)

        monkeypatch.setattr(ModelProfile, "compile_tool_grammar", counting_grammar)

    answer = '{"answer": "7"}' if mode == "json" else "7"
    steps = [call("add", a=1, b=2), call("add", a=3, b=4), answer]
    model = ScriptedModel(steps * 3, profile=GEMMA4)
    agent = Agent(model, tools=[add], tool_mode=mode)  # type: ignore[arg-type]
    for _ in range(2):
        assert (await agent.run("go")).output == "7"
    assert len(built) == 1  # six constrained steps in two runs, one build

    agent.toolset.add(sub)  # another toolset now: its constraint is built anew
    assert (await agent.run("go")).output == "7"
    assert len(built) == 2
    request = model.requests[-1]
    assert [s["function"]["name"] for s in request.tools] == ["add", "sub"]
