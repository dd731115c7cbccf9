"""Crash test: kill an agent run with SIGKILL at every injection point, resume it, check the effects.

    python benchmarks/crash.py [--trials 1000] [--seed 0] [--json PATH] [--keep DIR]

Each trial forks a child that runs a durable agent on a SQLite store (a real file) and kills
itself with SIGKILL at the n-th occurrence of one injection point:

    before_model     before a model request          after_model      after the model answered
    before_dispatch  a tool handler starts            after_dispatch   the tool had its effect
    mid_commit       inside a store transaction, after its writes, before COMMIT

Another forked child then resumes the run (or starts it again when the crash came before the
run's first write) until it finishes, deciding on every call it is asked about (approve or deny,
at random). The tools' effects go to a file, the "external system":

    deposit  idempotent: writes `deposit KEY` unless its idempotency key is there already
    notify   unsafe: writes `notify KEY` every time it runs

Checked for every trial (the table counts failures of each):

    finished     the run finished
    orphans      no request ever sent the model a call without its result
    exactly_once every deposit of the final conversation happened exactly once (by its key)
    surfaced     a notify that ran twice, or not at all, was surfaced to the caller first

The model is a scripted function of the conversation (no server): this tests the store and the
loop, not a model. Runs on "event" and "step" durability alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event
from sqlalchemy.engine import Engine

from agents import Agent, RunContext
from agents.memory import Approve, Deny, Store
from agents.messages import AssistantMessage, Message, ToolResultMessage
from agents.models.base import ModelRequest, ModelResponse
from agents.testing import FunctionModel
from tools import ToolCall, Toolset, tool

POINTS = ("before_model", "after_model", "before_dispatch", "after_dispatch", "mid_commit")
DURABILITY = ("event", "step")
PROMPT = "Deposit 10, tell the team, then deposit 20."


@dataclass
class Trial:
    point: str
    nth: int
    durability: str
    seed: int
    notify_effect: str = "unsafe"  # "idempotent" mislabels it: the check must then catch re-runs
    killed: bool = False
    fresh_start: bool = False  # the crash came before the run's first write
    finished: bool = False
    orphans: int = 0
    exactly_once: bool = True
    surfaced_ok: bool = True
    surfaced: int = 0
    resumes: int = 0
    problems: list[str] = field(default_factory=list)


class _Injector:
    """Counts occurrences of each point in this process and dies at the chosen one."""

    def __init__(self, point: str | None, nth: int) -> None:
        self.point, self.nth = point, nth
        self.counts: Counter[str] = Counter()

    def hit(self, point: str) -> None:
        self.counts[point] += 1
        if point == self.point and self.counts[point] == self.nth:
            os.kill(os.getpid(), signal.SIGKILL)


def _model(inject: _Injector, orphans_file: Path) -> FunctionModel:
    """Batch 1: deposit 10 and notify; batch 2: deposit 20; then the answer."""

    async def respond(request: ModelRequest) -> ModelResponse:
        inject.hit("before_model")
        if _orphans(request.messages):
            with orphans_file.open("a") as f:
                f.write("orphan\n")
        batches = sum(1 for m in request.messages if isinstance(m, AssistantMessage) and m.tool_calls)
        if batches == 0:
            calls = [
                ToolCall("c1", "deposit", {"amount": 10}),
                ToolCall("c2", "notify", {"text": "deposited"}),
            ]
            response = ModelResponse(tool_calls=calls)
        elif batches == 1:
            response = ModelResponse(tool_calls=[ToolCall("c3", "deposit", {"amount": 20})])
        else:
            response = ModelResponse(text="Deposited 30 and told the team.")
        inject.hit("after_model")
        return response

    return FunctionModel(respond)


def _orphans(messages: list[Message]) -> bool:
    waiting: set[str] = set()
    for m in messages:
        if isinstance(m, ToolResultMessage):
            waiting.discard(m.call_id)
            continue
        if waiting:
            return True
        if isinstance(m, AssistantMessage):
            waiting = {c.id for c in m.tool_calls}
    return bool(waiting)


def _tools(inject: _Injector, effects: Path, notify_effect: str) -> Toolset:
    def record(line: str) -> None:
        with effects.open("a") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    @tool(effect="idempotent")
    def deposit(ctx: RunContext[None], amount: int) -> str:
        """Deposit an amount; the bank drops a repeat of the same idempotency key."""
        inject.hit("before_dispatch")
        seen = effects.read_text().split() if effects.exists() else []
        if ctx.idempotency_key not in seen:
            record(f"deposit {ctx.idempotency_key}")
        inject.hit("after_dispatch")
        return f"deposited {amount}"

    @tool(effect=notify_effect)  # type: ignore[call-overload]
    def notify(ctx: RunContext[None], text: str) -> str:
        """Tell the team (unsafe: a repeat is a second message)."""
        inject.hit("before_dispatch")
        record(f"notify {ctx.idempotency_key}")
        inject.hit("after_dispatch")
        return "sent"

    return Toolset([deposit, notify], max_concurrency=1)


def _agent(store: Store, inject: _Injector, work: Path, trial: Trial) -> Agent[str]:
    return Agent(
        _model(inject, work / "orphans"),
        tools=_tools(inject, work / "effects", trial.notify_effect),
        store=store,
        durability=trial.durability,  # type: ignore[arg-type]
    )


def _commit_hook(inject: _Injector) -> None:
    def on_commit(conn: Any) -> None:
        inject.hit("mid_commit")

    event.listen(Engine, "commit", on_commit)


async def _first_run(work: Path, trial: Trial, inject: _Injector) -> dict[str, int]:
    _commit_hook(inject)
    async with await Store.open(work / "store.db") as store:
        await _agent(store, inject, work, trial).run(PROMPT, run_id="run")
    return dict(inject.counts)


async def _resume(work: Path, trial: Trial) -> dict[str, Any]:
    rng = random.Random(trial.seed)
    inject = _Injector(None, 0)
    out: dict[str, Any] = {"surfaced": [], "approved": [], "resumes": 0}
    async with await Store.open(work / "store.db") as store:
        agent = _agent(store, inject, work, trial)
        try:
            await store.run("run")
        except Exception:
            out["fresh_start"] = True
            result = await agent.run(PROMPT, run_id="run")
        else:
            result = await agent.resume("run")
            out["resumes"] += 1
        while result.waiting:
            decisions: dict[str, Any] = {}
            for p in result.pending:
                out["surfaced"].append(p.idempotency_key)
                if rng.random() < 0.5:
                    decisions[p.call_id] = Approve()
                    out["approved"].append(p.idempotency_key)
                else:
                    decisions[p.call_id] = Deny("it may have run already")
            result = await agent.resume("run", decisions=decisions)
            out["resumes"] += 1
        out["finished"] = result.output is not None and not result.waiting
        history = (await store.history(result.session_id or "")).messages
        out["deposits"] = [
            f"run:{step}:{c.id}"
            for step, m in _steps(history)
            for c in (m.tool_calls if isinstance(m, AssistantMessage) else [])
            if c.name == "deposit"
        ]
    return out


def _steps(history: list[Message]) -> list[tuple[int, Message]]:
    """Each assistant message with the step (model request number) that wrote it."""
    out, step = [], 0
    for m in history:
        if isinstance(m, AssistantMessage):
            step += 1
            out.append((step, m))
    return out


def _fork(fn: Any) -> int:
    """Run `fn()` in a forked child; its exit status (negative: killed by that signal)."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            fn()
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def count_points(durability: str, root: Path) -> dict[str, int]:
    """How often each injection point occurs in an uninterrupted run."""
    work = Path(tempfile.mkdtemp(dir=root))
    inject = _Injector(None, 0)
    trial = Trial("none", 0, durability, 0)
    counts_file = work / "counts.json"

    def child() -> None:
        counts = asyncio.run(_first_run(work, trial, inject))
        counts_file.write_text(json.dumps(counts))

    if _fork(child) != 0:
        raise RuntimeError("the uninterrupted run failed; see stderr")
    return {k: int(v) for k, v in json.loads(counts_file.read_text()).items()}


