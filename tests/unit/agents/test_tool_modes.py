"""Tool modes: what each puts in the request and how it reads calls back."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from agents.errors import ConfigError
from agents.models import GEMMA4, GENERIC, ModelRequest, ModelResponse, OutputSchema
from agents.models.profiles import ToolMode
from agents.tool_modes import check_mode, extract, json_mode_schema, prepare
from tools import ToolCall

SPECS = [
    {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
            },
        },
    },
    {
        "type": "function",
        "function": {"name": "now", "description": "Time.", "parameters": {"type": "object"}},
    },
]


def test_server_mode_passes_tools_and_choice() -> None:
    r = prepare("server", ModelRequest(messages=[]), specs=SPECS, tool_choice="required", profile=GENERIC)
    assert r.tools == SPECS and r.tool_choice == "required" and r.structured_outputs is None


def test_no_tools_or_none_choice() -> None:
    r = prepare("grammar", ModelRequest(messages=[]), specs=[], tool_choice="auto", profile=GEMMA4)
    assert r.tools == [] and r.tool_choice is None and r.structured_outputs is None
    r = prepare("json", ModelRequest(messages=[]), specs=SPECS, tool_choice="none", profile=GEMMA4)
    assert r.tool_choice == "none" and r.structured_outputs is None


def test_json_mode_schema_accepts_calls_and_answers() -> None:
    schema = json_mode_schema(SPECS, tool_choice="auto", answer=None, parallel=True)
    jsonschema.validate({"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}, schema)
    jsonschema.validate({"answer": "hi"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tool_calls": [{"name": "add", "arguments": {"a": "x", "b": 2}}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tool_calls": [{"name": "rm", "arguments": {}}]}, schema)


def test_json_mode_required_named_and_serial() -> None:
    schema = json_mode_schema(SPECS, tool_choice="now", answer=None, parallel=False)
    jsonschema.validate({"tool_calls": [{"name": "now", "arguments": {}}]}, schema)
    for bad in (
        {"answer": "x"},
        {"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 1}}]},
        {"tool_calls": [{"name": "now", "arguments": {}}] * 2},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    with pytest.raises(ConfigError, match="not in the toolset"):
        json_mode_schema(SPECS, tool_choice="nope", answer=None, parallel=True)


def test_json_mode_answer_carries_output_schema() -> None:
    out = OutputSchema("R", {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]})
    r = prepare(
        "json", ModelRequest(messages=[], output_schema=out), specs=SPECS, tool_choice="auto", profile=GENERIC
    )
    assert r.output_schema is None and r.tool_choice == "none"
    schema = r.structured_outputs["json"]  # type: ignore[index]
    jsonschema.validate({"answer": {"n": 3}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"answer": "three"}, schema)


JSON_SENT = prepare("json", ModelRequest(messages=[]), specs=SPECS, tool_choice="auto", profile=GENERIC)


def test_json_mode_extract() -> None:
    got = extract(
        "json",
        ModelResponse(text=json.dumps({"tool_calls": [{"name": "add", "arguments": {"a": 1}}]})),
        GENERIC,
        JSON_SENT,
    )
    assert [(c.name, c.arguments) for c in got.calls] == [("add", {"a": 1})]
    assert extract("json", ModelResponse(text='{"answer": {"n": 3}}'), GENERIC, JSON_SENT).text == '{"n": 3}'
    assert extract("json", ModelResponse(text="{oops"), GENERIC, JSON_SENT).problem is not None


def test_server_calls_win_over_text() -> None:
    call = ToolCall(id="1", name="add", arguments="{}")
    got = extract("server", ModelResponse(text="hi", tool_calls=[call]), GEMMA4, ModelRequest(messages=[]))
    assert got.calls == [call] and got.text == "hi"


def test_unknown_mode() -> None:
    with pytest.raises(ConfigError, match="expected one of"):
        check_mode("xml")


def test_prepare_says_which_constraint_it_applied() -> None:
    from agents.tool_modes import constraint

    def sent(mode: ToolMode, specs: list[dict[str, Any]], choice: str) -> str | None:
        return constraint(
            prepare(mode, ModelRequest(messages=[]), specs=specs, tool_choice=choice, profile=GEMMA4)
        )

    assert sent("json", SPECS, "auto") == "json"
    assert sent("grammar", SPECS, "auto") == "grammar"
    assert sent("server", SPECS, "auto") is None
    assert sent("json", SPECS, "none") is None
    assert sent("json", [], "auto") is None


def test_json_mode_reads_free_text_when_no_json_constraint_was_sent() -> None:
    plain = prepare("json", ModelRequest(messages=[]), specs=SPECS, tool_choice="none", profile=GENERIC)
    got = extract("json", ModelResponse(text="Hello there"), GENERIC, plain)
    assert (got.text, got.calls, got.problem) == ("Hello there", [], None)
    assert extract("json", ModelResponse(text="Hello there"), GENERIC, JSON_SENT).problem is not None
