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
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, TypeVar

from agents.errors import AgentsError, ConfigError
from agents.models.base import ModelRequest, ModelResponse, ModelSettings, OutputSchema, ToolChoice
from agents.models.profiles import GrammarConstraint, ModelProfile, ToolMode
from tools import ToolCall

T = TypeVar("T")
TOOL_MODES: tuple[ToolMode, ...] = ("server", "grammar", "json")
#: Deeper nesting in a call's arguments than any real tool takes (the native codec's bound too);
#: deeper JSON would exhaust the stack wherever it is decoded, validated or serialised.
MAX_ARGUMENT_DEPTH = 64
Constraint = Literal["json", "grammar"]
_json_ids = itertools.count(1)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_LONG_DIGITS = re.compile(r"[0-9]{4000}")


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


class Memo(Protocol):
    """Keeps what is derived from one toolset (`Toolset.derived`)."""

    def __call__(self, key: Hashable, make: Callable[[], T]) -> T: ...


def _no_memo(key: Hashable, make: Callable[[], T]) -> T:
    return make()


def prepare(
    mode: ToolMode,
    request: ModelRequest,
    *,
    specs: Sequence[dict[str, Any]],
    tool_choice: ToolChoice,
    profile: ModelProfile,
    parallel: bool = True,
    memo: Memo = _no_memo,
) -> ModelRequest:
    """The request with tools declared and the mode's constraint attached.

    `memo` (the toolset's `derived`) keeps the constraint made from `specs`, so that a run
    builds its json-mode schema or grammar once per toolset and options, not at every step.
    """
    if not specs or tool_choice == "none":
        return replace(request, tools=list(specs), tool_choice="none" if specs else None)
    if mode == "server":
        return replace(request, tools=list(specs), tool_choice=tool_choice)
    answer = request.output_schema
    # The answer's schema is part of the constraint; its JSON text is the key (small beside the specs).
    key = (mode, profile.family, tool_choice, parallel, json.dumps(answer.schema) if answer else None)
    if mode == "json":
        schema = memo(
            key,
            lambda: json_mode_schema(specs, tool_choice=tool_choice, answer=answer, parallel=parallel),
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
    def compile_grammar() -> GrammarConstraint:
        return profile.compile_tool_grammar(specs, tool_choice=tool_choice, parallel=parallel, answer=answer)

    grammar = memo(key, compile_grammar)
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


def constraint(request: ModelRequest) -> Constraint | None:
    """The call constraint `prepare` attached to `request`.

    "json": the reply is one `{"tool_calls"|"answer"}` object; "grammar": native calls under a
    grammar; None: nothing about calls (no tools, tool_choice "none", server mode), so the
    reply is free text or, with an output type, the answer under its own schema.
    """
    if not request.structured_outputs:
        return None
    return "json" if "json" in request.structured_outputs else "grammar"


def extract(
    mode: ToolMode, response: ModelResponse, profile: ModelProfile, request: ModelRequest
) -> Extracted:
    """Read the calls out of a response to `request` (as `prepare` made it).

    Never raises for anything the model wrote: what cannot be read comes back as `problem`.
    """
    if response.tool_calls:
        got = Extracted(response.text, list(response.tool_calls))
    elif mode == "json" and constraint(request) == "json":
        got = _extract_json(response.text)
    elif profile.text_call_parser is not None:
        try:
            text, calls = profile.text_call_parser(response.text)
        except Exception as e:  # a parser of model text fails on bad text, whatever it raises
            return Extracted(response.text, [], problem=_unreadable(e))
        got = Extracted(text, calls)
    else:
        got = Extracted(response.text, [])
    problems = [p for p in map(_check_arguments, got.calls) if p is not None]
    if problems:
        return Extracted(response.text, [], problem=" ".join(problems))
    return got


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


_SHAPE = 'Reply with one JSON object: {"tool_calls": [{"name": ..., "arguments": {...}}]} or {"answer": ...}.'


def _extract_json(text: str) -> Extracted:
    try:
        data = json.loads(text)
    except RecursionError:
        return Extracted(
            text, [], problem=f"Your reply nests deeper than {MAX_ARGUMENT_DEPTH} levels. {_SHAPE}"
        )
    except ValueError as e:
        return Extracted(text, [], problem=f"Your reply was not valid JSON ({_unreadable(e)}). {_SHAPE}")
    if _depth(data) > MAX_ARGUMENT_DEPTH + 3:  # the object, its list and the call around the arguments
        return Extracted(
            text, [], problem=f"Your reply nests deeper than {MAX_ARGUMENT_DEPTH} levels. {_SHAPE}"
        )
    if isinstance(data, dict) and "tool_calls" in data:
        wanted = data["tool_calls"]
        if not (isinstance(wanted, list) and wanted and all(_is_call(c) for c in wanted)):
            return Extracted(text, [], problem=f'"tool_calls" must be a list of calls. {_SHAPE}')
        return Extracted("", [_json_call(c) for c in wanted])
    if isinstance(data, dict) and "answer" in data:
        answer = data["answer"]
        return Extracted(answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False), [])
    return Extracted(text, [], problem=_SHAPE)