def run_trial(trial: Trial, root: Path) -> Trial:
    work = Path(tempfile.mkdtemp(dir=root))
    inject = _Injector(trial.point, trial.nth)
    status = _fork(lambda: asyncio.run(_first_run(work, trial, inject)))
    trial.killed = status == -signal.SIGKILL
    if status not in (0, -signal.SIGKILL):
        trial.problems.append(f"first run exited with {status}")
    result_file = work / "resume.json"

    def child() -> None:
        result_file.write_text(json.dumps(asyncio.run(_resume(work, trial))))

    if _fork(child) != 0 or not result_file.exists():
        trial.problems.append("resume failed (see stderr)")
        return trial
    out = json.loads(result_file.read_text())
    _judge(trial, out, work)
    return trial


def _judge(trial: Trial, out: dict[str, Any], work: Path) -> None:
    trial.finished = bool(out.get("finished"))
    trial.fresh_start = bool(out.get("fresh_start"))
    trial.resumes = int(out["resumes"])
    trial.surfaced = len(out["surfaced"])
    trial.orphans = len((work / "orphans").read_text().splitlines()) if (work / "orphans").exists() else 0
    lines = Counter((work / "effects").read_text().splitlines()) if (work / "effects").exists() else Counter()
    deposits = {line.split()[1]: n for line, n in lines.items() if line.startswith("deposit ")}
    wanted = set(out["deposits"])
    if set(deposits) != wanted or any(n != 1 for n in deposits.values()):
        trial.exactly_once = False
        trial.problems.append(f"deposits {dict(deposits)} for calls {sorted(wanted)}")
    surfaced, approved = set(out["surfaced"]), set(out["approved"])
    for line, n in lines.items():
        kind, key = line.split()
        if kind == "notify" and n > 1 and not (key in surfaced and key in approved):
            trial.surfaced_ok = False
            trial.problems.append(f"notify {key} ran {n} times, surfaced={key in surfaced}")
    if not trial.finished:
        trial.problems.append("the run did not finish")
    if trial.orphans:
        trial.problems.append(f"{trial.orphans} request(s) with an orphaned call")


