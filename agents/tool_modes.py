"""How a request asks for tool calls, and how calls are read back from a response.

Three modes (the profile picks the default, the user can override per agent or per run):
- `server`: OpenAI `tools` in, the server's tool parser (`--tool-call-parser`) out; calls the
  server left in the text are parsed by the profile's native codec.
- `grammar`: the model writes its native call format under a grammar compiled from the
  toolset by the profile's compiler (Gemma 4: agents.gemma4.grammar), so every call names a
  real tool with valid arguments; a typed answer is constrained by the same grammar.
- `json`: the model writes one JSON object under a JSON-schema constraint: either
  `{"tool_calls": [{"name": ..., "arguments": {...}}]}` or `{"answer": ...}`. Works on any
  model vLLM serves, at the price of leaving the model's native format.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from agents.errors import ConfigError
from agents.models.base import ModelRequest, ModelResponse, ModelSettings, OutputSchema, ToolChoice
from agents.models.profiles import ModelProfile, ToolMode
from tools import ToolCall

TOOL_MODES: tuple[ToolMode, ...] = ("server", "grammar", "json")
_json_ids = itertools.count(1)


@dataclass(frozen=True)
class Extracted:
    """Text and calls read from a response; `problem` says why a call could not be read."""

    text: str
    calls: list[ToolCall]
    problem: str | None = None


def check_mode(mode: str, profile: ModelProfile | None = None) -> ToolMode:
    """`mode`, if it is a tool mode (and `profile`, when given, can serve it); else a ConfigError."""
    if mode not in TOOL_MODES:
        raise ConfigError(f"Unknown tool mode {mode!r}; expected one of {', '.join(TOOL_MODES)}.")
    return profile.check_tool_mode(mode) if profile is not None else mode


def prepare(
    mode: ToolMode,
    request: ModelRequest,
    *,
    specs: Sequence[dict[str, Any]],
    tool_choice: ToolChoice,
    profile: ModelProfile,
    parallel: bool = True,
) -> ModelRequest:
    """The request with tools declared and the mode's constraint attached."""
    if not specs or tool_choice == "none":
        return replace(request, tools=list(specs), tool_choice="none" if specs else None)
    if mode == "server":
        return replace(request, tools=list(specs), tool_choice=tool_choice)
    if mode == "json":
        schema = json_mode_schema(
            specs, tool_choice=tool_choice, answer=request.output_schema, parallel=parallel
        )
        # tool_choice "none": the server's parser must leave our JSON alone; the tools
        # stay declared so the prompt (and its cached prefix) is the same in every mode.
        return replace(
            request,
            tools=list(specs),
            tool_choice="none",
            output_schema=None,
            structured_outputs={"json": schema},
        )
    # The grammar is the profile's: it knows its family's call format (and says if it has none).
    # A typed answer goes into the same grammar, so it needs no second request.
    grammar = profile.compile_tool_grammar(
        specs, tool_choice=tool_choice, parallel=parallel, answer=request.output_schema
    )
    settings = request.settings
    if grammar.logit_bias:
        settings = settings.merged(ModelSettings(logit_bias=grammar.logit_bias))
    return replace(
        request,
        tools=list(specs),
        tool_choice="auto",
        output_schema=None,
        structured_outputs=grammar.structured_outputs(),
        settings=settings,
    )


def extract(mode: ToolMode, response: ModelResponse, profile: ModelProfile) -> Extracted:
    """Read the calls out of a response."""
    if mode == "json" and not response.tool_calls:
        return _extract_json(response.text)
    if response.tool_calls:
        return Extracted(response.text, list(response.tool_calls))
    if profile.text_call_parser is not None:
        from agents.gemma4 import ParseError

        try:
            text, calls = profile.text_call_parser(response.text)
        except ParseError as e:
            return Extracted(response.text, [], problem=str(e))
        return Extracted(text, calls)
    return Extracted(response.text, [])


def json_mode_schema(
    specs: Sequence[dict[str, Any]],
    *,
    tool_choice: ToolChoice,
    answer: OutputSchema | None,
    parallel: bool,
) -> dict[str, Any]:
    """The JSON schema of one json-mode response: calls, or (unless a call is required) an answer."""
    wanted = [s for s in specs if tool_choice in ("auto", "required") or s["function"]["name"] == tool_choice]
    if not wanted:
        raise ConfigError(f"tool_choice names {tool_choice!r}, which is not in the toolset.")
    call_schemas = [
        {
            "type": "object",
            "properties": {
                "name": {"const": s["function"]["name"]},
                "arguments": s["function"].get("parameters") or {"type": "object"},
            },
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for s in wanted
    ]
    items: dict[str, Any] = call_schemas[0] if len(call_schemas) == 1 else {"anyOf": call_schemas}
    calls: dict[str, Any] = {"type": "array", "items": items, "minItems": 1}
    if not parallel:
        calls["maxItems"] = 1
    calls_branch = {
        "type": "object",
        "properties": {"tool_calls": calls},
        "required": ["tool_calls"],
        "additionalProperties": False,
    }
    if tool_choice != "auto":
        return calls_branch
    answer_schema = answer.schema if answer is not None else {"type": "string"}
    answer_branch = {
        "type": "object",
        "properties": {"answer": answer_schema},
        "required": ["answer"],
        "additionalProperties": False,
    }
    return {"anyOf": [calls_branch, answer_branch]}


def _extract_json(text: str) -> Extracted:
    try:
        data = json.loads(text)
    except ValueError as e:
        return Extracted(
            text, [], problem=f"Your reply was not valid JSON ({e}). Reply with one JSON object."
        )
    if isinstance(data, dict) and isinstance(data.get("tool_calls"), list):
        calls = [
            ToolCall(
                id=f"json_call_{next(_json_ids)}",
                name=str(c.get("name", "")),
                arguments=c.get("arguments") or {},
            )
            for c in data["tool_calls"]
            if isinstance(c, dict)
        ]
        return Extracted("", calls)
    if isinstance(data, dict) and "answer" in data:
        answer = data["answer"]
        return Extracted(answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False), [])
    return Extracted(text, [], problem='Reply with {"tool_calls": [...]} or {"answer": ...}.')
