"""Per-family model facts. The one place where a model's name decides anything.

A profile says how to sample, how to switch thinking on, which fields the server uses,
how to treat thoughts in history, which tool-call modes it can serve (the `grammar` mode needs
the family's own grammar compiler, `tool_grammar`), and how `agents serve` starts vLLM for the
family. The agent loop asks the profile; it never checks a model name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Protocol

from agents.messages import Message, SystemMessage
from agents.models._identity import ByIdentity
from agents.models.base import ModelRequest, ModelSettings, OutputSchema, ToolChoice
from tools import ToolCall
from tools.errors import ConfigError

ToolMode = Literal["server", "grammar", "json"]
TextCallParser = Callable[[str], tuple[str, list[ToolCall]]]
ThoughtSplitter = Callable[[str], tuple[str, str | None]]


class GrammarConstraint(Protocol):
    """A compiled tool grammar: the `structured_outputs` field, and a logit bias to send with it."""

    @property
    def logit_bias(self) -> dict[int, float] | None: ...

    def structured_outputs(self) -> dict[str, Any]: ...


class ToolGrammarCompiler(Protocol):
    """Compiles tool specs into a grammar of the family's native call format.

    tool_choice: "auto" (calls or an answer), "required" or a tool name (a call first).
    answer: the run's output schema; under "auto" the answer must then match it.
    """

    def __call__(
        self,
        profile: ModelProfile,
        specs: Sequence[dict[str, Any]],
        *,
        tool_choice: ToolChoice,
        parallel: bool,
        answer: OutputSchema | None,
    ) -> GrammarConstraint: ...


@dataclass(frozen=True)
class ModelProfile:
    family: str
    default_settings: ModelSettings = field(default_factory=ModelSettings)
    # Thinking: the chat_template_kwargs key that switches it on, or None if unsupported.
    thinking_kwarg: str | None = None
    strip_thoughts_from_history: bool = True
    multiple_system_messages: bool = True
    default_tool_mode: ToolMode = "server"
    # vLLM server flags for this family (tool and reasoning parsers).
    server_args: tuple[str, ...] = ()
    chat_template: str | None = None  # a template file inside the agents package, or None
    # Token ids of the native call markers, for logit_bias (tokenizer facts).
    marker_token_ids: dict[str, int] = field(default_factory=dict)
    # Parses calls the server left in the text: (text without calls, calls).
    text_call_parser: TextCallParser | None = None
    # Takes thinking blocks out of raw text: (text, thoughts). Servers do this with their
    # reasoning parser; the in-process engine has none.
    thought_splitter: ThoughtSplitter | None = None
    # Under the tool grammar, a logit bias on the call-end and string-delimiter tokens, for
    # models that never learned their markers (they would not close a string otherwise).
    grammar_marker_bias: float | None = None
    # The family's tool grammar compiler (the `grammar` tool mode); None: the mode is not served.
    tool_grammar: ToolGrammarCompiler | None = None
    # Under the tool grammar, the most characters of a string argument whose schema sets no
    # maxLength: for models that would otherwise write one until max_tokens cuts the call.
    grammar_max_string_length: int | None = None
    # Likewise, the most items of an array argument whose schema sets no maxItems.
    grammar_max_items: int | None = None

    @property
    def tool_modes(self) -> tuple[ToolMode, ...]:
        """The tool modes this profile can serve."""
        return ("server", "grammar", "json") if self.tool_grammar is not None else ("server", "json")

    def check_tool_mode(self, mode: ToolMode) -> ToolMode:
        """`mode` if this profile can serve it, else a ConfigError that says what to use."""
        if mode not in self.tool_modes:
            raise ConfigError(
                f"Tool mode {mode!r} needs a grammar of the model's native call format, and profile "
                f"{self.family!r} has no grammar compiler. Use tool_mode 'json' (any model) or "
                f"'server', or give the model a profile with a `tool_grammar`."
            )
        return mode

    def compile_tool_grammar(
        self,
        specs: Sequence[dict[str, Any]],
        *,
        tool_choice: ToolChoice,
        parallel: bool = True,
        answer: OutputSchema | None = None,
    ) -> GrammarConstraint:
        """The grammar constraint for these tools, by this family's compiler."""
        if self.tool_grammar is None:
            self.check_tool_mode("grammar")
        assert self.tool_grammar is not None
        return self.tool_grammar(self, specs, tool_choice=tool_choice, parallel=parallel, answer=answer)

    def prepare(self, request: ModelRequest) -> ModelRequest:
        """Apply the family's defaults and history rules to a request."""
        settings = self.default_settings.merged(request.settings)
        kwargs = dict(request.chat_template_kwargs)
        if request.thinking is not None and self.thinking_kwarg is not None:
            kwargs.setdefault(self.thinking_kwarg, request.thinking)
        messages = list(request.messages)
        if self.strip_thoughts_from_history:
            messages = [_without_reasoning(m) for m in messages]
        if not self.multiple_system_messages:
            messages = _one_system_message(messages)
        return replace(request, settings=settings, chat_template_kwargs=kwargs, messages=messages)

    def chat_template_path(self) -> Path | None:
        if self.chat_template is None:
            return None
        return Path(str(resources.files("agents").joinpath(self.chat_template)))


# By role rather than isinstance in these two: they see every message of the history at every
# step, and a pydantic class's isinstance check costs three times as much.


def _without_reasoning(m: Message) -> Message:
    if m.role == "assistant" and m.reasoning:
        copy = _STRIPPED.get(m)
        if copy is None:
            copy = m.model_copy(update={"reasoning": None})
            _STRIPPED.put(m, copy)
        return copy
    return m