def plan(trials: int, seed: int, root: Path, *, notify_effect: str = "unsafe") -> list[Trial]:
    """`trials` trials spread evenly over points x durability, n-th occurrence drawn at random."""
    rng = random.Random(seed)
    counts = {d: count_points(d, root) for d in DURABILITY}
    combos = [(p, d) for p in POINTS for d in DURABILITY]
    out = []
    for i in range(trials):
        point, durability = combos[i % len(combos)]
        n = counts[durability].get(point, 0)
        nth = rng.randint(1, max(n, 1))
        out.append(Trial(point, nth, durability, rng.randrange(2**31), notify_effect=notify_effect))
    return out


def summarise(done: list[Trial]) -> dict[str, Any]:
    return {
        "trials": len(done),
        "killed": sum(t.killed for t in done),
        "fresh_starts": sum(t.fresh_start for t in done),
        "finished": sum(t.finished for t in done),
        "orphaned_requests": sum(t.orphans for t in done),
        "exactly_once_failures": sum(not t.exactly_once for t in done),
        "silent_unsafe_reruns": sum(not t.surfaced_ok for t in done),
        "surfaced_calls": sum(t.surfaced for t in done),
        "resumes": sum(t.resumes for t in done),
        "failed_trials": [asdict(t) for t in done if t.problems][:20],
        "by_point": {
            p: {
                "trials": sum(t.point == p for t in done),
                "killed": sum(t.killed for t in done if t.point == p),
                "problems": sum(bool(t.problems) for t in done if t.point == p),
            }
            for p in POINTS
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=1000, help="number of crash trials (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the trial plan and decisions")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    parser.add_argument("--keep", type=Path, help="keep each trial's store and effects under this folder")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="crash-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = [run_trial(t, root) for t in plan(args.trials, args.seed, root)]
    summary = {**summarise(done), "seconds": round(time.perf_counter() - started, 1)}
    print(f"{'point':<16} {'trials':>7} {'killed':>7} {'problems':>9}")
    for point, row in summary["by_point"].items():
        print(f"{point:<16} {row['trials']:>7} {row['killed']:>7} {row['problems']:>9}")
    for key in ("trials", "killed", "fresh_starts", "finished", "resumes", "surfaced_calls"):
        print(f"{key:<22} {summary[key]}")
    for key in ("orphaned_requests", "exactly_once_failures", "silent_unsafe_reruns"):
        print(f"{key:<22} {summary[key]}")
    print(f"{'seconds':<22} {summary['seconds']}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    if any(t.problems for t in done):
        sys.exit(1)


if __name__ == "__main__":
    main()
