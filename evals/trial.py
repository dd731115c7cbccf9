"""One trial of one task: a fresh environment, the turns in one conversation, then the checks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, UsageLimits, tracing
from agents.errors import (
    AgentsError,
    ConfigError,
    ContextLengthExceeded,
    ModelError,
    ModelHTTPError,
    UsageLimitExceeded,
    trace_of,
)
from agents.events import Event, OutputRetry, ToolCallFinished, ToolCallStarted
from agents.messages import AssistantMessage, Message, UserMessage
from agents.models.base import Model, ModelSettings
from agents.models.profiles import ToolMode
from agents.tracing import Tracing
from agents.usage import RunUsage
from evals.checks import run_check
from evals.envs import make_env
from evals.envs.registry import Snapshot
from evals.strategy import Strategy, planner_for
from evals.tasks import Task
from evals.trace import CallRecord, Outcome, TrialRecord, TurnRecord, Verdict
from tools import Tool, Toolset

STUB_RESULT = "The call was received."
"""What a raw declaration (a tool without an implementation) answers to the model."""


def build_toolset(task: Task, env: object | None) -> Toolset:
    """The environment's public methods (or `env.tools` of them), plus the task's raw declarations."""
    toolset = Toolset()
    if env is not None and task.env is not None:
        # An environment may build its own toolset (BFCL's backends run calls in order).
        own = getattr(env, "_toolset", None)
        toolset = own() if callable(own) else Toolset.from_object(env, include=task.env.tools)
    for spec in task.tools:
        fn = spec.get("function", spec)

        def stub(**_: Any) -> str:
            return STUB_RESULT

        toolset.add(Tool.from_schema(fn["name"], fn.get("description", ""), fn.get("parameters", {}), stub))
    return toolset


# HTTP statuses that say the server (or the way to it) failed, not this request: the same
# request may well succeed later. 401/403/404 are a setup problem (credentials, base URL,
# model name) that a re-run after fixing it should redo, so they count here as well.
_INFRA_STATUSES = frozenset({401, 403, 404, 408, 429})


def is_infra_error(error: BaseException | None) -> bool:
    """Whether a trial's error is the infrastructure's fault, not the model's or the task's.

    Infrastructure errors (server unreachable, client timeout, 5xx and 429 after the client's
    retries, a broken response stream) say nothing about the model: they are kept out of the
    success rate and pass@k, and a re-run into the same directory runs the trial again.
    A request the server rejected as such is the model's or the task's failure and is scored:
    `ContextLengthExceeded` (the conversation outgrew the context window) and other 4xx
    answers fail the same way on every re-run. The trial's own time limit (`TimeoutError`)
    is the model's failure too: it ran too long.
    """
    if isinstance(error, ContextLengthExceeded):
        return False
    if isinstance(error, ModelHTTPError):
        return error.status >= 500 or error.status in _INFRA_STATUSES
    return isinstance(error, ModelError)


def _arguments(raw: dict[str, Any] | str) -> tuple[dict[str, Any] | None, str | None]:
    if isinstance(raw, dict):
        return raw, None
    try:
        parsed = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return None, raw
    return (parsed, None) if isinstance(parsed, dict) else (None, raw)


def closing_verdicts(
    task: Task, turns: list[TurnRecord], calls: list[CallRecord], env: object, snapshot: Snapshot | None
) -> tuple[list[Verdict], Outcome]:
    """After the last turn that ran: the checks of the turns that never ran (failed, "turn not
    run"), then the task's own checks on the final outcome; and that outcome."""
    verdicts = [
        Verdict(check=c.describe(), passed=False, detail="turn not run", turn=len(turns))
        for skipped in task.turns[len(turns) :]
        for c in skipped.checks
    ]
    final = Outcome(
        calls=calls,
        output=turns[-1].output,
        state=snapshot(env) if snapshot else None,
        env=env,
        error=turns[-1].error,
    )
    verdicts += [run_check(c, final) for c in task.checks]
    return verdicts, final


def call_records(events: Sequence[Event]) -> list[CallRecord]:
    """The calls a run made, in order, each with its result (a plan's tool steps included: they are
    reported as calls too, with the step's id as the call's, so a call is known by its model
    request and id)."""
    results = {(e.step, e.result.call_id): e.result for e in events if isinstance(e, ToolCallFinished)}
    records = []
    for e in events:
        if isinstance(e, ToolCallStarted):
            arguments, raw = _arguments(e.call.arguments)
            result = results.get((e.step, e.call.id))
            records.append(
                CallRecord(
                    name=e.call.name,
                    arguments=arguments,
                    raw_arguments=raw,
                    status=result.status if result else "not run",
                    result=result.content if result else "",
                    step=e.step,
                )
            )
    return records


@dataclass
class _Tally:
    usage: RunUsage = field(default_factory=RunUsage)
    output_retries: int = 0

    @property
    def reported(self) -> bool:
        """Whether the model reported token counts (a prompt is never 0 tokens; 0 means none given)."""
        return self.usage.input_tokens > 0 or self.usage.output_tokens > 0

    def add(self, usage: RunUsage | None, events: Sequence[Event]) -> int:
        """Add one turn's usage; returns its number of model requests."""
        self.output_retries += sum(isinstance(e, OutputRetry) for e in events)
        if usage is None:
            return 0
        self.usage.requests += usage.requests
        self.usage.input_tokens += usage.input_tokens
        self.usage.output_tokens += usage.output_tokens
        return usage.requests


def _dump(messages: Sequence[Message]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json", exclude_none=True) for m in messages]


@dataclass
class TrialSetup:
    """How to run a trial: the model, sampling settings, default instructions, labels, strategy; and
    where its spans go (`tracing`; None: OpenTelemetry's global provider, if one is set up)."""

    model: Model
    settings: ModelSettings
    instructions: str | None = None
    endpoint: str | None = None
    latencies: Callable[[], list[float]] | None = None
    tool_mode: ToolMode | None = None
    tracing: Tracing | None = None
    strategy: Strategy = "react"
    agent_name: str | None = None  # `module:factory` of another framework's agent (evals.foreign_trial)


async def run_trial(task: Task, trial: int, setup: TrialSetup, timeout_s: float | None = None) -> TrialRecord:
    """Run `task` once and score it. Any failure of the trial fails it; only a `ConfigError` raises.

    A model, tool or check that raises anything (an `AgentsError`, a `TimeoutError` of the
    trial's limit, or any other exception) makes a failed record naming the error's class and
    message, so that one bad trial never stops an eval. A `ConfigError` (an unknown
    environment, a broken check reference, a mode the model cannot serve) is the suite's or
    the command's fault and would fail every trial alike: it propagates and stops the run.
    `KeyboardInterrupt` and cancellation propagate too.

    A turn cut off by the timeout keeps no calls (the agent's partial trace is lost with
    the cancelled run), but the state checks still see what those calls did.

    With an OpenTelemetry tracer provider set up, the trial is one `eval_trial` span, and its
    agent runs are spans in it (`agents.tracing`).
    """
    started = time.monotonic()
    about = {"gemma_agents.eval.task_id": task.id, "gemma_agents.eval.trial": trial}
    attributes = {**about, "gen_ai.request.model": setup.model.name}
    with tracing.span("eval_trial", attributes, setup.tracing) as note:
        try:
            record = await _run_trial(task, trial, setup, timeout_s)
        except ConfigError:
            raise
        except Exception as e:  # a crash outside the agent's run (environment, snapshot, scoring)
            record = crashed_record(
                task,
                trial,
                e,
                seed=setup.settings.seed,
                model=setup.model.name,
                endpoint=setup.endpoint,
                latency_s=time.monotonic() - started,
            )
        note(**{"gemma_agents.eval.passed": record.passed}, **_error_of(record))
        return record


def _error_of(record: TrialRecord) -> dict[str, str]:
    return {"error.type": record.error_type} if record.error_type else {}


def error_line(error: BaseException) -> str:
    """`Class: message` (or the class alone) of an error, as a trial record shows it."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def crashed_record(
    task: Task,
    trial: int,
    error: Exception,
    *,
    seed: int | None,
    model: str | None,
    endpoint: str | None = None,
    latency_s: float = 0.0,
) -> TrialRecord:
    """The record of a trial that raised before it could be scored: failed, with the error."""
    return TrialRecord(
        task_id=task.id,
        trial=trial,
        seed=seed,
        tags=task.tags,
        passed=False,
        error=error_line(error),
        error_type=type(error).__name__,
        infra_error=is_infra_error(error),
        latency_s=latency_s,
        endpoint=endpoint,
        model=model,
    )


def _prelude(task: Task) -> list[Message]:
    """The task's earlier exchange, as the messages the first turn follows."""
    # Task validation allows only user and assistant messages with text content.
    return [
        UserMessage(content=m["content"]) if m["role"] == "user" else AssistantMessage(text=m["content"])
        for m in task.history
    ]


async def _run_trial(task: Task, trial: int, setup: TrialSetup, timeout_s: float | None) -> TrialRecord:
    env, snapshot = make_env(task.env) if task.env is not None else (None, None)
    agent = Agent(
        setup.model,
        tools=build_toolset(task, env),
        instructions=task.instructions if task.instructions is not None else setup.instructions,
        limits=UsageLimits(max_steps=1 if task.single_response else task.max_steps),
        settings=setup.settings,
        tool_mode=setup.tool_mode,
        tracing=setup.tracing,
        planner=planner_for(setup.strategy),
    )
    started = time.monotonic()
    deadline = None if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
    turns: list[TurnRecord] = []
    verdicts: list[Verdict] = []
    tally = _Tally()
    history: list[Message] | None = _prelude(task) or None
    error: BaseException | None = None
    for index, turn in enumerate(task.turns):
        record = TurnRecord(user=turn.user)
        turns.append(record)
        events: Sequence[Event] = []
        begin = getattr(env, "_begin_turn", None)
        if callable(begin):  # an environment that changes between turns (BFCL reveals functions)
            begin(index)
        try:
            async with asyncio.timeout_at(deadline) as limit:
                result = await agent.run(turn.user, deps=env, message_history=history)
        except TimeoutError as e:
            error = e
            ran_out = limit.expired()
            record.error = (
                f"TimeoutError: the trial ran past its {timeout_s:g} s limit" if ran_out else error_line(e)
            )
        except ConfigError:
            raise
        except AgentsError as e:
            # A single-response turn ends at its step limit by design: its one response is scored.
            ended = task.single_response and isinstance(e, UsageLimitExceeded) and e.limit == "max_steps"
            if not ended:
                error = e
                record.error = error_line(e)
            trace = trace_of(e)
            events = trace.events if trace else []
            record.messages = _dump(trace.messages[len(history or []) :] if trace else [])
            record.steps = tally.add(trace.usage if trace else None, events)
            if ended and trace is not None:
                history = trace.messages
        except Exception as e:  # whatever escaped the agent (a bug, a tool's or model's crash)
            error = e
            record.error = error_line(e)
        else:
            events = result.events
            history = result.messages
            record.output = result.output if isinstance(result.output, str) else json.dumps(result.output)
            record.messages = _dump(result.new_messages())
            record.steps = tally.add(result.usage, events)
        record.calls = call_records(events)
        outcome = Outcome(
            calls=record.calls,
            output=record.output,
            state=snapshot(env) if snapshot else None,
            env=env,
            error=record.error,
            turn=index,
        )
        verdicts += [run_check(c, outcome) for c in turn.checks]
        if error is not None:
            break
    all_calls = [c for t in turns for c in t.calls]
    closing, final = closing_verdicts(task, turns, all_calls, env, snapshot)
    verdicts += closing
    return TrialRecord(
        task_id=task.id,
        trial=trial,
        seed=setup.settings.seed,
        tags=task.tags,
        passed=error is None and all(v.passed for v in verdicts),
        verdicts=verdicts,
        turns=turns,
        error=turns[-1].error,
        error_type=type(error).__name__ if error else None,
        infra_error=is_infra_error(error),
        steps=tally.usage.requests,
        tool_calls=len(all_calls),
        valid_calls=sum(c.status != "retry" for c in all_calls),
        retries=sum(c.status == "retry" for c in all_calls) + tally.output_retries,
        input_tokens=tally.usage.input_tokens if tally.reported else None,
        output_tokens=tally.usage.output_tokens if tally.reported else None,
        latency_s=time.monotonic() - started,
        request_latencies=setup.latencies() if setup.latencies else [],
        endpoint=setup.endpoint,
        model=setup.model.name,
        final_state=final.state,
    )
