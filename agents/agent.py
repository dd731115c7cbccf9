"""`Agent`: configuration and the entry points `run`, `run_sync` and `run_stream`."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import uuid
import warnings
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, Unpack, overload

from agents import tool_modes
from agents._durable import DURABILITY, Durability, Durable, StoreHandle, attach, reopen
from agents._run import RunState, iterate
from agents.errors import ConfigError
from agents.events import Event, PendingCall, ToolCallFinished, ToolCallStarted
from agents.instructions import Instructions, instruction_parts
from agents.messages import ContentPart, Message, UserMessage
from agents.models.base import Model, ModelSettings, ToolChoice
from agents.models.profiles import ToolMode
from agents.output import OutputSpec, OutputValidator
from agents.tracing import Tracing
from agents.usage import RunUsage, UsageLimits
from tools import Tool, ToolCall, ToolResult, Toolset
from tools._tool import ToolOptions
from tools._toolset import no_approver

if TYPE_CHECKING:
    from agents.memory import Decision, HistoryPolicy, RunRecord, Store
    from agents.plan.planner import Planner

OutputT = TypeVar("OutputT")
Prompt = str | Sequence[ContentPart] | UserMessage


@dataclass
class RunResult(Generic[OutputT]):
    """What a run produced: its output, or (`status == "waiting"`) the calls it waits on."""

    output: OutputT
    messages: list[Message]
    events: list[Event]
    usage: RunUsage
    run_id: str
    new_from: int = 0
    model_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    status: Literal["finished", "waiting"] = "finished"
    pending: list[PendingCall] = field(default_factory=list)
    session_id: str | None = None

    @property
    def waiting(self) -> bool:
        """True when the run stopped for decisions on `pending` calls (`output` is None then):
        decide on each, then `Agent.resume(run_id)`."""
        return self.status == "waiting"

    def new_messages(self) -> list[Message]:
        """The messages this run added (the prompt included), without the earlier history."""
        return self.messages[self.new_from :]

    def tool_calls(self) -> list[ToolCall]:
        return [e.call for e in self.events if isinstance(e, ToolCallStarted)]

    def tool_results(self) -> list[ToolResult]:
        return [e.result for e in self.events if isinstance(e, ToolCallFinished)]


class AgentStream(Generic[OutputT]):
    """An async iterator over a run's events; `.result` once it is exhausted.

    Use it as `async with agent.run_stream(...) as stream:` so that leaving the loop early (a
    `break`, an exception) ends the run and its model request at once, not when the garbage
    collector finds them.
    """

    def __init__(self, events: AsyncGenerator[Event, None], finish: Callable[[], RunResult[OutputT]]) -> None:
        self._events = events
        self._finish = finish
        self._result: RunResult[OutputT] | None = None

    def __aiter__(self) -> AgentStream[OutputT]:
        return self

    async def __aenter__(self) -> AgentStream[OutputT]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the run where it is (nothing to do once it has finished); a request in flight is closed."""
        await self._events.aclose()

    async def __anext__(self) -> Event:
        try:
            return await self._events.__anext__()
        except StopAsyncIteration:
            self._result = self._finish()
            raise

    @property
    def result(self) -> RunResult[OutputT]:
        if self._result is None:
            raise RuntimeError("The stream has not finished yet: iterate it to the end first.")
        return self._result


def _toolset(tools: Toolset | Sequence[Tool | Callable[..., Any] | Toolset] | None) -> Toolset:
    if tools is None:
        return Toolset()
    if isinstance(tools, Toolset):
        return tools
    return Toolset(list(tools))


