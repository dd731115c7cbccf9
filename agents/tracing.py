"""OpenTelemetry spans of agent runs, after the GenAI semantic conventions.

    invoke_agent {agent}            one run (its parent: whatever span is current when it starts)
      ├─ chat {model}               each model request: model, settings, tokens, finish reason
      └─ execute_tool {tool}        each tool call: name, call id; current while the tool runs

Spans go to the tracer provider of `Tracing(tracer_provider=...)`, else to OpenTelemetry's global
one. Nothing is traced, and `opentelemetry` is never imported here, unless the application has
set a provider up: a run checks once, at its start (`Tracing.start`), and a run without spans
pays one `None` check per hook. Nothing leaves the process but through the exporters the
application gave its provider.

Message contents (prompts, answers, tool arguments and results) are recorded only when asked:
`Tracing(capture_content=True)`, or `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.

The run's spans are never made current across a `yield` (a run is an async generator that its
caller resumes, perhaps from another task): chat and tool spans name their parent explicitly,
and a tool's span is current only while its handler runs, so spans the tool makes nest in it.
"""

from __future__ import annotations

import json
import os
import sys
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from agents.messages import AssistantMessage, Message, SystemMessage, ToolResultMessage, UserMessage
from agents.models.base import ModelRequest, ModelResponse
from tools import Tool, ToolCall, ToolResult

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from agents._run import RunState

CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""Set to `true` to record message contents in spans (what `Tracing(capture_content=None)` reads)."""
_ON = frozenset({"true", "1", "yes", "span_only", "span_and_event"})
_SCOPE = "gemma-agents"
_VERSION = "0.1.0"
T = TypeVar("T")
Note = Callable[..., None]
"""Adds attributes to a span (`note(**{"key": value})`); does nothing when there is no span."""


@dataclass(frozen=True)
class Tracing:
    """How an agent's runs are traced (`Agent(..., tracing=Tracing(...))`).

    `tracer_provider`: an OpenTelemetry `TracerProvider`; None uses the global one
    (`opentelemetry.trace.set_tracer_provider`), and traces nothing while none is set.
    `capture_content`: record prompts, answers, tool arguments and results in the spans; None
    reads `$OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` at each run's start.
    `enabled=False` turns this agent's spans off whatever the provider.
    """

    tracer_provider: TracerProvider | None = None
    capture_content: bool | None = None
    enabled: bool = True

    def start(self, agent_name: str) -> RunSpans | None:
        """The spans of one run, or None when nothing would record them (checked once per run)."""
        tracer = self._tracer()
        if tracer is None:
            return None
        capture = self.capture_content
        if capture is None:
            capture = os.environ.get(CONTENT_ENV, "").strip().lower() in _ON
        return RunSpans(tracer, agent_name, capture)

    def _tracer(self) -> Tracer | None:
        if not self.enabled:
            return None
        provider = self.tracer_provider
        if provider is None:
            api = sys.modules.get("opentelemetry.trace")
            if api is None:  # nobody imported OpenTelemetry, so nobody set a provider up
                return None
            provider = api.get_tracer_provider()
            if isinstance(provider, api.ProxyTracerProvider | api.NoOpTracerProvider):
                return None
        return _tracer_of(provider)


_tracers: weakref.WeakKeyDictionary[Any, Tracer] = weakref.WeakKeyDictionary()


def _tracer_of(provider: TracerProvider) -> Tracer:
    found = _tracers.get(provider)
    if found is None:
        found = _tracers[provider] = provider.get_tracer(_SCOPE, _VERSION)
    return found


class RunSpans:
    """The spans of one run: its `invoke_agent` span and the `chat` and `execute_tool` spans in it."""

    def __init__(self, tracer: Tracer, agent_name: str, capture_content: bool) -> None:
        self.tracer = tracer
        self.agent_name = agent_name
        self.capture_content = capture_content
        self.parent: Context | None = None  # the run span's context, once it has started

    @contextmanager
    def run(self, state: RunState[Any]) -> Iterator[None]:
        from opentelemetry import trace

        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": self.agent_name,
            "gen_ai.request.model": state.model.name,
            "gemma_agents.run.id": state.run_id,
        }
        if state.journal is not None and state.journal.record.session_id is not None:
            attributes["gen_ai.conversation.id"] = state.journal.record.session_id
        with self._span(f"invoke_agent {self.agent_name}", attributes) as span:
            self.parent = trace.set_span_in_context(span)
            try:
                yield
            finally:
                span.set_attributes(
                    {
                        "gen_ai.usage.input_tokens": state.usage.input_tokens,
                        "gen_ai.usage.output_tokens": state.usage.output_tokens,
                    }
                )
                if self.capture_content and state.result is not None and span.is_recording():
                    span.set_attribute("gen_ai.output.messages", _json([_answer(state.result)]))

    @contextmanager
    def chat(self, state: RunState[Any], request: ModelRequest) -> Iterator[Callable[[T], T]]:
        from opentelemetry.trace import SpanKind

        model = state.model
        settings = model.profile.default_settings.merged(request.settings)
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": model.name,
            **_defined(
                {
                    "gen_ai.request.temperature": settings.temperature,
                    "gen_ai.request.top_p": settings.top_p,
                    "gen_ai.request.top_k": settings.top_k,
                    "gen_ai.request.max_tokens": settings.max_tokens,
                    "gen_ai.request.seed": settings.seed,
                    "gen_ai.request.stop_sequences": list(settings.stop) if settings.stop else None,
                }
            ),
            **_server(getattr(model, "base_url", None)),
        }
        with self._span(f"chat {model.name}", attributes, kind=SpanKind.CLIENT) as span:
            if self.capture_content and span.is_recording():
                span.set_attribute("gen_ai.input.messages", _json([_message(m) for m in request.messages]))

            def seen(item: T) -> T:
                if isinstance(item, ModelResponse):
                    self._responded(span, item)
                return item

            yield seen

    def _responded(self, span: Span, response: ModelResponse) -> None:
        span.set_attributes(
            {
                "gen_ai.response.finish_reasons": [response.finish_reason or "unknown"],
                "gen_ai.usage.input_tokens": response.usage.input_tokens,
                "gen_ai.usage.output_tokens": response.usage.output_tokens,
                **_defined({"gen_ai.response.model": response.model_name}),
            }
        )
        if self.capture_content and span.is_recording():
            message = _message(AssistantMessage(text=response.text, tool_calls=response.tool_calls))
            message["finish_reason"] = _FINISH.get(response.finish_reason or "", response.finish_reason)
            span.set_attribute("gen_ai.output.messages", _json([message]))

    @contextmanager
    def tool(self, call: ToolCall, tool: Tool | None) -> Iterator[Callable[[ToolResult], None]]:
        """One call's span, current while the handler runs; told the call's result."""
        from opentelemetry import trace

        attributes = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.name,
            "gen_ai.tool.call.id": call.id,
            "gen_ai.tool.type": "function",
            **_defined({"gen_ai.tool.description": tool.description if tool is not None else None}),
        }
        with (
            self._span(f"execute_tool {call.name}", attributes) as span,
            trace.use_span(span, end_on_exit=False, record_exception=False, set_status_on_exception=False),
        ):
            if self.capture_content and span.is_recording():
                span.set_attribute("gen_ai.tool.call.arguments", _arguments(call.arguments))

            def returned(result: ToolResult) -> None:
                if result.status != "ok":
                    # The model gets a result either way; for the call, anything but "ok" failed.
                    _failed(span, f"tool_{result.status}", result.content if self.capture_content else None)
                if self.capture_content and span.is_recording():
                    span.set_attribute("gen_ai.tool.call.result", result.content)

            yield returned

    @contextmanager
    def _span(self, name: str, attributes: Mapping[str, Any], kind: Any = None) -> Iterator[Span]:
        """A span that ends on the way out, with the error of an exception that left it."""
        from opentelemetry.trace import SpanKind

        span = self.tracer.start_span(
            name, context=self.parent, kind=kind or SpanKind.INTERNAL, attributes=attributes
        )
        try:
            yield span
        except GeneratorExit:
            raise  # the caller closed the stream early: stopped, not failed
        except BaseException as e:
            # An error's message may quote the model's output or a server's reply: content too.
            _failed(span, _error_type(e), str(e) if self.capture_content else None)
            raise
        finally:
            span.end()


# -- the hooks `agents._run` calls: one line each, and nothing to do for a run without spans ----


def run(state: RunState[Any]) -> AbstractContextManager[None]:
    """The run's `invoke_agent` span, around the whole run."""
    return state.spans.run(state) if state.spans is not None else nullcontext()


