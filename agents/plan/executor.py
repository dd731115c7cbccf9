"""`execute`: run a plan's steps as they arrive, each as soon as the steps it needs are done.

Steps may come from a list or from an async iterator fed by a planner still writing (see
`stream.steps_from`), so the first calls run while later steps are being decoded. What happens to
one step:

1. It waits until every step it needs (`deps` and the steps its refs name) has ended.
2. If one of those failed or was skipped, it is "skipped" (and so are its own dependants).
3. Its refs are resolved to values out of those steps' results; a missing key or index fails
   the step with a message saying which.
4. A tool step is one call through `toolset.run_calls`, so validation, timeouts, approval and
   result caps are the toolset's: an "ok" result makes it "done" with the tool's return value,
   any other fails it with the result's text. A goal step goes to `run_goal`.

At most `max_concurrency` steps run at once. Steps never raise out of `execute`: a failure is
the step's status (a spent retry budget, `ToolRetriesExceeded`, included). Only `ToolFatalError`
(a tool saying the run must stop), cancellation, and errors of the caller's own (the stream of
steps, `on_event`) propagate, after the running steps are cancelled. When the stream ends, steps
still waiting on ids that never came, or on each other in a cycle, fail.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from agents.plan.events import PlanEvent, PlanStepFinished, PlanStepPlanned, PlanStepStarted
from agents.plan.models import Plan, Step
from agents.plan.resolve import RefError, resolve
from tools import RunContext, ToolCall, Toolset
from tools._toolset import CallTrace
from tools.errors import ConfigError, ToolFatalError

GoalRunner = Callable[[Step, dict[str, Any]], Awaitable[Any]]
"""Pursues a sub-goal step: `(step, {dependency id: its result}) -> result`."""
EventSink = Callable[[PlanEvent], Awaitable[None] | None]

Ended = Literal["done", "failed", "skipped"]


@dataclass
class ExecutionResult:
    """What came of a plan: every step with its status, and the ids by outcome in the order they ended."""

    plan: Plan
    finished: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    timeline: list[PlanEvent] = field(default_factory=list)

    @property
    def results(self) -> dict[str, Any]:
        """The result of each step that is done, by id."""
        return {s.id: s.result for s in self.plan.steps if s.status == "done"}


async def execute(
    steps: AsyncIterator[Step] | Iterable[Step],
    toolset: Toolset,
    ctx: RunContext[Any],
    *,
    run_goal: GoalRunner | None = None,
    max_concurrency: int | None = None,
    on_event: EventSink | None = None,
    trace: CallTrace | None = None,
) -> ExecutionResult:
    """Run `steps` (see the module docstring); returns every step's outcome, never a step's exception.

    The steps are copied: the ones passed in are left as they were. `max_concurrency` defaults to
    the toolset's. `trace` wraps each tool call, as in `Toolset.run_calls`.
    """
    if max_concurrency is not None and max_concurrency < 1:
        raise ConfigError(f"execute max_concurrency must be 1 or more (or None), not {max_concurrency!r}.")
    cap = toolset.max_concurrency if max_concurrency is None else max_concurrency
    run = _Execution(toolset, ctx, run_goal, cap, on_event, trace)
    await run.all(steps)
    return run.outcome


class _Execution:
    def __init__(
        self,
        toolset: Toolset,
        ctx: RunContext[Any],
        run_goal: GoalRunner | None,
        cap: int,
        on_event: EventSink | None,
        trace: CallTrace | None = None,
    ) -> None:
        self.toolset, self.ctx, self.run_goal, self.on_event = toolset, ctx, run_goal, on_event
        self.trace = trace
        self.cap = asyncio.Semaphore(cap)
        self.outcome = ExecutionResult(plan=Plan())
        self.by_id: dict[str, Step] = {}
        self.started: set[str] = set()

    async def all(self, steps: AsyncIterator[Step] | Iterable[Step]) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                async for step in _aiter(steps):
                    await self.arrived(step.model_copy(deep=True), group)
        except BaseExceptionGroup as failed:
            # The group cancelled the running steps; surface the cause itself, not a wrapper.
            raise failed.exceptions[0] from None
        # Every step that could run has; what still waits never can.
        for step in self.waiting():
            missing = [n for n in step.needs if n not in self.by_id]
            if missing:
                await self.end(
                    step, "failed", error=f"step {step.id} depends on {', '.join(missing)}, never planned"
                )
        await self.skip_dependants()
        while cyclic := self.waiting():  # failing one step of a cycle skips the steps after it
            error = f"step {cyclic[0].id} waits on itself through a cycle of dependencies"
            await self.end(cyclic[0], "failed", error=error)
            await self.skip_dependants()

    async def arrived(self, step: Step, group: asyncio.TaskGroup) -> None:
        if step.id in self.by_id:
            self.outcome.plan.steps.append(step)
            await self.emit(PlanStepPlanned(step.model_copy(deep=True)))
            await self.end(step, "failed", error=f"step id {step.id} is used twice; the second was not run")
            return
        self.by_id[step.id] = step
        self.outcome.plan.steps.append(step)
        await self.emit(PlanStepPlanned(step.model_copy(deep=True)))
        await self.dispatch(group)
        # Let the steps just started begin before the next one is read: a source that never
        # suspends (a list, a buffered stream) would otherwise be drained first.
        await asyncio.sleep(0)

    async def dispatch(self, group: asyncio.TaskGroup) -> None:
        """Skip what can never run, start what can."""
        await self.skip_dependants()
        for step in self.waiting():
            if all(self.status(n) == "done" for n in step.needs):
                self.started.add(step.id)
                group.create_task(self.run(step, group))

    async def skip_dependants(self) -> None:
        changed = True
        while changed:  # skipping one step may doom its own dependants
            changed = False
            for step in self.waiting():
                bad = [n for n in step.needs if self.status(n) in ("failed", "skipped")]
                if bad and step.status == "pending":
                    await self.end(step, "skipped", error=f"skipped: step {bad[0]} {self.status(bad[0])}")
                    changed = True

    async def run(self, step: Step, group: asyncio.TaskGroup) -> None:
        async with self.cap:
            step.status = "running"
            await self.emit(PlanStepStarted(step.model_copy(deep=True)))
            status: Ended
            try:
                status, result, error = await self.outcome_of(step)
            except ToolFatalError:
                raise
            except Exception as e:  # a step's failure is its status, never the plan's crash
                status, result, error = "failed", None, f"step {step.id} failed: {type(e).__name__}: {e}"
            await self.end(step, status, result=result, error=error)
        await self.dispatch(group)

    async def outcome_of(self, step: Step) -> tuple[Ended, Any, str | None]:
        results = {n: self.by_id[n].result for n in step.needs}
        try:
            args = resolve(step.args, results)
        except RefError as e:
            return "failed", None, f"step {step.id}: {e}"
        if step.goal is not None:
            if self.run_goal is None:
                return (
                    "failed",
                    None,
                    f"step {step.id} is a sub-goal, and there is no sub-goal runner (run_goal)",
                )
            return "done", await self.run_goal(step, results), None
        assert step.tool is not None  # a step is a tool call or a goal (Step's validator)
        [result] = await self.toolset.run_calls(
            [ToolCall(id=step.id, name=step.tool, arguments=args)], self.ctx, trace=self.trace
        )
        if result.status == "ok":
            return "done", result.value, None
        return "failed", None, f"step {step.id} ({result.status}): {result.content}"

    async def end(self, step: Step, status: Ended, *, result: Any = None, error: str | None = None) -> None:
        step.status = status
        step.result, step.error = result, error
        {"done": self.outcome.finished, "failed": self.outcome.failed, "skipped": self.outcome.skipped}[
            status
        ].append(step.id)
        await self.emit(PlanStepFinished(step.model_copy(deep=True)))

    def waiting(self) -> list[Step]:
        return [s for s in self.by_id.values() if s.id not in self.started and s.status == "pending"]

    def status(self, step_id: str) -> str | None:
        found = self.by_id.get(step_id)
        return found.status if found is not None else None

    async def emit(self, event: PlanEvent) -> None:
        self.outcome.timeline.append(event)
        if self.on_event is not None:
            reply = self.on_event(event)
            if inspect.isawaitable(reply):
                await reply


async def _aiter(steps: AsyncIterator[Step] | Iterable[Step]) -> AsyncIterator[Step]:
    if isinstance(steps, AsyncIterator):
        async for step in steps:
            yield step
    else:
        for step in steps:
            yield step
