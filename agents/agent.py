"""`Agent`: configuration and the entry points `run`, `run_sync` and `run_stream`."""

from __future__ import annotations

import asyncio
import inspect
import uuid
import warnings
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from agents import tool_modes
from agents._run import RunState, iterate
from agents.errors import ConfigError
from agents.events import Event, ToolCallFinished, ToolCallStarted
from agents.instructions import Instructions, instruction_parts
from agents.messages import ContentPart, Message, UserMessage
from agents.models.base import Model, ModelSettings, ToolChoice
from agents.models.profiles import ToolMode
from agents.output import OutputSpec, OutputValidator
from agents.usage import RunUsage, UsageLimits
from tools import Tool, ToolCall, ToolResult, Toolset

OutputT = TypeVar("OutputT")
Prompt = str | Sequence[ContentPart] | UserMessage


@dataclass
class RunResult(Generic[OutputT]):
    """What a finished run produced."""

    output: OutputT
    messages: list[Message]
    events: list[Event]
    usage: RunUsage
    run_id: str
    new_from: int = 0
    model_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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


def _toolset(tools: Toolset | Sequence[Tool | Callable[..., Any]] | None) -> Toolset:
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
    list of both; they become the run's system message once, at its start. Add tools with `tools=`
    or `@agent.tool`, and checks of the final answer with `@agent.output_validator`.
    """

    @overload
    def __init__(
        self: Agent[str],
        model: Model,
        *,
        tools: Toolset | Sequence[Tool | Callable[..., Any]] | None = None,
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
    ) -> None: ...

    @overload
    def __init__(
        self: Agent[OutputT],
        model: Model,
        *,
        tools: Toolset | Sequence[Tool | Callable[..., Any]] | None = None,
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
    ) -> None: ...

    def __init__(
        self,
        model: Model,
        *,
        tools: Toolset | Sequence[Tool | Callable[..., Any]] | None = None,
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
    def tool(
        self,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        requires_approval: bool = False,
        strict: bool = False,
        max_result_chars: int | None = None,
    ) -> Callable[[Callable[..., Any]], Tool]: ...

    def tool(
        self,
        fn: Callable[..., Any] | None = None,
        /,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        requires_approval: bool = False,
        strict: bool = False,
        max_result_chars: int | None = None,
    ) -> Tool | Callable[[Callable[..., Any]], Tool]:
        """Decorator: `@agent.tool` or `@agent.tool(name=..., timeout=5)` adds a tool to the agent.

        The tool goes into `agent.toolset` (the `Toolset` given as `tools=`, if one was), as with
        `@toolset.tool`; see `Tool.from_function` for the options. A first parameter annotated
        `RunContext` receives the run context.
        """
        register = self.toolset.tool(
            name=name,
            description=description,
            timeout=timeout,
            max_retries=max_retries,
            requires_approval=requires_approval,
            strict=strict,
            max_result_chars=max_result_chars,
        )
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
        if prompt is None and not history:
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
            instructions=instruction_parts(self.instructions),
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
        )

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
    ) -> RunResult[OutputT]:
        """Run to a final answer. Raises a subclass of `AgentsError` (with `.trace`) on failure."""
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
        async for _ in iterate(state, stream=False):
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
        """Close the model's connections of this event loop (if it holds any); the agent stays usable."""
        close = getattr(self.model, "aclose", None)
        closing = close() if callable(close) else None
        if inspect.isawaitable(closing):
            await closing

    async def __aenter__(self) -> Agent[OutputT]:
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
        return AgentStream(iterate(state, stream=True), lambda: self._result(state))


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