def _is_call(c: Any) -> bool:
    return isinstance(c, dict) and isinstance(c.get("name"), str)


def _json_call(c: dict[str, Any]) -> ToolCall:
    arguments = c.get("arguments")
    if arguments is None:
        arguments = {}
    elif not isinstance(arguments, dict):
        arguments = json.dumps(arguments)  # as JSON text, the toolset says what it should be
    return ToolCall(id=f"json_call_{next(_json_ids)}", name=c["name"], arguments=arguments)


def _check_arguments(call: ToolCall) -> str | None:
    """Why a call's arguments cannot go to the toolset at all, or None.

    Everything else wrong with them (bad JSON, wrong types) is the toolset's to explain.
    """
    too_deep = f"The arguments of `{call.name}` nest deeper than {MAX_ARGUMENT_DEPTH} levels."
    value: Any = call.arguments
    if isinstance(value, str):
        text = value
        if text.count("[") + text.count("{") <= MAX_ARGUMENT_DEPTH and not _LONG_DIGITS.search(text):
            return None  # the usual case: too few brackets to nest deep, no number too long to read
        try:
            value = json.loads(text)
        except RecursionError:
            return too_deep
        except json.JSONDecodeError:
            # Broken JSON: the toolset explains it, unless it nests so deep that decoding it again,
            # from a deeper stack, would exhaust the stack before finding the break.
            return too_deep if _text_depth(text) > MAX_ARGUMENT_DEPTH else None
        except ValueError as e:  # an integer with more digits than Python converts
            return f"The arguments of `{call.name}` could not be read: {_unreadable(e)}."
    return too_deep if _depth(value) > MAX_ARGUMENT_DEPTH else None


def _text_depth(text: str) -> int:
    """How deeply brackets nest in JSON text, outside strings."""
    brackets = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return 0
    return max(itertools.accumulate(1 if c in "[{" else -1 for c in brackets))


def _depth(value: Any) -> int:
    """How deeply lists and dicts nest in `value` (a scalar is 0); stops counting past the bound."""
    deepest, level = 0, [value]
    while deepest <= MAX_ARGUMENT_DEPTH + 3:
        containers = [v for v in level if isinstance(v, dict | list)]
        if not containers:
            break
        deepest += 1
        level = [child for c in containers for child in (c.values() if isinstance(c, dict) else c)]
    return deepest


def _unreadable(e: BaseException) -> str:
    """An exception from reading model text, as one short line for the model."""
    if isinstance(e, AgentsError):
        return str(e)  # the codec's own errors say where and what
    first = str(e).split("; use ")[0].strip()  # drop Python's advice on sys settings
    first = f"{type(e).__name__}: {first}" if first else type(e).__name__
    return first if len(first) <= 300 else first[:300] + "..."
