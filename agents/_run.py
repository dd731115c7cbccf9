"""The step loop of one agent run. Read this file to know what a run does.

    request → model → calls? → run them, append results, next step
                    → no calls → final answer (validated against output_type) → done

Everything model-specific is behind the profile and the tool mode; everything tool-specific
is behind the toolset. Events are yielded as they happen; `Agent.run` just drains them.

A durable run (an agent with a store) also has a journal (`agents._journal`): the model's calls
are on record before they run, and a batch with calls that need a decision stops the run
(`RunWaiting`) until `Agent.resume`, which starts here again with the batch it was in.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from agents import tool_modes, tracing
from agents.errors import (
    AgentsError,
    OutputValidationError,
    ResponseTruncated,
    RunTrace,
    UnreadableResponse,
    UsageLimitExceeded,
)
from agents.events import (
    STREAM_ONLY,
    Event,
    ModelResponded,
    OutputRetry,
    PendingCall,
    ResponseCut,
    RunFinished,
    RunStarted,
    RunWaiting,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.instructions import InstructionPart, resolve_instructions
from agents.messages import AssistantMessage, Message, SystemMessage, ToolResultMessage, UserMessage
from agents.models.base import Model, ModelRequest, ModelResponse, ModelSettings, ToolChoice
from agents.models.profiles import ToolMode
from agents.output import OutputSpec
from agents.usage import RunUsage, UsageLimits
from tools import RunContext, ToolCall, ToolResult, Toolset
from tools._toolset import idempotency_key

if TYPE_CHECKING:
    from agents._journal import Journal
    from agents.plan._progress import PlanProgress
    from agents.plan.planner import Planner
    from agents.tracing import RunSpans

log = logging.getLogger(__name__)

T = TypeVar("T")
X = TypeVar("X")
#: Retries after a response cut at max_tokens: one, asking for a shorter reply. More with the
#: same budget would be cut the same way.
CUT_RETRIES = 1
_CUT_REPLY = (
    "Your reply was cut off at the token limit before it was complete, so no call in it was run. "
    "Reply again, shorter: a shorter call, or a shorter answer."
)
_CUT_ANSWER = (
    "Your answer was cut off at the token limit before it was complete. "
    "Answer again, shorter: only the JSON value, with no text around it."
)


@dataclass
class Batch:
    """One batch of calls on its way to being run: the calls as they will run (with arguments a
    decision edited), results known already (stored before a crash, or denied), the calls a
    decision approved, and those still waiting for one."""

    step: int
    calls: list[ToolCall]
    results: dict[str, ToolResult] = field(default_factory=dict)
    approved: frozenset[str] = frozenset()
    pending: list[PendingCall] = field(default_factory=list)


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
    instructions: tuple[InstructionPart, ...] = ()  # resolved once, at the start
    events: list[Event] = field(default_factory=list)
    usage: RunUsage = field(default_factory=RunUsage)
    started: float = field(default_factory=time.monotonic)
    format_problems: int = 0
    cuts: int = 0  # responses cut at max_tokens in a row
    tool_retries: dict[str, int] = field(default_factory=dict)  # shared by every step's context
    output_retries_used: int = 0  # answers rejected so far (by type or by a validator)
    result: T | None = None
    journal: Journal | None = None  # a durable run's writer to the store
    resume: Batch | None = None  # a resumed run's unfinished batch
    waiting: list[PendingCall] = field(default_factory=list)  # why the run stopped unfinished
    planner: Planner | None = None  # plan-and-execute instead of call by call (agents/plan)
    plan: PlanProgress | None = None  # where a plan-and-execute run is (checkpointed)
    spans: RunSpans | None = None  # OpenTelemetry spans, when a provider records them (agents/tracing)

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

    def max_tokens(self) -> int | None:
        """The max_tokens the requests ask for (the run's settings over the profile's defaults)."""
        return self.model.profile.default_settings.merged(self.settings).max_tokens

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
            memo=self.toolset.derived,
        )


async def _in_time(state: RunState[Any], start: Callable[[], Awaitable[X]]) -> X:
    """`start()` awaited within what is left of `max_wall_time_s`; cancelled when that runs out."""
    limit = state.limits.max_wall_time_s
    state.limits.check_time(time.monotonic() - state.started)
    if limit is None:
        return await start()
    try:
        async with asyncio.timeout(limit - (time.monotonic() - state.started)) as deadline:
            return await start()
    except TimeoutError:
        if not deadline.expired():
            raise
        raise UsageLimitExceeded("max_wall_time_s", time.monotonic() - state.started, limit) from None


async def _ask(state: RunState[Any], request: ModelRequest, stream: bool) -> AsyncIterator[Any]:
    """One model request: deltas (streaming only), then the complete response."""
    state.limits.check_before_request(state.usage, time.monotonic() - state.started)
    with tracing.chat(state, request) as seen:  # `seen` records the response in the span
        if not stream:
            yield seen(await _in_time(state, partial(state.model.request, request)))
            return
        async with _closing(state.model.stream(request)) as items:
            while (item := await _in_time(state, partial(anext, items, None))) is not None:
                yield seen(item)


def _closing(items: AsyncIterator[T]) -> _Closing[T]:
    """Close `items` on the way out: a stream left early ends its model request now, not at GC."""
    return _Closing(items)


class _Closing(Generic[T]):
    # A class rather than @asynccontextmanager: it wraps the event streams of every step, and a
    # generator-based context manager costs an async generator of its own at each use.
    __slots__ = ("items",)

    def __init__(self, items: AsyncIterator[T]) -> None:
        self.items = items

    async def __aenter__(self) -> AsyncIterator[T]:
        return self.items

    async def __aexit__(self, *exc_info: object) -> None:
        close = getattr(self.items, "aclose", None)
        if close is not None:
            await close()


async def iterate(state: RunState[T], *, stream: bool) -> AsyncGenerator[Event, None]:
    """Run to the final answer, yielding events; errors carry the partial trace."""
    with tracing.run(state):
        try:
            async with _closing(_steps(state, stream)) as events:
                async for event in events:
                    yield event
        except AgentsError as e:
            e.trace = state.trace()
            if state.journal is not None:
                await state.journal.failed(state, e)
            raise


async def _respond(state: RunState[T], request: ModelRequest, step: int, stream: bool) -> AsyncIterator[Any]:
    response: ModelResponse | None = None
    log.debug(
        "run %s step %d: %d messages to %s", state.run_id, step, len(request.messages), state.model.name
    )
    async with _closing(_ask(state, request, stream)) as items:
        async for item in items:
            if isinstance(item, ModelResponse):
                response = item
            else:
                yield state.emit(item)
    assert response is not None, "a model stream must end with its complete response"
    state.usage.add_response(response.usage)
    state.limits.check_tokens(state.usage)
    yield state.emit(ModelResponded(step, response))
    state.cuts = state.cuts + 1 if response.finish_reason == "length" else 0
    if state.cuts:
        yield state.emit(ResponseCut(step, state.max_tokens()))


async def _steps(state: RunState[T], stream: bool) -> AsyncIterator[Event]:
    yield state.emit(RunStarted(state.run_id))
    await _instruct(state)
    if state.resume is not None:  # a resumed run: finish the batch it was in first
        async for event in _dispatch(state, state.resume):
            yield event
        if state.waiting:
            return
    elif state.journal is not None:
        await state.journal.started(state)
    if state.planner is not None:
        from agents.plan._strategy import plan_steps  # the plan-and-execute run, its own module

        async with _closing(plan_steps(state, state.planner, stream)) as events:
            async for event in events:
                yield event
        return
    async with _closing(call_steps(state, stream)) as events:
        async for event in events:
            yield event


async def call_steps(state: RunState[T], stream: bool) -> AsyncIterator[Event]:
    """Call by call: the model's calls run, their results go back, until it answers."""
    tool_choice = state.tool_choice
    while True:
        step = state.usage.requests + 1
        yield state.emit(StepStarted(step))
        request = state.request(tool_choice)
        response = None
        async with _closing(_respond(state, request, step, stream)) as events:
            async for event in events:
                if isinstance(event, ModelResponded):
                    response = event.response
                yield event
        assert response is not None
        got = tool_modes.extract(state.tool_mode, response, state.model.profile, request)
        if state.cuts and (got.calls or got.problem is not None):
            # Cut off by max_tokens: the calls may be fragments that still validate. Never run them.
            got = replace(got, calls=[], problem=_CUT_REPLY)

        if got.calls:
            state.limits.check_tool_calls(state.usage, len(got.calls))  # before any of them runs
            state.messages.append(
                AssistantMessage(text=got.text, tool_calls=got.calls, reasoning=response.reasoning)
            )
            for call in got.calls:
                yield state.emit(ToolCallStarted(step, call))
            if state.journal is not None:
                await state.journal.responded(state, step, got.calls)  # on record before any runs
            async for event in _dispatch(
                state, Batch(step, got.calls, pending=_approvals(state, step, got.calls))
            ):
                yield event
            if state.waiting:
                return
            if state.reset_tool_choice:
                tool_choice = "auto"  # a forced first call must not force every later step
            continue

        if got.problem is not None:
            # A call the model tried to write but that could not be read: say why, retry.
            state.format_problems += 1
            if state.cuts and (state.cuts > CUT_RETRIES or state.format_problems > state.format_retries):
                raise ResponseTruncated("reply", state.max_tokens(), state.cuts)
            if state.format_problems > state.format_retries:
                raise UnreadableResponse(state.format_problems, got.problem, state.format_retries)
            state.messages.append(AssistantMessage(text=response.text, reasoning=response.reasoning))
            told = got.problem if state.cuts else f"Your tool call could not be read: {got.problem}"
            state.messages.append(UserMessage(content=told))
            continue

        checked = await state.output.check(got.text, state.context(step))
        if checked.problems is None:
            state.messages.append(AssistantMessage(text=got.text, reasoning=response.reasoning))
            state.result = checked.value
            async for event in _finish(state):
                yield event
            return
        if checked.typed:
            # An output validator asked for another answer: say why; the tools stay available.
            retried = state.output_retries_used
            if retried >= state.output_retries:
                raise OutputValidationError(state.output.type_name, checked.problems, retried + 1)
            state.messages.append(AssistantMessage(text=got.text, reasoning=response.reasoning))
            state.messages.append(UserMessage(content=checked.retry_prompt))
            state.output_retries_used += 1
            yield state.emit(OutputRetry(step + 1, checked.problems))
            continue
        async for event in _final_output(state, stream):
            yield event
        return