# One copy per message, not one per step: the request body's encoder then finds it again. The copy
# is shallow, so it shares the lists inside the message and follows their edits; the rest of a
# message is frozen.
_STRIPPED: ByIdentity[Message, Message] = ByIdentity()


def _one_system_message(messages: list[Message]) -> list[Message]:
    systems = [m.content for m in messages if m.role == "system"]
    if len(systems) <= 1:
        return messages
    rest = [m for m in messages if m.role != "system"]
    return [SystemMessage(content="\n\n".join(systems)), *rest]


def _gemma4_text_calls(text: str) -> tuple[str, list[ToolCall]]:
    from agents.gemma4 import extract_calls  # imported late: the codec is optional here

    return extract_calls(text)


def _gemma4_thoughts(text: str) -> tuple[str, str | None]:
    from agents.gemma4 import ThoughtSegment, parse

    segments = parse(text, strict=False)
    thoughts = [s.text for s in segments if isinstance(s, ThoughtSegment)]
    if not thoughts:
        return text, None
    # Calls stay in the text for the call parser; only the thinking blocks go.
    rest = [s for s in segments if not isinstance(s, ThoughtSegment)]
    from agents.gemma4 import CallSegment
    from agents.gemma4.render import render_tool_call

    out = "".join(render_tool_call(s.call) if isinstance(s, CallSegment) else s.text for s in rest)
    return out, "\n".join(thoughts)


def _gemma4_tool_grammar(
    profile: ModelProfile,
    specs: Sequence[dict[str, Any]],
    *,
    tool_choice: ToolChoice,
    parallel: bool,
    answer: OutputSchema | None,
) -> GrammarConstraint:
    from agents.gemma4.grammar import compile_tool_grammar

    return compile_tool_grammar(
        list(specs),
        require_call=tool_choice != "auto",
        tool_name=None if tool_choice in ("auto", "required") else tool_choice,
        parallel=parallel,
        # A required call comes first: text before it could run to max_tokens without one. With a
        # typed output the reply is calls or the JSON answer: prose has no use there, and a small
        # model's prose before a call ran to max_tokens (Gemma 3 270M in the demo).
        allow_text=tool_choice == "auto" and answer is None,
        # Markers as single special tokens: what a trained model writes anyway, and what the
        # server's streaming parser needs to see a call.
        marker_token_ids=profile.marker_token_ids or None,
        marker_bias=profile.grammar_marker_bias,
        max_string_length=profile.grammar_max_string_length,
        max_items=profile.grammar_max_items,
        answer_schema=answer.schema if answer is not None else None,
    )


GEMMA4 = ModelProfile(
    family="gemma4",
    # Model card defaults.
    default_settings=ModelSettings(temperature=1.0, top_p=0.95, top_k=64),
    thinking_kwarg="enable_thinking",
    strip_thoughts_from_history=True,
    multiple_system_messages=False,
    default_tool_mode="grammar",
    server_args=(
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "gemma4",
        "--reasoning-parser",
        "gemma4",
    ),
    chat_template="gemma4/chat_template.jinja",
    marker_token_ids={
        "tool_call_start": 48,
        "tool_call_end": 49,
        "string_delim": 52,
        "thought_start": 100,
        "thought_end": 101,
    },
    text_call_parser=_gemma4_text_calls,
    thought_splitter=_gemma4_thoughts,
    tool_grammar=_gemma4_tool_grammar,
)

# The project's offline CPU models speak the Gemma 4 format through a tokenizer whose marker
# tokens were renamed from unused Gemma 3 ids: their weights never learned them. Same facts
# as Gemma 4, plus the nudges the grammar needs to end strings and calls: a logit bias on the
# closing markers, and bounds on free-text strings and arrays without a maximum. Without the
# bounds, 3 of 8 grammar calls of the 270M model ran to max_tokens inside a string or a list
# (benchmarks/tool_call_validity.py); with them, 8 of 8 were valid. The bounds cost xgrammar
# about 2 s more to compile each grammar once (vLLM caches compiled grammars by their text):
# see benchmarks/grammar_compile.py; a 64-character bound cost about three times as much.
GEMMA4_LOCAL = replace(
    GEMMA4,
    family="gemma4-local",
    grammar_marker_bias=8.0,
    grammar_max_string_length=32,
    grammar_max_items=4,
)

GENERIC = ModelProfile(family="generic")

# Patterns over the served model name, first match wins. The project's local CPU models
# (scripts/setup-server): "tiny" is a random Gemma 4 network and "gemma3-270m" is Gemma 3
# 270M base weights behind a Gemma 4 tokenizer and template.
_PATTERNS: list[tuple[re.Pattern[str], ModelProfile]] = [
    (re.compile(r"^(tiny|gemma3-270m)$"), GEMMA4_LOCAL),
    (re.compile(r"gemma[-_ ]?4", re.I), GEMMA4),
]

PROFILES: dict[str, ModelProfile] = {p.family: p for p in (GEMMA4, GEMMA4_LOCAL, GENERIC)}


def profile_for(model_name: str) -> ModelProfile:
    """The profile for a served model name; `GENERIC` when no family matches."""
    for pattern, profile in _PATTERNS:
        if pattern.search(model_name):
            return profile
    return GENERIC


def get_profile(name_or_profile: str | ModelProfile) -> ModelProfile:
    """A profile by family name ("gemma4", "generic"), or the profile itself."""
    if isinstance(name_or_profile, ModelProfile):
        return name_or_profile
    try:
        return PROFILES[name_or_profile]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ConfigError(f"Unknown model profile {name_or_profile!r}; known profiles: {known}.") from None
