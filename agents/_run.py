"""The step loop of one agent run. Read this file to know what a run does.

    request → model → calls? → run them, append results, next step
                    → no calls → final answer (validated against output_type) → done

Everything model-specific is behind the profile and the tool mode; everything tool-specific
is behind the toolset. Events are yielded as they happen; `Agent.run` just drains them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from agents import tool_modes
from agents.errors import AgentsError, OutputValidationError, RunTrace, ToolRetriesExceeded
from agents.events import (
    STREAM_ONLY,
    Event,
    ModelResponded,
    OutputRetry,
    RunFinished,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.messages import AssistantMessage, Message, SystemMessage, ToolResultMessage, UserMessage
from agents.models.base import Model, ModelRequest, ModelResponse, ModelSettings, ToolChoice
from agents.models.profiles import ToolMode
from agents.output import OutputSpec
from agents.usage import RunUsage, UsageLimits
from tools import RunContext, Toolset

T = TypeVar("T")


@dataclass
class RunState(Generic[T]):
    """One run's configuration and everything it has produced so far."""

    run_id: str
    model: Model
    toolset: Toolset
    output: OutputSpec[T]
    limits: UsageLimits
    settings: ModelSettings
    tool_mode: ToolMode
    tool_choice: ToolChoice
    reset_tool_choice: bool
    thinking: bool | None
    deps: Any
    output_retries: int
    format_retries: int
    messages: list[Message]
    new_from: int  # index of the first message this run added
    events: list[Event] = field(default_factory=list)
    usage: RunUsage = field(default_factory=RunUsage)
    started: float = field(default_factory=time.monotonic)
    format_problems: int = 0
    tool_retries: dict[str, int] = field(default_factory=dict)  # shared by every step's context
    result: T | None = None

    def emit(self, event: Event) -> Event:
        if not isinstance(event, STREAM_ONLY):
            self.events.append(event)
        return event

    def trace(self) -> RunTrace:
        return RunTrace(self.run_id, list(self.messages), list(self.events), self.usage)

    def context(self, step: int) -> RunContext[Any]:
        return RunContext(
            deps=self.deps,
            run_id=self.run_id,
            step=step,
            messages=list(self.messages),
            retries=self.tool_retries,
        )

    def request(self, tool_choice: ToolChoice, *, final: bool = False) -> ModelRequest:
        base = ModelRequest(
            messages=list(self.messages),
            # json and grammar modes constrain a typed answer together with the calls.
            output_schema=self.output.schema if final or self.tool_mode != "server" else None,
            settings=self.settings,
            thinking=self.thinking,
        )
        specs = self.toolset.specs()
        if final:
            # Tools stay declared so the prompt prefix (and vLLM's prefix cache) is unchanged.
            return replace(base, tools=specs, tool_choice="none" if specs else None)
        return tool_modes.prepare(
            self.tool_mode,
            base,
            specs=specs,
            tool_choice=tool_choice,
            profile=self.model.profile,
            parallel=self.settings.parallel_tool_calls is not False,
        )


async def _ask(state: RunState[Any], request: ModelRequest, stream: bool) -> AsyncIterator[Any]:
    """One model request: deltas (streaming only), then the complete response."""
    state.limits.check_before_request(state.usage, time.monotonic() - state.started)
    if not stream:
        yield await state.model.request(request)
        return
    async for item in state.model.stream(request):
        yield item


async def iterate(state: RunState[T], *, stream: bool) -> AsyncIterator[Event]:
    """Run to the final answer, yielding events; errors carry the partial trace."""
    try:
        async for event in _steps(state, stream):
            yield event
    except AgentsError as e:
        e.trace = state.trace()
        raise


