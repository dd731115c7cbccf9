"""The grammar tool mode: served only by profiles with a grammar compiler, and a typed answer
constrained in the same request as the calls."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agents import Agent
from agents.errors import ConfigError
from agents.models import GEMMA4, GEMMA4_LOCAL, GENERIC, ModelRequest, ModelResponse, OutputSchema
from agents.testing import FunctionModel, ScriptedModel, call
from agents.tool_modes import check_mode, prepare


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


class Sum(BaseModel):
    n: int


SPEC = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


# -- scenario 8: a mode the profile cannot serve is a ConfigError -----------------------------


def test_generic_profile_cannot_serve_grammar_mode() -> None:
    assert "grammar" not in GENERIC.tool_modes and "grammar" in GEMMA4.tool_modes
    with pytest.raises(ConfigError, match="no grammar compiler"):
        check_mode("grammar", GENERIC)
    with pytest.raises(ConfigError, match="no grammar compiler"):
        prepare("grammar", ModelRequest(messages=[]), specs=[SPEC], tool_choice="auto", profile=GENERIC)
    assert check_mode("json", GENERIC) == "json" and check_mode("grammar", GEMMA4) == "grammar"


def test_agent_refuses_grammar_mode_on_a_generic_model() -> None:
    with pytest.raises(ConfigError, match="tool_mode 'json'"):
        Agent(ScriptedModel(["hi"], name="llama-3"), tools=[add], tool_mode="grammar")
    agent = Agent(ScriptedModel(["hi"], name="llama-3"), tools=[add])
    with pytest.raises(ConfigError, match="no grammar compiler"):
        agent.run_sync("hi", tool_mode="grammar")


def test_grammar_comes_from_the_profile() -> None:
    seen = []

    def compiler(profile, specs, *, tool_choice, parallel, answer):  # type: ignore[no-untyped-def]
        seen.append((profile.family, tool_choice, parallel, answer))
        return GEMMA4.compile_tool_grammar(specs, tool_choice=tool_choice)

    from dataclasses import replace

    custom = replace(GENERIC, family="custom", tool_grammar=compiler)
    r = prepare("grammar", ModelRequest(messages=[]), specs=[SPEC], tool_choice="required", profile=custom)
    assert seen == [("custom", "required", True, None)] and "grammar" in (r.structured_outputs or {})


def test_local_profile_bounds_free_strings() -> None:
    string_tool = {
        "type": "function",
        "function": {
            "name": "say",
            "parameters": {"type": "object", "properties": {"s": {"type": "string"}}},
        },
    }
    local = GEMMA4_LOCAL.compile_tool_grammar([string_tool], tool_choice="required")
    full = GEMMA4.compile_tool_grammar([string_tool], tool_choice="required")
    limit = GEMMA4_LOCAL.grammar_max_string_length
    assert limit and f",{limit}}}" in local.structured_outputs()["grammar"]
    assert f",{limit}}}" not in full.structured_outputs()["grammar"]
    assert GEMMA4_LOCAL.grammar_max_items and GEMMA4.grammar_max_items is None


# -- scenario 11: a typed answer in the same constraint as the calls --------------------------


def test_grammar_carries_the_answer_schema_instead_of_response_format() -> None:
    out = OutputSchema("Sum", Sum.model_json_schema())
    r = prepare(
        "grammar",
        ModelRequest(messages=[], output_schema=out),
        specs=[SPEC],
        tool_choice="auto",
        profile=GEMMA4,
    )
    grammar = (r.structured_outputs or {})["grammar"]
    assert r.output_schema is None  # one constraint: the grammar
    assert '"\\"n\\":"' in grammar and "call:add" in grammar
    required = prepare(
        "grammar",
        ModelRequest(messages=[], output_schema=out),
        specs=[SPEC],
        tool_choice="required",
        profile=GEMMA4,
    )
    assert '"\\"n\\":"' not in (required.structured_outputs or {})["grammar"]  # a call comes first


def _constrained(request: ModelRequest) -> bool:
    """Whether this request constrains the answer to Sum's JSON (as the server would enforce)."""
    grammar = (request.structured_outputs or {}).get("grammar", "")
    return request.output_schema is not None or '"\\"n\\":"' in grammar


def test_call_then_typed_answer_takes_two_requests() -> None:
    def model(request: ModelRequest) -> ModelResponse | str:
        if not any(m.role == "tool" for m in request.messages):
            return ModelResponse(tool_calls=[call("add", a=1, b=2)], finish_reason="tool_calls")
        # Like a real model: prose unless the constraint makes it write the JSON.
        return '{"n":3}' if _constrained(request) else "The sum is 3."

    fake = FunctionModel(model, profile=GEMMA4)
    result = Agent(fake, tools=[add], output_type=Sum, tool_mode="grammar").run_sync("1+2?")
    assert result.output == Sum(n=3)
    assert len(fake.requests) == 2  # was 3: call, unconstrained prose, then response_format
    assert all(r.output_schema is None for r in fake.requests)
    assert '"\\"n\\":"' in (fake.requests[0].structured_outputs or {})["grammar"]
