"""The runner: k trials of every task, N in flight, over a pool of endpoints, resumable.

    run_eval(suite, config, models=[...])            # a model per endpoint
    run_eval(suite, config, oracle=True)             # gold answers replayed, no server

Every finished trial is appended to `OUT/trials.jsonl` at once; a re-run with the same
`OUT` skips them (trials that failed because the server did, not the model, run again).
A re-run resumes only the same experiment: `run.json` keeps a fingerprint of the settings
and of every task (`evals.fingerprint`), and a mismatch is refused.

A trial that fails, for whatever reason, is recorded as failed (`run_trial`), so the run
always ends with `summary.json`, `report.md` and `report.html`, written from every trial in
the directory. Only a `ConfigError` (the suite or the command is broken, so every trial
would fail alike) stops the run early, as does an interrupt; the trials written so far stay.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

from agents.models.base import Model, ModelSettings
from agents.models.profiles import ToolMode
from evals import prometheus
from evals._gc import eval_gc
from evals.fingerprint import differences, fingerprint, merged
from evals.foreign_trial import run_foreign_trial
from evals.frameworks import ModelEndpoint, load_factory
from evals.metrics import summarize
from evals.oracle import oracle_model
from evals.pool import EndpointPool
from evals.progress import Progress
from evals.reports import write_reports
from evals.shared import SharedEval, StoreLedger, write_run_dir
from evals.store import RUN, SUMMARY, TRIALS, TrialWriter, read_json, read_trials, write_json
from evals.strategy import Strategy, check_strategy
from evals.tasks import Suite, Task
from evals.trace import TrialRecord
from evals.trial import TrialSetup, crashed_record, run_trial
from tools.errors import ConfigError


@dataclass
class EvalConfig:
    """What to run and how. `seed` + trial index is the seed of each trial (same for every task)."""

    out: Path
    k: int = 1
    concurrency: int = 8
    seed: int | None = 0
    timeout_s: float = 600.0  # per trial, unless the task sets its own
    temperature: float | None = None
    max_tokens: int | None = 512
    oracle: bool = False
    model_name: str | None = None
    base_urls: list[str] = field(default_factory=list)
    tool_mode: ToolMode | None = None  # None: the model profile's default
    strategy: Strategy = "react"  # or "plan": the agent plans and executes (evals.strategy)
    agent: str | None = None  # `module:factory` of another framework's agent (evals.frameworks)

    def __post_init__(self) -> None:
        check_strategy(self.strategy)
        if self.agent is not None and self.strategy != "react":
            raise ConfigError(
                f"--strategy {self.strategy} plans with our agent's Planner; an --agent of another "
                "framework runs the way it was built. Drop one of the two."
            )
        if self.k < 1 or self.concurrency < 1:
            raise ConfigError(
                f"k and concurrency must be at least 1 (got k={self.k}, concurrency={self.concurrency})."
            )

    def settings(self, trial: int) -> ModelSettings:
        return ModelSettings(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            seed=None if self.seed is None else self.seed + trial,
        )


def _resumable(out: Path, now: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint to store in `out`; a `ConfigError` when `out` holds another experiment.

    Mixing two experiments in one directory would score their trials together.
    """
    trials = out / TRIALS
    if not (out / RUN).exists() or not trials.exists() or trials.stat().st_size == 0:
        return now  # no trial to mix with
    stored = read_json(out / RUN).get("fingerprint")
    if not isinstance(stored, dict):
        found = ["it was written by an older version of the harness, without a fingerprint"]
    else:
        found = differences(stored, now)
    if found:
        raise ConfigError(
            f"{out} already holds a run of another experiment ({'; '.join(found)}): resuming it would "
            f"score the trials of both together. Use a new --out directory, or delete {out} to start over."
        )
    return merged(cast(dict[str, Any], stored), now)


def _first(group: BaseExceptionGroup[Any]) -> BaseException:
    """The first configuration error in a (nested) exception group, else its first leaf."""
    leaves: list[BaseException] = []
    stack: list[BaseException] = [group]
    while stack:
        error = stack.pop(0)
        if isinstance(error, BaseExceptionGroup):
            stack[:0] = error.exceptions
        else:
            leaves.append(error)
    return next((e for e in leaves if isinstance(e, ConfigError)), leaves[0])


ModelFactory = Callable[[Task, int], Model]


class _FolderLedger:
    """The trials left to run in a run directory; each result appended to its `trials.jsonl`."""

    def __init__(self, out: Path, todo: list[tuple[str, int]]) -> None:
        self._todo = deque(todo)
        self._writer = TrialWriter(out)

    async def next(self) -> tuple[str, int] | None:
        return self._todo.popleft() if self._todo else None

    async def record(self, record: TrialRecord) -> bool:
        self._writer.write(record)
        return True

    def close(self) -> None:
        self._writer.close()


async def run_eval(
    suite: Suite,
    config: EvalConfig,
    *,
    models: Sequence[Model] = (),
    model_factory: ModelFactory | None = None,
    progress: TextIO | None = None,
    shared: SharedEval | None = None,
    tune_gc: bool = True,
) -> dict[str, Any]:
    """Run (or finish) an eval of `suite`; returns the summary also written to `OUT/summary.json`.

    The model of each trial comes from `model_factory(task, trial)` when given (the oracle
    uses this), else from the pool of `models`, one per endpoint. With `shared`, this process is
    one of several runners of one eval kept in a store (`evals.shared`): it claims trials there
    until the whole eval is done, and `OUT` gets the whole eval's trials and reports.
    `tune_gc` collects garbage less often while the eval runs (`evals._gc`); pass False to leave
    the process's collector alone.
    """
    with eval_gc() if tune_gc else nullcontext():
        return await _run_eval(suite, config, models, model_factory, progress, shared)