async def _respond(state: RunState[T], request: ModelRequest, step: int, stream: bool) -> AsyncIterator[Any]:
    response: ModelResponse | None = None
    async for item in _ask(state, request, stream):
        if isinstance(item, ModelResponse):
            response = item
        else:
            yield state.emit(item)
    assert response is not None, "a model stream must end with its complete response"
    state.usage.add_response(response.usage)
    state.limits.check_tokens(state.usage)
    yield state.emit(ModelResponded(step, response))


async def _steps(state: RunState[T], stream: bool) -> AsyncIterator[Event]:
    yield state.emit(RunStarted(state.run_id))
    tool_choice = state.tool_choice
    while True:
        step = state.usage.requests + 1
        yield state.emit(StepStarted(step))
        response = None
        async for event in _respond(state, state.request(tool_choice), step, stream):
            if isinstance(event, ModelResponded):
                response = event.response
            yield event
        assert response is not None
        got = tool_modes.extract(state.tool_mode, response, state.model.profile)
        if got.calls and response.finish_reason == "length":
            # Cut off by max_tokens: the calls may be fragments that still validate. Never run them.
            problem = (
                "it was cut off at the token limit before it was complete, so it was not run. "
                "Write a shorter call."
            )
            got = replace(got, calls=[], problem=problem)

        if got.calls:
            state.messages.append(
                AssistantMessage(text=got.text, tool_calls=got.calls, reasoning=response.reasoning)
            )
            for call in got.calls:
                yield state.emit(ToolCallStarted(step, call))
            results = await state.toolset.run_calls(got.calls, state.context(step))
            state.usage.tool_calls += len(got.calls)
            for result in results:
                state.messages.append(
                    ToolResultMessage(
                        call_id=result.call_id, name=result.name, content=result.content, status=result.status
                    )
                )
                yield state.emit(ToolCallFinished(step, result))
            state.limits.check_tokens(state.usage)
            if state.reset_tool_choice:
                tool_choice = "auto"  # a forced first call must not force every later step
            continue

        if got.problem is not None:
            # A call the model tried to write but that could not be read: say why, retry.
            state.format_problems += 1
            if state.format_problems > state.format_retries:
                raise ToolRetriesExceeded("(unreadable call)", state.format_problems, got.problem)
            state.messages.append(AssistantMessage(text=response.text, reasoning=response.reasoning))
            state.messages.append(UserMessage(content=f"Your tool call could not be read: {got.problem}"))
            continue

        value, problems = state.output.validate(got.text)
        if problems is None:
            state.messages.append(AssistantMessage(text=got.text, reasoning=response.reasoning))
            state.result = value
            yield state.emit(RunFinished(value))
            return
        async for event in _final_output(state, stream):
            yield event
        return


async def _final_output(state: RunState[T], stream: bool) -> AsyncIterator[Event]:
    """The answer under the output type's JSON schema, retried with the validation error."""
    problems = ""
    for attempt in range(state.output_retries + 1):
        step = state.usage.requests + 1
        if attempt:
            yield state.emit(OutputRetry(step, problems))
        yield state.emit(StepStarted(step))
        response = None
        async for event in _respond(state, state.request("none", final=True), step, stream):
            if isinstance(event, ModelResponded):
                response = event.response
            yield event
        assert response is not None
        value, found = state.output.validate(response.text)
        state.messages.append(AssistantMessage(text=response.text, reasoning=response.reasoning))
        if found is None:
            state.result = value
            yield state.emit(RunFinished(value))
            return
        problems = found
        state.messages.append(UserMessage(content=state.output.retry_prompt(problems)))
    raise OutputValidationError(state.output.type_name, problems, state.output_retries + 1)


def initial_messages(
    instructions: str | None, history: list[Message], prompt: UserMessage | None
) -> list[Message]:
    """System instructions first (a stable prefix), then the history, then the new prompt."""
    kept = [m for m in history if not (instructions is not None and isinstance(m, SystemMessage))]
    head: list[Message] = [SystemMessage(content=instructions)] if instructions is not None else []
    return [*head, *kept, *([prompt] if prompt is not None else [])]
