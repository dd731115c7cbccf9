"""`Toolset`: the registry of tools for one agent, and the runner of the calls a model makes.

One batch of calls, as `run_calls` handles it:

1. Every call is validated first, in call order. An unknown name or invalid arguments becomes a
   "retry" result whose content tells the model what to fix; each is counted in
   `ctx.retries[name]`, and going over a budget raises `ToolRetriesExceeded` before any tool of
   the batch has run.
2. Calls to tools with `requires_approval` go to the approver, one at a time in call order (an
   approver may ask a person), before any call of the batch runs; a refused call becomes a
   "denied" result. Sync approvers run in a thread, so that a prompt blocks no other run.
3. The other valid calls run concurrently, at most `max_concurrency` at a time (one at a time,
   in call order, when it is 1), each under its timeout. A `ModelRetry` raised by a tool is a
   "retry" result too, counted after the batch.
4. Results come back in call order, their text capped at `max_result_chars` (with a note). A
   tool's exception is an "error" result, never a crash; only `ToolFatalError` (and
   cancellation) propagate.

A toolset may include *live* toolsets (`live = True`: an MCP server's, `agents.mcp`), whose
tools change while it runs: their tools are listed after the toolset's own, as they are at each
request, and `running()` starts and stops them (an agent enters it for each run).

Each call's context carries an idempotency key, `{run_id}:{step}:{call id}`: the same for the
call when a resumed run runs it again. `hooks` (a durable run's journal) hear of each call just
before its handler starts and of each result as it comes back; calls in `approved` (decided
outside the run, e.g. by a person while the run waited) skip the approver. `trace` (a run's
OpenTelemetry spans, `agents.tracing`) wraps each call that runs, and is told of every result.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Hashable,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any, Protocol, TypeVar, Unpack, overload

from tools import _content, _retry
from tools._context import RunContext
from tools._threads import run_in_thread
from tools._tool import Prepared, Tool, ToolOptions, check_result_cap, is_async_callable
from tools._types import ToolCall, ToolResult
from tools.errors import (
    AgentsError,
    ApprovalError,
    ConfigError,
    ModelRetry,
    ToolArgumentsError,
    ToolFatalError,
    ToolRetriesExceeded,
    UnknownToolError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class CallHooks(Protocol):
    """Told of each call as it is dispatched and of each result as it returns (a durable run's journal)."""

    async def dispatched(self, call: ToolCall, tool: Tool, key: str) -> None: ...

    async def returned(self, result: ToolResult) -> None: ...


CallTrace = Callable[[ToolCall, "Tool | None"], AbstractContextManager[Callable[[ToolResult], None]]]
"""Wraps one call: entered just before its handler starts (left when it returns), and given the
call's result inside. A call that never runs (invalid, unknown tool, denied) passes through it
at once with its result. `agents.tracing` makes each a span."""

Approver = Callable[[RunContext[Any], ToolCall, Tool], bool | Awaitable[bool]]
"""Decides whether a call to a tool with `requires_approval` may run: `(ctx, call, tool) -> bool`,
sync (run in a thread, so it may block on `input()`) or async. `call.arguments` holds the
validated arguments. Its exceptions end the run as `ApprovalError`; `ToolFatalError` and other
`AgentsError`s propagate as they are."""


class Toolset:
    """The tools an agent may call, their specs for the model, and the runner of their calls.

    >>> toolset = Toolset([get_weather], max_concurrency=4, default_timeout=30)
    >>> @toolset.tool(requires_approval=True)
    ... def delete_file(path: str) -> str: ...

    `max_retries` is the default per-tool budget of retries (invalid calls and `ModelRetry`),
    counted over the whole run; `max_retries_per_run` caps their total over all tools.
    `default_timeout` (seconds) applies to tools without their own; None means no limit.
    `approver` decides on calls to tools made with `requires_approval=True` (see `Approver`);
    a toolset holding such a tool without an approver is a `ConfigError`.
    `max_result_chars` caps the text of one result for tools without their own cap (None: no
    cap); the model gets the head and a note saying what was cut (`tools._content.capped`).
    A sync tool that times out is abandoned, not stopped: its own daemon thread runs on to its
    end, and nothing waits for it (not `asyncio.run`, not later calls).
    A live toolset among `tools` (an MCP server's) is included, not copied: see `include`.
    """

    live = False
    """True for a toolset whose tools come and go while it runs (an MCP server's): another
    toolset includes it rather than copying its tools, and starts it in `running()`."""

    def __init__(
        self,
        tools: Iterable[Tool | Callable[..., Any] | Toolset] | None = None,
        *,
        max_concurrency: int = 8,
        default_timeout: float | None = None,
        max_retries: int = 2,
        max_retries_per_run: int | None = None,
        approver: Approver | None = None,
        max_result_chars: int | None = _content.DEFAULT_MAX_RESULT_CHARS,
    ) -> None:
        if max_concurrency < 1:
            raise ConfigError(f"Toolset max_concurrency must be 1 or more, not {max_concurrency!r}.")
        if default_timeout is not None and not default_timeout > 0:
            raise ConfigError(
                f"Toolset default_timeout must be positive seconds or None, not {default_timeout!r}."
            )
        if max_retries < 0 or (max_retries_per_run is not None and max_retries_per_run < 0):
            raise ConfigError(
                f"Toolset retry budgets must be 0 or more, not max_retries={max_retries!r}, "
                f"max_retries_per_run={max_retries_per_run!r}."
            )
        self.max_concurrency = max_concurrency
        self.default_timeout = default_timeout
        self.max_retries = max_retries
        self.max_retries_per_run = max_retries_per_run
        self.approver = approver
        check_result_cap(max_result_chars, "Toolset")
        self.max_result_chars = max_result_chars
        self._own: dict[str, Tool] = {}
        self._parts: list[Toolset] = []  # live toolsets, listed after our own tools
        self._version = 0  # moves whenever our own tool list changes
        self._merged: tuple[tuple[int, ...], dict[str, Tool]] | None = None
        # What is derived from the tools (their specs, a tool mode's schema or grammar), made once
        # and made anew when the tools change (ours, or a live toolset's list): a run asks at every step.
        self._derived: dict[Hashable, Any] = {}
        self._derived_stamp: tuple[int, ...] = ()
        for item in tools or ():
            if isinstance(item, Toolset):
                self.include(item)  # a ConfigError unless it is live
            else:
                self.add(item)

    # -- the registry ------------------------------------------------------------------------

    def add(self, fn_or_tool: Tool | Callable[..., Any]) -> Tool:
        """Register a `Tool`, or make one from a function or bound method; returns the tool."""
        if isinstance(fn_or_tool, Toolset):
            raise ConfigError(
                "Toolset.add takes one tool; combine toolsets with merge() or +, "
                "and include a live one (an MCP server's) with include()."
            )
        made = fn_or_tool if isinstance(fn_or_tool, Tool) else Tool.from_function(fn_or_tool)
        if made.name in self._tools:
            raise ConfigError(
                f"Duplicate tool name {made.name!r}: a toolset holds one tool per name. "
                "Rename one with Tool.from_function(fn, name=...) or @tool(name=...)."
            )
        self._own[made.name] = made
        self._version += 1
        return made

    def include(self, live: Toolset) -> None:
        """Include a live toolset (an MCP server's): its tools are listed after this one's as they
        are at each request, and `running()` starts it. A name both hold is a `ConfigError` when
        the tools are next listed."""
        if not live.live:
            raise ConfigError(
                "Toolset.include takes a live toolset (an MCP server's); combine toolsets of tools with "
                "merge() or +, and add one tool with add()."
            )
        if live is self or live in self._parts:
            raise ConfigError(f"{live!r} is included already.")
        self._parts.append(live)
        self._version += 1

    @property
    def _tools(self) -> dict[str, Tool]:
        """Every tool by name: our own, then those of the live toolsets as they are now."""
        if not self._parts:
            return self._own
        stamp = self._stamp()
        if self._merged is None or self._merged[0] != stamp:
            merged = dict(self._own)
            for part in self._parts:
                for name, found in part._tools.items():
                    if name in merged:
                        raise ConfigError(
                            f"Duplicate tool name {name!r}: {part!r} lists a tool of that name too. "
                            "Give the MCP server a prefix (MCPToolset(..., prefix='...')) or rename yours."
                        )
                    merged[name] = found
            self._merged = (stamp, merged)
        return self._merged[1]

    def _stamp(self) -> tuple[int, ...]:
        return (self._version, *(n for part in self._parts for n in part._stamp()))

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Toolset]:
        """Start the live toolsets this one includes (MCP servers) and stop them on the way out,
        cancellation included; nothing to do for a toolset of plain tools. An agent enters it for
        each run, and for its whole life inside `async with agent:`."""
        if not self._parts:
            yield self
            return
        async with contextlib.AsyncExitStack() as stack:
            for part in self._parts:
                await stack.enter_async_context(part.running())
            yield self

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, made once per `key` for these tools (a tool added makes it anew).

        For what every step derives from the toolset alone: the tool modes keep their schema
        and grammar here. The value is shared: treat it as read-only.
        """
        stamp = self._stamp()
        if stamp != self._derived_stamp:
            self._derived, self._derived_stamp = {}, stamp
        if key not in self._derived:
            self._derived[key] = make()
        value: T = self._derived[key]
        return value

    @overload
    def tool(self, fn: Callable[..., Any], /) -> Tool: ...

    @overload
    def tool(self, /, **options: Unpack[ToolOptions]) -> Callable[[Callable[..., Any]], Tool]: ...

    def tool(
        self, fn: Callable[..., Any] | None = None, /, **options: Unpack[ToolOptions]
    ) -> Tool | Callable[[Callable[..., Any]], Tool]:
        """Decorator: `@toolset.tool` or `@toolset.tool(timeout=5)` makes and registers a tool."""

        def register(f: Callable[..., Any]) -> Tool:
            return self.add(Tool.from_function(f, **options))

        return register(fn) if fn is not None else register

    def get(self, name: str) -> Tool | None:
        """The tool called `name`, or None."""
        return self._tools.get(name)

    @property
    def names(self) -> list[str]:
        """Tool names in the order they were added."""
        return list(self._tools)

    def specs(self) -> list[dict[str, Any]]:
        """OpenAI function specs of every tool, in the order they were added.

        The list is new; the specs in it are made once and shared: treat them as read-only.
        """
        return list(self.derived("specs", lambda: [t.spec() for t in self._tools.values()]))

    def validate(self, call: ToolCall) -> dict[str, Any]:
        """The call's validated arguments; raises `UnknownToolError` or `ToolArgumentsError`."""
        return self._prepare(call)[1].arguments

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(list(self._tools.values()))

    def __repr__(self) -> str:
        return f"Toolset({self.names!r})"

    @classmethod
    def from_object(cls, obj: object, include: Sequence[str] | None = None, **options: Any) -> Toolset:
        """A toolset of `obj`'s public methods (bound, so they share its state).

        Methods come in definition order (base classes first), or in `include`'s order when
        given. `options` are the toolset's keyword options (`max_retries=...`, ...). Useful
        for stateful environments: `Toolset.from_object(BankEnv(...))`.
        """
        found: list[str] = []
        for klass in reversed(type(obj).__mro__):
            if klass is object:
                continue
            for attr, value in vars(klass).items():
                is_method = inspect.isfunction(value) or isinstance(value, staticmethod | classmethod)
                if is_method and not attr.startswith("_") and attr not in found:
                    found.append(attr)
        if include is not None:
            unknown = [n for n in include if n not in found]
            if unknown:
                has = ", ".join(found) or "(none)"
                raise ConfigError(f"{type(obj).__name__} has no public methods {unknown}; it has: {has}.")
            found = list(include)
        return cls([Tool.from_function(getattr(obj, attr)) for attr in found], **options)

    def merge(self, *others: Toolset) -> Toolset:
        """A new toolset with this one's tools and options, then the others' tools (and the first
        approver among them all when this one has none)."""
        approvers = [ts.approver for ts in (self, *others) if ts.approver is not None]
        merged = Toolset(
            max_concurrency=self.max_concurrency,
            default_timeout=self.default_timeout,
            max_retries=self.max_retries,
            max_retries_per_run=self.max_retries_per_run,
            approver=approvers[0] if approvers else None,
            max_result_chars=self.max_result_chars,
        )
        for ts in (self, *others):
            if ts.live:
                merged.include(ts)
                continue
            for t in ts._own.values():
                merged.add(t)
            for part in ts._parts:
                merged.include(part)
        return merged

    def __add__(self, other: Toolset) -> Toolset:
        if not isinstance(other, Toolset):
            return NotImplemented
        return self.merge(other)

    # -- running calls -----------------------------------------------------------------------

    @property
    def needs_approval(self) -> list[str]:
        """The tools whose calls wait for a decision: `requires_approval` and no approver to ask."""
        return [] if self.approver is not None else [t.name for t in self if t.requires_approval]

    async def run_calls(
        self,
        calls: Sequence[ToolCall],
        ctx: RunContext[Any],
        *,
        hooks: CallHooks | None = None,
        approved: Collection[str] = (),
        trace: CallTrace | None = None,
    ) -> list[ToolResult]:
        """Run one batch of calls; results in call order. See the module docstring for the rules."""
        slots: list[ToolResult | tuple[Tool, Prepared]] = []
        for call in calls:
            try:
                slots.append(self._prepare(call))
            except UnknownToolError as e:
                content = _retry.unknown_tool(call.name, self.names)
                slots.append(ToolResult(call.id, call.name, content, status="retry"))
                self._count_retry(ctx, call.name, str(e))
            except ToolArgumentsError as e:
                content = _retry.invalid_arguments(call.name, e.problems, e.schema)
                slots.append(ToolResult(call.id, call.name, content, status="retry"))
                self._count_retry(ctx, call.name, "\n".join(e.problems))

        for i, (call, slot) in enumerate(zip(calls, slots, strict=True)):
            if isinstance(slot, tuple) and slot[0].requires_approval and call.id not in approved:
                # One at a time, in call order, before any call runs; a refusal takes the slot.
                slots[i] = await self._approval(call, *slot, ctx) or slot

        to_run = [
            (i, call, s) for i, (call, s) in enumerate(zip(calls, slots, strict=True)) if isinstance(s, tuple)
        ]
        if self.max_concurrency == 1 or len(to_run) <= 1:
            done = [
                await self._run_one(call, t, prepared, ctx, None, hooks, trace)
                for _, call, (t, prepared) in to_run
            ]
        else:
            done = await self._run_concurrently(to_run, ctx, hooks, trace)

        by_index = {i: r for (i, _, _), r in zip(to_run, done, strict=True)}
        results = [by_index[i] if isinstance(s, tuple) else s for i, s in enumerate(slots)]
        for call, slot in zip(calls, slots, strict=True):
            if trace is not None and isinstance(slot, ToolResult):  # never ran: its span says why
                with trace(call, self._tools.get(call.name)) as traced:
                    traced(slot)
        for result in results:
            log.debug(
                "tool call %s id=%s status=%s in %.3f s",
                result.name,
                result.call_id,
                result.status,
                result.duration_s,
            )
            # Retries with validated arguments came from ModelRetry; the others are counted already.
            if result.status == "retry" and result.arguments is not None:
                self._count_retry(ctx, result.name, result.content)
        return results

    def _prepare(self, call: ToolCall) -> tuple[Tool, Prepared]:
        found = self._tools.get(call.name)
        if found is None:
            raise UnknownToolError(call.name, self.names)
        return found, found.prepare(call.arguments)

    def _count_retry(self, ctx: RunContext[Any], name: str, problem: str) -> None:
        ctx.retries[name] = ctx.retries.get(name, 0) + 1
        found = self._tools.get(name)
        limit = self.max_retries if found is None or found.max_retries is None else found.max_retries
        if ctx.retries[name] > limit:
            raise ToolRetriesExceeded(name, ctx.retries[name], problem, limit=limit)
        total = sum(ctx.retries.values())
        if self.max_retries_per_run is not None and total > self.max_retries_per_run:
            raise ToolRetriesExceeded(name, total, problem, limit=self.max_retries_per_run, per_run=True)

    async def _run_concurrently(
        self,
        to_run: list[tuple[int, ToolCall, tuple[Tool, Prepared]]],
        ctx: RunContext[Any],
        hooks: CallHooks | None,
        trace: CallTrace | None,
    ) -> list[ToolResult]:
        cap = asyncio.Semaphore(self.max_concurrency)  # per batch: a semaphore is bound to one loop
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(self._run_one(call, t, p, ctx, cap, hooks, trace))
                    for _, call, (t, p) in to_run
                ]
        except BaseExceptionGroup as failed:
            # The group cancelled the other calls; surface the cause itself, not a wrapper.
            raise failed.exceptions[0] from None
        return [task.result() for task in tasks]

    async def _run_one(
        self,
        call: ToolCall,
        t: Tool,
        prepared: Prepared,
        ctx: RunContext[Any],
        cap: asyncio.Semaphore | None,
        hooks: CallHooks | None,
        trace: CallTrace | None,
    ) -> ToolResult:
        key = idempotency_key(ctx.run_id, ctx.step, call.id)
        call_ctx = replace(ctx, tool_call_id=call.id, tool_name=t.name, idempotency_key=key)
        result = ToolResult(call.id, t.name, "", arguments=prepared.arguments)
        if t.function is None:
            raise ConfigError(
                f"Tool {t.name!r} is a declaration without a handler and cannot be run. "
                "Pass handler=... to Tool.from_schema."
            )
        limit = t.max_result_chars if t.max_result_chars is not None else self.max_result_chars
        async with cap if cap is not None else contextlib.nullcontext():
            if hooks is not None:
                await hooks.dispatched(call, t, key)
            with trace(call, t) if trace is not None else contextlib.nullcontext(_untraced) as traced:
                result = await self._execute(t, prepared, call_ctx, result)
                result = replace(result, content=_content.capped(result.content, limit))
                traced(result)
        if hooks is not None:
            await hooks.returned(result)
        return result

    async def _approval(
        self, call: ToolCall, t: Tool, prepared: Prepared, ctx: RunContext[Any]
    ) -> ToolResult | None:
        """None when the call may run, else its "denied" result."""
        approver = self.approver
        if approver is None:  # unset after the tool was added
            raise no_approver(t.name)
        call_ctx = replace(ctx, tool_call_id=call.id, tool_name=t.name)
        validated = replace(call, arguments=prepared.arguments)
        try:
            if is_async_callable(approver):
                verdict = approver(call_ctx, validated, t)
            else:
                verdict = await run_in_thread(approver, call_ctx, validated, t)
            if inspect.isawaitable(verdict):  # async, or a sync callable that hands back a coroutine
                verdict = await verdict
        except ToolFatalError as e:
            e.tool = e.tool or t.name
            raise
        except AgentsError:
            raise
        except Exception as e:
            raise ApprovalError(t.name, _describe(approver), e) from e
        if verdict:
            return None
        content = f"The call to tool `{t.name}` was not approved and was not run. Do not retry it unchanged."
        return ToolResult(call.id, t.name, content, status="denied", arguments=prepared.arguments)

    async def _execute(
        self, t: Tool, prepared: Prepared, ctx: RunContext[Any], result: ToolResult
    ) -> ToolResult:
        timeout = t.timeout if t.timeout is not None else self.default_timeout
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout) as deadline:
                value = await t.invoke(prepared, ctx)
        except ToolFatalError as e:
            e.tool = e.tool or t.name  # so that the message names the tool
            raise
        except ModelRetry as e:
            return replace(result, content=e.message, status="retry", duration_s=time.monotonic() - started)
        except TimeoutError as e:
            elapsed = time.monotonic() - started
            if not deadline.expired():  # the tool raised TimeoutError itself
                return replace(result, content=_failed(t.name, e), status="error", duration_s=elapsed)
            content = f"Tool {t.name} timed out after {timeout:g} s"
            return replace(result, content=content, status="error", duration_s=elapsed)
        except Exception as e:  # any failure of the tool is news for the model, not a crash
            return replace(
                result, content=_failed(t.name, e), status="error", duration_s=time.monotonic() - started
            )
        content = _content.to_content(value)
        return replace(result, content=content, value=value, duration_s=time.monotonic() - started)


def idempotency_key(run_id: str, step: int, call_id: str) -> str:
    """The same for one call in its run, however often it is retried or resumed."""
    return f"{run_id}:{step}:{call_id}"


def no_approver(name: str) -> ConfigError:
    """The error for a call to a tool that requires approval when there is nobody to ask."""
    return ConfigError(
        f"Tool {name!r} requires approval, but the toolset has no approver, so every call to it "
        "would be refused. Pass one: Toolset([...], approver=fn), where fn(ctx, call, tool) returns "
        "True to let the call run (sync or async); or give the agent a store (Agent(..., store=...)) "
        "so that such calls wait for a decision; or make the tool without requires_approval=True."
    )


def _describe(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _failed(name: str, error: BaseException) -> str:
    return f"Tool {name} failed: {type(error).__name__}: {error}"


def _untraced(result: ToolResult) -> None:
    return None