def _same(item: T) -> T:
    return item


def chat(state: RunState[Any], request: ModelRequest) -> AbstractContextManager[Callable[[T], T]]:
    """A `chat` span around one model request; `seen(item)` passes each streamed item through and
    records the response's usage and finish reason."""
    return state.spans.chat(state, request) if state.spans is not None else nullcontext(_same)


def tools(state: RunState[Any]) -> Callable[[ToolCall, Tool | None], AbstractContextManager[Any]] | None:
    """The hook `Toolset.run_calls` wraps each call in (its `trace=`), or None."""
    return state.spans.tool if state.spans is not None else None


@contextmanager
def span(name: str, attributes: Mapping[str, Any], tracing: Tracing | None = None) -> Iterator[Note]:
    """A span of the application's own (an eval trial), current inside the block, so the runs in
    it are its children; yields `note(**attributes)` to add what the block found out (an
    `error.type` among them marks the span failed)."""
    tracer = (tracing or Tracing())._tracer()
    if tracer is None:
        yield _ignore
        return
    with tracer.start_as_current_span(name, attributes=attributes, record_exception=False) as current:

        def note(**found: Any) -> None:
            current.set_attributes(found)
            if "error.type" in found:
                _failed(current, str(found["error.type"]), None)

        yield note


def _ignore(**_: Any) -> None:
    return None


# -- attribute values -----------------------------------------------------------------------

_FINISH = {"tool_calls": "tool_call"}  # the semantic conventions' word for OpenAI's


def _failed(span: Span, error_type: str, description: str | None) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR, description))


def _error_type(e: BaseException) -> str:
    kind = type(e)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _defined(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None}


def _server(base_url: object) -> dict[str, Any]:
    if not isinstance(base_url, str):
        return {}
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return _defined({"server.address": parts.hostname, "server.port": port})


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _arguments(arguments: dict[str, Any] | str) -> str:
    return arguments if isinstance(arguments, str) else _json(arguments)


def _answer(output: Any) -> dict[str, Any]:
    text = output if isinstance(output, str) else _json(_plain(output))
    return {"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}


def _plain(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    return dump(mode="json") if callable(dump) else value


def _message(message: Message) -> dict[str, Any]:
    """A message in the conventions' shape: a role and typed parts (media by type only)."""
    parts: list[dict[str, Any]] = []
    if isinstance(message, SystemMessage):
        parts.append({"type": "text", "content": message.content})
    elif isinstance(message, UserMessage):
        content = message.content
        if isinstance(content, str):
            parts.append({"type": "text", "content": content})
        else:
            parts += [
                {"type": "text", "content": p.text} if p.type == "text" else {"type": p.type} for p in content
            ]
    elif isinstance(message, AssistantMessage):
        if message.text:
            parts.append({"type": "text", "content": message.text})
        parts += [_call(c) for c in message.tool_calls]
    elif isinstance(message, ToolResultMessage):
        parts.append({"type": "tool_call_response", "id": message.call_id, "response": message.content})
    return {"role": message.role, "parts": parts}


def _call(call: ToolCall) -> dict[str, Any]:
    return {"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments}
