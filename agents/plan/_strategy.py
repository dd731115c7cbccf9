"""The plan-and-execute run: what `_run._steps` does instead of call by call when the agent has a
`Planner`.

    plan request (streamed, constrained to the plan schema)
      └─ each step, as soon as its JSON is complete and its dependencies are done → executed:
           a tool step is one call (no model request); a sub-goal step, a tool loop of its own
    the steps' results join the conversation (the report)
    revisions left? the joiner: one request, constrained to {"finish": answer} | a revised plan
        a revised plan → its steps run as it streams (steps that are done are kept) → report → ...
        finish → the answer, validated under the output type → done
    no revisions left → the answer alone, under the output type (the loop's `_final_output`)

So a revision costs no request of its own: the joiner writes it. Where the run is lives in
`state.plan` (a `PlanProgress`), which a durable run checkpoints: each step is on record before
it runs and again when it ends, so a resumed run goes on with the unfinished steps and never
redoes finished ones.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from functools import partial
from typing import Any, Literal

from agents import tracing
from agents._run import RunState, _ask, _closing, _final_output, _finish, _in_time, call_steps
from agents.errors import OutputValidationError, UsageLimitExceeded
from agents.events import (
    Event,
    ModelResponded,
    OutputRetry,
    ResponseCut,
    RunFinished,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.instructions import resolve_instructions
from agents.messages import AssistantMessage, SystemMessage, UserMessage
from agents.models.base import ModelRequest, ModelResponse, TextDelta
from agents.output import OutputSpec
from agents.plan._progress import PlanProgress, step_json
from agents.plan.events import PlanEvent, PlanRevised, PlanStarted, PlanStepPlanned, PlanStepStarted
from agents.plan.executor import ExecutionResult, execute
from agents.plan.models import PlanError, PlanLimitExceeded, Step
from agents.plan.planner import Planner
from agents.plan.schema import joiner_schema, plan_output_schema
from agents.plan.stream import steps_from
from tools import ToolCall, ToolResult

_RESULT_CHARS = 2_000  # of one step's result, in the message that reports the results
_DONE = object()
_FINISHED = object()  # `_ask` says the run is done
_CUT = object()  # `_ask` says the plan was cut at max_tokens (its whole steps ran)
Cut = Literal["length", "stopped"]
_CUT_REASONS: dict[Cut, str] = {
    "length": "the plan was cut off at max_tokens",
    "stopped": "the run stopped while the plan was written",
}
_JOURNAL_KINDS: dict[type, str] = {PlanStepPlanned: "plan_step_planned", PlanStepStarted: "plan_step_started"}


async def plan_steps(state: RunState[Any], planner: Planner, stream: bool) -> AsyncIterator[Event]:
    """Plan, execute while the plan streams, revise within the cap, then answer."""
    run = _PlanRun(state, planner, stream)
    try:
        async with _closing(run.events()) as events:
            async for event in events:
                yield event
    except UsageLimitExceeded as e:
        if isinstance(e, PlanLimitExceeded) or state.plan is None:
            raise
        raise PlanLimitExceeded(e.limit, e.value, e.maximum, state.plan.plan()) from e


class _PlanRun:
    def __init__(self, state: RunState[Any], planner: Planner, stream: bool) -> None:
        self.state, self.planner, self.stream = state, planner, stream
        profile = state.model.profile  # a small local model's bounds on strings and arrays
        self.plan_schema = plan_output_schema(  # the schemas: once per run
            state.toolset,
            max_steps=planner.max_steps,
            max_string_length=profile.grammar_max_string_length,
            max_items=profile.grammar_max_items,
        )
        self.joiner_schema = joiner_schema(self.plan_schema.schema, state.output.schema)
        self.specs = state.toolset.specs()  # declared as in a call-by-call run: the same prompt prefix
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.goal_system: list[SystemMessage] | None = None
        self.previous: PlanProgress | None = None  # the plan the joiner is deciding on
        self.reason = ""  # why the plan is being revised, if the joiner revises it
        self.cut = False  # the last response was cut at max_tokens

    @property
    def progress(self) -> PlanProgress:
        assert self.state.plan is not None
        return self.state.plan

    async def events(self) -> AsyncIterator[Event]:
        state = self.state
        if state.plan is None:
            state.plan = PlanProgress()
        while True:
            p = self.progress
            cut: Cut | None = None  # the plan's text is not whole: why
            if p.phase == "planning" and not p.new_steps():  # nothing of this plan yet: ask
                ended: object = None
                async for item in self._ask():
                    if item is _FINISHED or item is _CUT:
                        ended = item
                    else:
                        yield item
                if ended is _FINISHED:
                    return
                cut = "length" if ended is _CUT else None
            elif p.phase != "joined":  # a resumed run, stopped in the middle of a plan
                if p.phase == "planning":  # the plan's text was lost with the run: put back its steps
                    cut = "stopped"
                    state.messages.append(AssistantMessage(text=_plan_text(p.new_steps())))
                p.steps = p.resumable(state.toolset)
                async for event in self._execute([s.model_copy(deep=True) for s in p.steps]):
                    yield event
            counted = cut != "stopped"  # a crash is no reason to use up a revision
            left = p.replans < self.planner.max_replans or not counted
            if p.phase != "joined":
                state.messages.append(UserMessage(content=_report(p, cut=cut, join=left)))
                p.phase = "joined"
                if state.journal is not None:
                    await state.journal.results(state)
            if not left:  # the answer, nothing else
                async for event in _final_output(state, self.stream):
                    yield event
                return
            failed = [s.id for s in p.new_steps() if s.status != "done"]
            state.plan = p.revised(counted=counted)
            self.previous = p  # what stands if the joiner finishes instead
            self.reason = (
                _CUT_REASONS[cut]
                if cut is not None
                else f"steps {', '.join(failed)} did not finish"
                if failed
                else "the joiner revised the plan"
            )

    async def _ask(self) -> AsyncIterator[Any]:
        """One request for a plan (the first) or for the joiner's decision (later), streamed; the
        steps of a plan run meanwhile. Yields events, then `_FINISHED` if the run is done."""
        state, p = self.state, self.progress
        step = state.usage.requests + 1
        p.request, self.cut = step, False
        yield state.emit(StepStarted(step))
        if p.revision == 0:
            yield state.emit(PlanStarted(0))
        request = ModelRequest(
            messages=list(state.messages),
            tools=self.specs,
            tool_choice="none",
            output_schema=self.plan_schema if p.revision == 0 else self.joiner_schema,
            settings=state.settings,
            thinking=state.thinking,
        )
        responses: list[ModelResponse] = []

        async def deltas() -> AsyncIterator[str]:
            async for item in _ask(state, request, True):  # always streamed: steps start mid-plan
                if isinstance(item, ModelResponse):
                    responses.append(item)
                    await self._planned(step, item)
                elif isinstance(item, TextDelta):
                    if self.stream:
                        self.queue.put_nowait(item)
                    yield item.text

        async for event in self._execute(self._capped(steps_from(deltas()))):
            yield event
        (response,) = responses
        decision = _decision(response.text)
        if decision is None:  # a plan: its steps have run
            if self.cut:
                yield _CUT
            return
        if self.previous is not None:  # the joiner finished: the plan it judged stands
            state.plan = self.previous
        async for item in self._answer(step, decision["finish"], response):
            yield item

    async def _planned(self, step: int, response: ModelResponse) -> None:
        """The response's text is whole (a plan's steps may be running): it joins the conversation."""
        state = self.state
        state.usage.add_response(response.usage)
        self.queue.put_nowait(ModelResponded(step, response))
        state.limits.check_tokens(state.usage)
        if _decision(response.text) is not None:
            return  # the joiner's answer: it joins the conversation once validated
        self.cut = response.finish_reason == "length"
        if self.cut:  # the text is a fragment; the steps it completed are the plan (they may run)
            self.queue.put_nowait(ResponseCut(step, state.max_tokens()))
            state.messages.append(AssistantMessage(text=_plan_text(self.progress.new_steps())))
            return
        state.messages.append(AssistantMessage(text=response.text, reasoning=response.reasoning))
        self.progress.phase = "executing"
        if state.journal is not None:
            await state.journal.results(state)  # the plan is on record

    async def _answer(self, step: int, answer: Any, response: ModelResponse) -> AsyncIterator[Any]:
        """The joiner's answer under the output type; one that does not validate is asked for
        again with the reason (`_final_output`'s retries), within `output_retries`."""
        state = self.state
        text = answer if isinstance(answer, str) and state.output.schema is None else json.dumps(answer)
        checked = await state.output.check(text, state.context(step))
        state.messages.append(AssistantMessage(text=text, reasoning=response.reasoning))
        if checked.problems is None:
            state.result = checked.value
            async for event in _finish(state):
                yield event
            yield _FINISHED
            return
        if state.output_retries_used >= state.output_retries:
            raise OutputValidationError(
                state.output.type_name, checked.problems, state.output_retries_used + 1
            )
        state.messages.append(UserMessage(content=checked.retry_prompt))
        state.output_retries_used += 1
        yield state.emit(OutputRetry(step + 1, checked.problems))
        async for event in _final_output(state, self.stream):
            yield event
        yield _FINISHED

    async def _capped(self, steps: AsyncIterator[Step]) -> AsyncIterator[Step]:
        """The kept steps of earlier revisions, then the plan's own, at most `max_steps` of them."""
        p = self.progress
        for kept in [s for s in p.steps if s.id in p.kept]:
            yield kept.model_copy(deep=True)
        count = 0
        try:
            async for step in steps:
                count += 1
                if count == 1 and p.revision > 0:
                    self.queue.put_nowait(PlanRevised(p.revision, self.reason))
                if count > self.planner.max_steps:
                    raise PlanLimitExceeded("Planner.max_steps", count, self.planner.max_steps, p.plan())
                yield step
        except PlanError:
            if not self.cut:
                raise
            # Cut at max_tokens: the steps that were whole ran; the rest is asked for again.

    async def _execute(self, steps: AsyncIterator[Step] | Iterable[Step]) -> AsyncIterator[Event]:
        """Run `steps`, yielding the executor's, the calls' and the sub-goals' events as they happen."""
        state, p = self.state, self.progress

        async def work() -> ExecutionResult:
            try:
                ctx = state.context(p.request)
                return await execute(
                    steps,
                    state.toolset,
                    ctx,
                    run_goal=self._goal,
                    run_call=self._call,
                    on_event=self._on_event,
                )
            finally:
                self.queue.put_nowait(_DONE)

        task = asyncio.create_task(work())
        try:
            while (event := await self.queue.get()) is not _DONE:
                yield state.emit(event)
            await task
        finally:
            task.cancel()
        p.phase = "executing"

    async def _on_event(self, event: PlanEvent) -> None:
        """Each step's news: into the progress, on record (before a step runs), then out."""
        p = self.progress
        p.apply(event)
        if self.state.journal is not None:
            kind = _JOURNAL_KINDS.get(type(event), "plan_step_finished")
            data = {"revision": p.revision, "step": step_json(event.step)}
            await self.state.journal.planned(self.state, kind, data)
        self.queue.put_nowait(event)

    async def _call(self, step: Step, call: ToolCall) -> ToolResult:
        """A tool step's call, counted against the run's limits and reported as the loop does."""
        state, request = self.state, self.progress.request
        state.limits.check_tool_calls(state.usage, 1)  # before it runs
        state.usage.tool_calls += 1
        self.queue.put_nowait(ToolCallStarted(request, call))
        ctx = state.context(request)
        run = partial(state.toolset.run_calls, [call], ctx, hooks=state.journal, trace=tracing.tools(state))
        [result] = await _in_time(state, run)
        self.queue.put_nowait(ToolCallFinished(request, result))
        return result

    async def _goal(self, step: Step, results: dict[str, Any]) -> Any:
        """A sub-goal: the call-by-call loop on a conversation of its own, with the task, the plan
        and the results it depends on; its tool calls capped at `max_goal_tool_calls`."""
        state = self.state
        if self.goal_system is None:
            parts = [p for p in state.instructions if p is not self.planner.instructions]
            text = await resolve_instructions(parts, state.context(0))
            self.goal_system = [SystemMessage(content=text)] if text else []
        prompt = _goal_prompt(_task(state), self.progress.new_steps(), step, results)
        child = replace(
            state,
            messages=[*self.goal_system, UserMessage(content=prompt)],
            new_from=0,
            output=OutputSpec.of(str),
            events=[],
            result=None,
            journal=None,
            planner=None,
            plan=None,
            resume=None,
            waiting=[],
            format_problems=0,
            cuts=0,
            output_retries_used=0,
        )
        calls = 0
        async with _closing(call_steps(child, False)) as events:
            async for event in events:
                if isinstance(event, RunStarted | RunFinished):
                    continue
                if isinstance(event, ToolCallStarted):
                    calls += 1
                    if calls > self.planner.max_goal_tool_calls:  # before the batch runs
                        raise _GoalFailed(
                            f"sub-goal {step.id} asked for more than {self.planner.max_goal_tool_calls} "
                            "tool calls (Planner.max_goal_tool_calls) before it had an answer"
                        )
                self.queue.put_nowait(event)
        return child.result

    # -- after the plan ------------------------------------------------------------------------


class _GoalFailed(Exception):
    """A sub-goal step that could not finish within its own bounds: the step fails, not the run."""


def _decision(text: str) -> dict[str, Any] | None:
    """The joiner's `{"finish": answer}`, or None (a plan)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) and set(value) == {"finish"} else None


def _task(state: RunState[Any]) -> str:
    """The run's prompt, as text."""
    for m in state.messages[state.new_from :]:
        if isinstance(m, UserMessage):
            return m.content if isinstance(m.content, str) else json.dumps(m.content, default=str)
    return ""


def _plan_text(steps: list[Step]) -> str:
    """Steps as the planner writes them (without their status, result and error)."""
    fields = {"id", "tool", "args", "goal", "deps"}
    return json.dumps({"steps": [s.model_dump(by_alias=True, include=fields) for s in steps]}, default=str)


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > _RESULT_CHARS:
        text = text[:_RESULT_CHARS] + f" ... [{len(text) - _RESULT_CHARS} more characters]"
    return text


def _report(p: PlanProgress, *, cut: Cut | None, join: bool) -> str:
    """The plan's new steps and their results, as the model reads them before the joiner."""
    lines = ["The plan ran. Results:"]
    for s in p.new_steps():
        what = s.tool or f"goal: {s.goal}"
        if s.status == "done":
            lines.append(f"- {s.id} {what}: {_shown(s.result)}")
        else:
            lines.append(f"- {s.id} {what}: {s.status}: {s.error or ''}".rstrip(": "))
    next_id = max((int(s.id[1:]) for s in p.steps), default=0) + 1
    revise = f'a revised plan for what is left (new ids from s{next_id}; results above as {{"$ref": "sN"}}).'
    if cut == "stopped":
        lines.append(f"The run stopped while the plan was being written. Write {revise}")
    elif cut == "length" and join:
        lines.append(
            f"The plan was cut off at the token limit after these steps. Write {revise} Keep it short."
        )
    elif join:
        lines.append(
            f'Answer as {{"finish": <the answer>}}, or, if a step failed or more is needed, write {revise}'
        )
    else:
        lines.append("Now answer the task from these results.")
    return "\n".join(lines)


def _goal_prompt(task: str, plan: list[Step], step: Step, results: dict[str, Any]) -> str:
    lines = [f"You are doing one step of a plan for this task:\n{task}", f"The plan: {_plan_text(plan)}"]
    if results:
        lines.append("Results of the steps this one depends on:")
        lines.extend(f"- {k}: {_shown(v)}" for k, v in results.items())
    lines.append(
        f"Your step ({step.id}): {step.goal}\n"
        "Use the tools as you need to, then reply with the result of this step only."
    )
    return "\n".join(lines)


__all__ = ["plan_steps"]