async def _run_eval(
    suite: Suite,
    config: EvalConfig,
    models: Sequence[Model],
    model_factory: ModelFactory | None,
    progress: TextIO | None,
    shared: SharedEval | None,
) -> dict[str, Any]:
    out = config.out
    if config.oracle and model_factory is None:
        model_factory = lambda task, _: oracle_model(task, config.strategy)  # noqa: E731 - one line, one use
    if model_factory is None and not models:
        raise ConfigError("run_eval needs models (one per endpoint), a model_factory, or oracle=True.")
    out.mkdir(parents=True, exist_ok=True)
    profile = models[0].profile.family if models and model_factory is None else None
    settings = {**asdict(config), "profile": profile}
    now = fingerprint(suite, settings)
    stored = _resumable(out, now)
    run_info = {
        "suite": suite.name,
        "model": config.model_name,
        "oracle": config.oracle,
        "strategy": config.strategy,
        "agent": config.agent,
    }
    info: dict[str, Any] = {
        **run_info,
        "config": settings,
        "tasks": [t.id for t in suite.tasks],
        "fingerprint": stored,
    }
    keys = [(t.id, i) for t in suite.tasks for i in range(config.k)]

    ledger: _FolderLedger | StoreLedger
    if shared is None:
        write_json(out / RUN, info)
        done = {r.key for r in read_trials(out) if not r.infra_error}
        todo = [key for key in keys if key not in done]
        ledger = _FolderLedger(out, todo)
        workers, total = min(config.concurrency, len(todo)), len(todo)
    else:
        info = {**info, "k": config.k, "fingerprint": now, "eval_id": shared.eval_id}
        ledger = await StoreLedger.open(shared, info, keys)
        workers, total = config.concurrency, (await ledger.left()).total

    tasks = {t.id: t for t in suite.tasks}
    pool = EndpointPool(models, labels=config.base_urls or None) if models and model_factory is None else None
    base_urls = config.base_urls if pool is not None else []
    before = [await prometheus.scrape(url) for url in base_urls]

    bar = Progress(f"eval {suite.name}", total, progress)
    started = time.monotonic()
    ran = 0

    factory = load_factory(config.agent) if config.agent else None

    async def run(task: Task, trial: int, setup: TrialSetup, endpoint: ModelEndpoint | None) -> TrialRecord:
        timeout = task.timeout_s if task.timeout_s is not None else config.timeout_s
        if factory is None:
            return await run_trial(task, trial, setup, timeout)
        return await run_foreign_trial(task, trial, setup, factory, endpoint, timeout)

    async def attempt(task: Task, trial: int) -> TrialRecord:
        if pool is None:
            assert model_factory is not None
            setup = TrialSetup(
                model_factory(task, trial),
                config.settings(trial),
                suite.instructions,
                tool_mode=config.tool_mode,
                strategy=config.strategy,
                agent_name=config.agent,
            )
            return await run(task, trial, setup, None)
        with pool.lease() as model:
            setup = TrialSetup(
                model,
                config.settings(trial),
                suite.instructions,
                endpoint=model.endpoint.label,
                latencies=lambda: model.latencies,
                tool_mode=config.tool_mode,
                strategy=config.strategy,
                agent_name=config.agent,
            )
            return await run(task, trial, setup, ModelEndpoint(model.endpoint.label, model.name))

    async def worker() -> None:
        nonlocal ran
        while (key := await ledger.next()) is not None:
            task, trial = tasks[key[0]], key[1]
            try:
                record = await attempt(task, trial)
            except ConfigError:
                raise
            except Exception as e:  # making the trial's model failed: still a failed trial
                record = crashed_record(
                    task, trial, e, seed=config.settings(trial).seed, model=config.model_name
                )
            if await ledger.record(record):
                ran += 1
                bar.update(record)

    heartbeat = asyncio.create_task(ledger.heartbeat()) if isinstance(ledger, StoreLedger) else None
    finished = False
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(worker())
        finished = True
    except ExceptionGroup as failed:
        # Trials record their own failures, so what gets here stopped the run on purpose (a
        # ConfigError): raise it alone, for a one-line message instead of a group's traceback.
        raise _first(failed) from None
    finally:
        if heartbeat is not None:
            heartbeat.cancel()
        bar.finish()
        if isinstance(ledger, StoreLedger):
            if finished:
                write_run_dir(out, info, await ledger.records())
            await ledger.close(release=not finished)
        else:
            ledger.close()

    after = [await prometheus.scrape(url) for url in base_urls]
    ids = {t.id for t in suite.tasks}
    records = [r for r in read_trials(out) if r.task_id in ids and r.trial < config.k]
    summary = {
        **run_info,
        "k": config.k,
        **summarize(records),
        "prefix_cache_hit_rate": prometheus.hit_rate(before, after) if base_urls else None,
        "trials_run_now": ran,
        "wall_s": time.monotonic() - started,
    }
    write_json(out / SUMMARY, summary)
    write_reports(out, summary, records)
    return summary
