"""The `Model` protocol and the request/response types every model implementation shares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from agents.messages import Message
from tools import ToolCall

if TYPE_CHECKING:
    from agents.models.profiles import ModelProfile

ToolChoice = Literal["auto", "none", "required"] | str
""""auto", "none", "required", or the name of the one tool the model must call."""


@dataclass(frozen=True)
class ModelSettings:
    """Sampling and request settings; None means "leave it to the profile or the server".

    `extra_body` is merged into the request body last, for server fields this class does
    not name.
    """

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    repetition_penalty: float | None = None
    logit_bias: dict[int, float] | None = None
    parallel_tool_calls: bool | None = None
    timeout_s: float | None = None
    extra_body: dict[str, Any] | None = None

    def merged(self, override: ModelSettings | None) -> ModelSettings:
        """These settings with every field that `override` sets replaced."""
        if override is None:
            return self
        changes = {f.name: getattr(override, f.name) for f in fields(override)}
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:  # nothing to replace (every step merges the agent's, mostly empty)
            return self
        if self.extra_body and override.extra_body:
            changes["extra_body"] = {**self.extra_body, **override.extra_body}
        if self.logit_bias and override.logit_bias:
            changes["logit_bias"] = {**self.logit_bias, **override.logit_bias}
        return replace(self, **changes)


@dataclass
class Usage:
    """Token counts of one response (or a sum of several)."""

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens)


@dataclass(frozen=True)
class OutputSchema:
    """A JSON schema the whole response must follow (response_format json_schema)."""

    name: str
    schema: dict[str, Any]
    strict: bool = True


@dataclass(frozen=True)
class ModelRequest:
    """Everything one model request needs, before a client turns it into its wire format.

    `structured_outputs` is vLLM's constraint field (json, regex, choice, grammar,
    structural_tag); `output_schema` becomes the OpenAI `response_format`.
    """

    messages: Sequence[Message]
    tools: Sequence[dict[str, Any]] = ()
    tool_choice: ToolChoice | None = None
    output_schema: OutputSchema | None = None
    structured_outputs: dict[str, Any] | None = None
    settings: ModelSettings = field(default_factory=ModelSettings)
    chat_template_kwargs: dict[str, Any] = field(default_factory=dict)
    thinking: bool | None = None


@dataclass(frozen=True)
class ModelResponse:
    """One complete model response."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: str | None = None
    finish_reason: str | None = "stop"
    usage: Usage = field(default_factory=Usage)
    model_name: str | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class ToolCallDelta:
    """A piece of a streamed tool call; `index` tells parallel calls apart."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


StreamDelta = TextDelta | ReasoningDelta | ToolCallDelta
StreamItem = StreamDelta | ModelResponse
"""A stream yields deltas, then exactly one complete `ModelResponse` last."""


@runtime_checkable
class Model(Protocol):
    """What the agent needs from a model: one request, or one streamed request.

    A model that holds connections may also define `async def aclose()`, closing those of the
    running event loop; `Agent.aclose`, `async with agent` and `Agent.run_sync` call it.
    """

    @property
    def name(self) -> str: ...

    @property
    def profile(self) -> ModelProfile: ...

    async def request(self, request: ModelRequest) -> ModelResponse: ...

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]: ...
