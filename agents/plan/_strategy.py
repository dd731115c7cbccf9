"""The plan-and-execute run: what `_run._steps` does instead of call-by-call when the agent has a
`Planner`.

    plan request (streamed, constrained to the plan schema)
      └─ each step, as soon as its JSON is complete and its dependencies are done → executed
    the plan and its steps' results join the conversation
    any step failed and replans left? → a revised plan, same way
    otherwise → the answer, under the output type (the loop's `_final_output`)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from agents import tracing
from agents._run import RunState, _ask, _final_output
from agents.events import Event, ModelResponded, StepStarted
from agents.messages import AssistantMessage, UserMessage
from agents.models.base import ModelRequest, ModelResponse, TextDelta
from agents.plan.executor import ExecutionResult, execute
from agents.plan.planner import Planner
from agents.plan.schema import plan_output_schema
from agents.plan.stream import steps_from

_RESULT_CHARS = 2_000  # of one step's result, in the message that reports the results


async def plan_steps(state: RunState[Any], planner: Planner, stream: bool) -> AsyncIterator[Event]:
    """Plan, execute while the plan streams, replan on failures within the cap, then answer."""
    schema = plan_output_schema(state.toolset, max_steps=planner.max_steps)  # once per run
    specs = state.toolset.specs()  # declared as in a call-by-call run: the same prompt prefix
    for revision in range(planner.max_replans + 1):
        step = state.usage.requests + 1
        yield state.emit(StepStarted(step))
        request = ModelRequest(
            messages=list(state.messages),
            tools=specs,
            tool_choice="none",
            output_schema=schema,
            settings=state.settings,
            thinking=state.thinking,
        )
        outcome: ExecutionResult | None = None
        async for item in _plan_and_execute(state, request, step, stream):
            if isinstance(item, ExecutionResult):
                outcome = item
            else:
                yield item
        assert outcome is not None
        last = revision == planner.max_replans
        state.messages.append(UserMessage(content=_report(outcome, replan=bool(outcome.failed) and not last)))
        if not outcome.failed or last:
            break
    async for event in _final_output(state, stream):
        yield event


async def _plan_and_execute(
    state: RunState[Any], request: ModelRequest, step: int, stream: bool
) -> AsyncIterator[Event | ExecutionResult]:
    """Stream the plan and run its steps meanwhile; events as they happen, then the outcome."""
    events: asyncio.Queue[Any] = asyncio.Queue()
    responses: list[ModelResponse] = []
    done = object()

    async def deltas() -> AsyncIterator[str]:
        async for item in _ask(state, request, True):  # always streamed: steps start mid-plan
            if isinstance(item, ModelResponse):
                responses.append(item)
            elif isinstance(item, TextDelta):
                if stream:
                    events.put_nowait(item)
                yield item.text

    async def work() -> ExecutionResult:
        try:
            ctx = state.context(step)
            return await execute(
                steps_from(deltas()),
                state.toolset,
                ctx,
                on_event=events.put_nowait,
                trace=tracing.tools(state),
            )
        finally:
            events.put_nowait(done)

    task = asyncio.create_task(work())
    try:
        while (event := await events.get()) is not done:
            yield state.emit(event)
        outcome = await task
    finally:
        task.cancel()
    (response,) = responses
    state.usage.add_response(response.usage)
    state.usage.tool_calls += sum(
        1 for s in outcome.plan.steps if s.tool is not None and s.status != "skipped"
    )
    state.limits.check_tokens(state.usage)
    yield state.emit(ModelResponded(step, response))
    state.messages.append(AssistantMessage(text=response.text, reasoning=response.reasoning))
    yield outcome


def _report(outcome: ExecutionResult, *, replan: bool) -> str:
    """The steps' results, as the model reads them before it answers (or replans)."""
    lines = ["The plan ran. Results:"]
    for s in outcome.plan.steps:
        what = s.tool or f"goal: {s.goal}"
        if s.status == "done":
            text = json.dumps(s.result, default=str, ensure_ascii=False)
            if len(text) > _RESULT_CHARS:
                text = text[:_RESULT_CHARS] + f" ... [{len(text) - _RESULT_CHARS} more characters]"
            lines.append(f"- {s.id} {what}: {text}")
        else:
            lines.append(f"- {s.id} {what}: {s.status}: {s.error or ''}".rstrip(": "))
    lines.append(
        "Some steps failed: write a revised plan for what is left, using these results."
        if replan
        else "Now answer the task from these results."
    )
    return "\n".join(lines)


__all__ = ["plan_steps"]
