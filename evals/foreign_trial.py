"""One trial run by an agent of another framework (`--agent module:factory`, see `evals.frameworks`).

The same trial as `evals.trial.run_trial`: a fresh environment, the turns in one conversation,
the checks of each turn and of the task, one `TrialRecord`. Only the agent differs: the factory's
object runs each turn, and the calls the checks see are the ones its tools ran through the harness.
"""

from __future__ import annotations

import asyncio
import time

from evals.checks import run_check
from evals.envs import make_env
from evals.frameworks import AgentFactory, AgentSetup, CallLog, ModelEndpoint, harness_tools, make_agent
from evals.tasks import Task
from evals.trace import Outcome, TrialRecord, TurnRecord, Verdict
from evals.trial import (
    TrialSetup,
    build_toolset,
    closing_verdicts,
    crashed_record,
    error_line,
    is_infra_error,
)
from tools.errors import ConfigError


async def run_foreign_trial(
    task: Task,
    trial: int,
    setup: TrialSetup,
    factory: AgentFactory,
    endpoint: ModelEndpoint | None,
    timeout_s: float | None = None,
) -> TrialRecord:
    """Run `task` once with the factory's agent and score it; failures as in `run_trial`."""
    started = time.monotonic()
    try:
        return await _run(task, trial, setup, factory, endpoint, timeout_s)
    except ConfigError:
        raise
    except Exception as e:
        return crashed_record(
            task,
            trial,
            e,
            seed=setup.settings.seed,
            model=setup.model.name,
            endpoint=setup.endpoint,
            latency_s=time.monotonic() - started,
        )


async def _run(
    task: Task,
    trial: int,
    setup: TrialSetup,
    factory: AgentFactory,
    endpoint: ModelEndpoint | None,
    timeout_s: float | None,
) -> TrialRecord:
    env, snapshot = make_env(task.env) if task.env is not None else (None, None)
    log = CallLog()
    agent_setup = AgentSetup(
        tools=harness_tools(build_toolset(task, env), env, log),
        instructions=task.instructions if task.instructions is not None else setup.instructions,
        endpoint=endpoint,
        model=setup.model,
        settings=setup.settings,
        max_steps=1 if task.single_response else task.max_steps,
        single_response=task.single_response,
        tool_mode=setup.tool_mode,
    )
    agent = await make_agent(factory, agent_setup)
    started = time.monotonic()
    deadline = None if timeout_s is None else asyncio.get_running_loop().time() + timeout_s
    turns: list[TurnRecord] = []
    verdicts: list[Verdict] = []
    requests, tokens_in, tokens_out = 0, 0, 0
    reported = False
    error: BaseException | None = None
    try:
        for index, turn in enumerate(task.turns):
            record = TurnRecord(user=turn.user)
            turns.append(record)
            before = len(log.calls)
            log.step = index
            try:
                async with asyncio.timeout_at(deadline) as limit:
                    result = await agent.run_turn(turn.user)
            except TimeoutError as e:
                error = e
                ran_out = limit.expired()
                record.error = (
                    f"TimeoutError: the trial ran past its {timeout_s:g} s limit"
                    if ran_out
                    else error_line(e)
                )
            except ConfigError:
                raise
            except Exception as e:  # the framework's failure is the trial's
                error = e
                record.error = error_line(e)
            else:
                record.output = result.output
                record.messages = result.messages
                record.steps = result.requests
                requests += result.requests
                if result.input_tokens is not None or result.output_tokens is not None:
                    reported = True
                    tokens_in += result.input_tokens or 0
                    tokens_out += result.output_tokens or 0
            record.calls = log.calls[before:]
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
    finally:
        close = getattr(agent, "aclose", None)
        if callable(close):
            await close()
    closing, final = closing_verdicts(task, turns, log.calls, env, snapshot)
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
        steps=requests,
        tool_calls=len(log.calls),
        valid_calls=sum(c.status != "retry" for c in log.calls),
        retries=sum(c.status == "retry" for c in log.calls),
        input_tokens=tokens_in if reported else None,
        output_tokens=tokens_out if reported else None,
        latency_s=time.monotonic() - started,
        request_latencies=setup.latencies() if setup.latencies else [],
        endpoint=setup.endpoint,
        model=setup.model.name,
        agent=setup.agent_name,
        final_state=final.state,
    )