async def _final_output(state: RunState[T], stream: bool) -> AsyncIterator[Event]:
    """The answer under the output type's JSON schema, retried with the validation error."""
    problems = ""
    attempts = state.output_retries + 1 - state.output_retries_used
    for attempt in range(attempts):
        step = state.usage.requests + 1
        if attempt:
            state.output_retries_used += 1
            yield state.emit(OutputRetry(step, problems))
        yield state.emit(StepStarted(step))
        response = None
        async with _closing(_respond(state, state.request("none", final=True), step, stream)) as events:
            async for event in events:
                if isinstance(event, ModelResponded):
                    response = event.response
                yield event
        assert response is not None
        checked = await state.output.check(response.text, state.context(step))
        state.messages.append(AssistantMessage(text=response.text, reasoning=response.reasoning))
        if checked.problems is None:
            state.result = checked.value
            async for event in _finish(state):
                yield event
            return
        problems = checked.problems if not state.cuts else _cut_problem(state.max_tokens())
        if state.cuts and (state.cuts > CUT_RETRIES or attempt == attempts - 1):
            raise ResponseTruncated("answer", state.max_tokens(), state.cuts)
        state.messages.append(UserMessage(content=_CUT_ANSWER if state.cuts else checked.retry_prompt))
    raise OutputValidationError(state.output.type_name, problems, state.output_retries_used + 1)