class Agent(Generic[OutputT]):
    """A model, its tools and instructions, and the rules of a run.

    >>> agent = Agent(model, tools=[get_weather], instructions="Be brief.")
    >>> result = await agent.run("Weather in Paris?")

    `instructions` is a str, a function of the run context (sync or async) returning a str, or a
    list of both; they become the run's system message once, at its start. With
    `planner=Planner()` the agent plans and executes instead of calling tools one response at a
    time (see `agents.plan.Planner`). Add tools with `tools=` (functions, `Tool`s, and MCP
    servers: `agents.mcp.MCPToolset`) or `@agent.tool`, and checks of the final answer with
    `@agent.output_validator`. Runs become OpenTelemetry spans once the application has set a
    tracer provider up (`tracing=agents.tracing.Tracing(...)` chooses the provider, message
    contents, or none).
    """

    @overload
    def __init__(
        self: Agent[str],
        model: Model,
        *,
        tools: Toolset | Sequence[Tool | Callable[..., Any] | Toolset] | None = None,
        instructions: Instructions | None = None,
        output_type: None = None,
        limits: UsageLimits | None = None,
        settings: ModelSettings | None = None,
        tool_mode: ToolMode | None = None,
        tool_choice: ToolChoice = "auto",
        reset_tool_choice: bool = True,
        thinking: bool | None = None,
        output_retries: int = 2,
        format_retries: int = 2,
        name: str | None = None,
        store: Store | str | os.PathLike[str] | None = None,
        history: HistoryPolicy | None = None,
        durability: Durability = "step",
        planner: Planner | None = None,
        tracing: Tracing | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: Agent[OutputT],
        model: Model,
        *,
        tools: Toolset | Sequence[Tool | Callable[..., Any] | Toolset] | None = None,
        instructions: Instructions | None = None,
        output_type: type[OutputT],
        limits: UsageLimits | None = None,
        settings: ModelSettings | None = None,
        tool_mode: ToolMode | None = None,
        tool_choice: ToolChoice = "auto",
        reset_tool_choice: bool = True,
        thinking: bool | None = None,
        output_retries: int = 2,
        format_retries: int = 2,
        name: str | None = None,
        store: Store | str | os.PathLike[str] | None = None,
        history: HistoryPolicy | None = None,
        durability: Durability = "step",
        planner: Planner | None = None,
        tracing: Tracing | None = None,
    ) -> None: ...

    def __init__(
        self,
        model: Model,
        *,
        tools: Toolset | Sequence[Tool | Callable[..., Any] | Toolset] | None = None,
        instructions: Instructions | None = None,
        output_type: type[Any] | None = None,
        limits: UsageLimits | None = None,
        settings: ModelSettings | None = None,
        tool_mode: ToolMode | None = None,
        tool_choice: ToolChoice = "auto",
        reset_tool_choice: bool = True,
        thinking: bool | None = None,
        output_retries: int = 2,
        format_retries: int = 2,
        name: str | None = None,
        store: Store | str | os.PathLike[str] | None = None,
        history: HistoryPolicy | None = None,
        durability: Durability = "step",
        planner: Planner | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        if not isinstance(model, Model):
            raise ConfigError(
                f"model must implement agents.models.Model (request, stream), got {type(model).__name__}."
            )
        self.model = model
        self.toolset = _toolset(tools)
        instruction_parts(instructions)  # a ConfigError now rather than at the first run
        self.instructions = instructions
        self.output = OutputSpec.of(output_type if output_type is not None else str)
        self.limits = limits or UsageLimits()
        self.settings = settings or ModelSettings()
        self.tool_mode = tool_modes.check_mode(tool_mode, model.profile) if tool_mode is not None else None
        self.tool_choice = self._check_choice(tool_choice)
        self.reset_tool_choice = reset_tool_choice
        self.thinking = thinking
        _check_thinking(model, thinking, stacklevel=3)
        if output_retries < 0 or format_retries < 0:
            raise ConfigError("output_retries and format_retries must be >= 0.")
        self.output_retries = output_retries
        self.format_retries = format_retries
        self.name = name or "agent"
        if durability not in DURABILITY:
            raise ConfigError(f"durability must be one of {', '.join(DURABILITY)}, not {durability!r}.")
        self._durable = Durable(StoreHandle(store), durability, history, self.name)
        self.planner = planner
        self.tracing = tracing or Tracing()
        self._running: contextlib.AsyncExitStack | None = None  # live tools kept up by `async with`
        waits = self.toolset.needs_approval
        if planner is not None and waits:
            raise ConfigError(
                f"Tool {waits[0]!r} needs approval, and a plan's steps cannot stop to wait for a "
                "decision yet: give it an approver (ToolOptions approver=...) or use the agent "
                "without a planner."
            )
        if waits and not self._durable.handle.configured:
            raise no_approver(waits[0])

    def _check_choice(self, choice: ToolChoice) -> ToolChoice:
        if choice not in ("auto", "none", "required") and choice not in self.toolset:
            raise ConfigError(
                f"tool_choice {choice!r} is neither auto/none/required nor a tool name; "
                f"tools: {self.toolset.names}. A tool added later with @agent.tool can be forced "
                "per run: agent.run(..., tool_choice=...)."
            )
        return choice

    @overload
    def tool(self, fn: Callable[..., Any], /) -> Tool: ...

    @overload
    def tool(self, /, **options: Unpack[ToolOptions]) -> Callable[[Callable[..., Any]], Tool]: ...

    def tool(
        self, fn: Callable[..., Any] | None = None, /, **options: Unpack[ToolOptions]
    ) -> Tool | Callable[[Callable[..., Any]], Tool]:
        """Decorator: `@agent.tool` or `@agent.tool(name=..., timeout=5)` adds a tool to the agent.

        The tool goes into `agent.toolset` (the `Toolset` given as `tools=`, if one was), as with
        `@toolset.tool`; see `Tool.from_function` for the options. A first parameter annotated
        `RunContext` receives the run context.
        """
        register = self.toolset.tool(**options)
        return register(fn) if fn is not None else register

    def output_validator(self, fn: OutputValidator[OutputT]) -> OutputValidator[OutputT]:
        """Decorator: check (and perhaps change) every final answer before the run accepts it.

        `fn` takes `(ctx, output)` or `(output)`, sync or async, and returns the output. It may
        raise `ModelRetry("what is wrong")` to send that back to the model for another answer,
        within the agent's `output_retries` (shared with answers that fail the output type).
        Validators run in the order they were added.

        >>> @agent.output_validator
        ... def must_cite(output: str) -> str:
        ...     if "[1]" not in output:
        ...         raise ModelRetry("Cite your source as [1].")
        ...     return output
        """
        self.output = self.output.with_validator(fn)
        return fn

    def _state(
        self,
        prompt: Prompt | None,
        *,
        deps: Any,
        message_history: Sequence[Message] | None,
        settings: ModelSettings | None,
        limits: UsageLimits | None,
        tool_mode: ToolMode | None,
        tool_choice: ToolChoice | None,
        thinking: bool | None,
        run_id: str | None,
    ) -> RunState[OutputT]:
        history = list(message_history or [])
        if prompt is None and not history and run_id is None:
            raise ConfigError("A run needs a prompt or a message history.")
        user = _user_message(prompt) if prompt is not None else None
        messages = [*history, *([user] if user is not None else [])]  # the loop adds the instructions
        if thinking:
            _check_thinking(self.model, thinking, stacklevel=4)
        mode = (
            tool_modes.check_mode(tool_mode, self.model.profile)
            if tool_mode
            else (self.tool_mode or self.model.profile.default_tool_mode)
        )
        return RunState(
            run_id=run_id or uuid.uuid4().hex,
            model=self.model,
            toolset=self.toolset,
            output=self.output,
            limits=limits or self.limits,
            settings=self.settings.merged(settings),
            tool_mode=mode,
            tool_choice=self._check_choice(tool_choice) if tool_choice is not None else self.tool_choice,
            reset_tool_choice=self.reset_tool_choice,
            thinking=thinking if thinking is not None else self.thinking,
            deps=deps,
            output_retries=self.output_retries,
            format_retries=self.format_retries,
            messages=messages,
            new_from=len(history),
            instructions=(
                *instruction_parts(self.instructions),
                *((self.planner.instructions,) if self.planner is not None else ()),
            ),
            planner=self.planner,
            spans=self.tracing.start(self.name),
        )

    def _result(self, state: RunState[OutputT]) -> RunResult[OutputT]:
        return RunResult(
            output=state.result,  # type: ignore[arg-type]
            messages=state.messages,
            events=state.events,
            usage=state.usage,
            run_id=state.run_id,
            new_from=state.new_from,
            model_name=self.model.name,
            status="waiting" if state.waiting else "finished",
            pending=list(state.waiting),
            session_id=state.journal.record.session_id if state.journal is not None else None,
        )

    async def _events(
        self, state: RunState[OutputT], session: str | None, *, stream: bool, record: RunRecord | None = None
    ) -> AsyncGenerator[Event, None]:
        """The run's events; with a store, the session's history first and the journal on. The
        toolset's live parts (MCP servers) run for the run, unless the agent keeps them running."""
        async with state.toolset.running():
            if record is None:
                await attach(state, self._durable, session)
            else:
                await reopen(state, self._durable, record)
            async with contextlib.aclosing(iterate(state, stream=stream)) as events:
                async for event in events:
                    yield event

    async def run(
        self,
        prompt: Prompt | None = None,
        *,
        deps: Any = None,
        message_history: Sequence[Message] | None = None,
        settings: ModelSettings | None = None,
        limits: UsageLimits | None = None,
        tool_mode: ToolMode | None = None,
        tool_choice: ToolChoice | None = None,
        thinking: bool | None = None,
        run_id: str | None = None,
        session: str | None = None,
    ) -> RunResult[OutputT]:
        """Run to a final answer. Raises a subclass of `AgentsError` (with `.trace`) on failure.

        With a store (`Agent(..., store=...)`), `session="id"` loads that conversation's history
        (through the agent's `history` policy) and appends the run's messages to it; the run is
        durable either way (see `resume`). A run that stops for decisions on calls returns with
        `status == "waiting"`.
        """
        state = self._state(
            prompt,
            deps=deps,
            message_history=message_history,
            settings=settings,
            limits=limits,
            tool_mode=tool_mode,
            tool_choice=tool_choice,
            thinking=thinking,
            run_id=run_id,
        )
        async for _ in self._events(state, session, stream=False):
            pass
        return self._result(state)

    async def resume(
        self,
        run_id: str,
        *,
        deps: Any = None,
        decisions: Mapping[str, Decision] | None = None,
        settings: ModelSettings | None = None,
        limits: UsageLimits | None = None,
    ) -> RunResult[OutputT]:
        """Go on with a stored run that crashed or waits for decisions, in this process or another.

        `decisions` (call id -> `Approve()`, `Edit(arguments)` or `Deny(reason)`) are recorded
        first, as `Store.decide` would. Calls whose results are stored are not run again; a call
        that was in flight when the process died runs again (with the same idempotency key) if
        its tool is read-only or idempotent, and waits for a decision if it is unsafe. A finished
        run returns its stored result. The agent must be built as the one that started the run
        (same tools); its model may differ.
        """
        store = await self._durable.handle.get()
        if store is None:
            raise ConfigError("resume needs the store the run was written to: Agent(..., store=...).")
        for call_id, decision in (decisions or {}).items():
            await store.decide(run_id, call_id, decision)
        record = await store.run(run_id)
        if record.status == "failed":
            raise ConfigError(f"Run {run_id} failed ({record.error}); it cannot be resumed. Start a new run.")
        state = self._state(
            None,
            deps=deps,
            message_history=None,
            settings=settings,
            limits=limits,
            tool_mode=record.config.get("tool_mode"),
            tool_choice=None,
            thinking=None,
            run_id=run_id,
        )
        if record.status == "finished":
            await reopen(state, self._durable, record, claim=False)
            state.result = self.output.adapter.validate_python(record.output)
            return self._result(state)
        async for _ in self._events(state, None, stream=False, record=record):
            pass
        return self._result(state)

    def run_sync(self, prompt: Prompt | None = None, **kwargs: Any) -> RunResult[OutputT]:
        """`run` for code without an event loop.

        It runs on an event loop of its own, and closes the model's connections of that loop
        before it returns (they could not be used again once the loop is gone).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._run_and_close(prompt, **kwargs))
        raise ConfigError(
            "run_sync was called inside a running event loop; use `await agent.run(...)` there."
        )

    async def _run_and_close(self, prompt: Prompt | None, **kwargs: Any) -> RunResult[OutputT]:
        try:
            return await self.run(prompt, **kwargs)
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the model's connections of this event loop (if it holds any), a store the agent
        opened from a URL, and the MCP servers `async with agent:` started; the agent stays usable."""
        running, self._running = self._running, None
        if running is not None:
            await running.aclose()
        await self._durable.handle.aclose()
        close = getattr(self.model, "aclose", None)
        closing = close() if callable(close) else None
        if inspect.isawaitable(closing):
            await closing

    async def __aenter__(self) -> Agent[OutputT]:
        """Start the toolset's live parts (MCP servers) once, for every run inside the block."""
        if self._running is None:
            stack = contextlib.AsyncExitStack()
            await stack.enter_async_context(self.toolset.running())
            self._running = stack
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def run_stream(
        self,
        prompt: Prompt | None = None,
        *,
        deps: Any = None,
        message_history: Sequence[Message] | None = None,
        settings: ModelSettings | None = None,
        limits: UsageLimits | None = None,
        tool_mode: ToolMode | None = None,
        tool_choice: ToolChoice | None = None,
        thinking: bool | None = None,
        run_id: str | None = None,
        session: str | None = None,
    ) -> AgentStream[OutputT]:
        """Stream the run's events (text, reasoning and call deltas included); `.result` at the end."""
        state = self._state(
            prompt,
            deps=deps,
            message_history=message_history,
            settings=settings,
            limits=limits,
            tool_mode=tool_mode,
            tool_choice=tool_choice,
            thinking=thinking,
            run_id=run_id,
        )
        return AgentStream(self._events(state, session, stream=True), lambda: self._result(state))


def _check_thinking(model: Model, thinking: bool | None, *, stacklevel: int) -> None:
    profile = model.profile
    if thinking and profile.thinking_kwarg is None:
        warnings.warn(
            f"thinking=True does nothing for model {model.name!r}: its profile {profile.family!r} "
            "has no switch for thinking (ModelProfile.thinking_kwarg is None). Pass the model's "
            "profile (e.g. OpenAIChatModel(..., profile='gemma4')) or drop thinking=True.",
            UserWarning,
            stacklevel=stacklevel,
        )


def _user_message(prompt: Prompt) -> UserMessage:
    if isinstance(prompt, UserMessage):
        return prompt
    if isinstance(prompt, str):
        return UserMessage(content=prompt)
    return UserMessage(content=list(prompt))