async def _dispatch(state: RunState[Any], batch: Batch) -> AsyncIterator[Event]:
    """Run a batch of calls and append their results in call order; or, when some of its calls
    wait for a decision, record that and stop the run (`state.waiting`) before any of them runs."""
    if batch.pending:
        assert state.journal is not None, "only a durable run waits for a decision"
        state.waiting = batch.pending
        await state.journal.waiting(state, batch.pending)
        yield state.emit(RunWaiting(batch.step, batch.pending))
        return
    to_run = [c for c in batch.calls if c.id not in batch.results]
    ctx = state.context(batch.step)
    run = partial(
        state.toolset.run_calls,
        to_run,
        ctx,
        hooks=state.journal,
        approved=batch.approved,
        trace=tracing.tools(state),
    )
    ran = {r.call_id: r for r in await _in_time(state, run)}
    state.usage.tool_calls += len(batch.calls)
    for call in batch.calls:
        result = batch.results.get(call.id) or ran[call.id]
        state.messages.append(
            ToolResultMessage(
                call_id=result.call_id, name=result.name, content=result.content, status=result.status
            )
        )
        yield state.emit(ToolCallFinished(batch.step, result))
    if state.journal is not None:
        await state.journal.results(state)
    state.limits.check_tokens(state.usage)


def _approvals(state: RunState[Any], step: int, calls: list[ToolCall]) -> list[PendingCall]:
    """The calls of a durable run that wait for a person: tools with `requires_approval` and no
    approver to ask. (Without a store, such a tool is a `ConfigError` when the agent is made.)"""
    if state.journal is None:
        return []
    waits = set(state.toolset.needs_approval)
    return [
        PendingCall(c.id, c.name, c.arguments, "approval", idempotency_key(state.run_id, step, c.id), step)
        for c in calls
        if c.name in waits
    ]


async def _finish(state: RunState[Any]) -> AsyncIterator[Event]:
    if state.journal is not None:
        await state.journal.finished(state)  # on record before the caller hears of it
    yield state.emit(RunFinished(state.result))


async def _instruct(state: RunState[Any]) -> None:
    """Resolve the instructions once, at the start, into the system message: a stable prefix."""
    if not state.instructions:
        return
    text = await resolve_instructions(state.instructions, state.context(0))
    history, new = state.messages[: state.new_from], state.messages[state.new_from :]
    state.messages = [*initial_messages(text, history, None), *new]
    state.new_from = len(state.messages) - len(new)


def _cut_problem(max_tokens: int | None) -> str:
    limit = f"max_tokens={max_tokens}" if max_tokens is not None else "the server's default max_tokens"
    return f"The answer was cut off at the token limit ({limit}) before it was complete."


def initial_messages(
    instructions: str | None, history: list[Message], prompt: UserMessage | None
) -> list[Message]:
    """System instructions first (a stable prefix), then the history, then the new prompt."""
    kept = [m for m in history if not (instructions is not None and isinstance(m, SystemMessage))]
    head: list[Message] = [SystemMessage(content=instructions)] if instructions is not None else []
    return [*head, *kept, *([prompt] if prompt is not None else [])]
