"""The gold answers of our suite pass its own checks; a model that never calls passes nothing."""

from __future__ import annotations

import io
from pathlib import Path

from agents.models.base import ModelRequest
from agents.testing import FunctionModel
from evals.oracle import gold_script
from evals.runner import EvalConfig, run_eval
from evals.store import read_trials
from evals.suites import load_suite


def test_suite_shape() -> None:
    suite = load_suite("multistep")
    assert len(suite.tasks) >= 40
    assert {t.env.name for t in suite.tasks if t.env} >= {"files", "office", "shop"}
    for task in suite.tasks:
        n = sum(len(t.gold) for t in task.turns)
        assert 2 <= n <= 8, f"{task.id} needs {n} calls"
        assert task.checks or all(t.checks for t in task.turns), f"{task.id} has no checks"
    assert any(len(t.turns) > 1 for t in suite.tasks)


async def test_oracle_scores_100_percent(tmp_path: Path) -> None:
    suite = load_suite("multistep")
    summary = await run_eval(
        suite, EvalConfig(out=tmp_path, oracle=True, concurrency=16), progress=io.StringIO()
    )
    failures = [(r.task_id, r.error, [v for v in r.verdicts if not v.passed]) for r in read_trials(tmp_path)]
    assert summary["success_rate"] == 1.0, [f for f in failures if f[1] or f[2]]
    assert summary["trials"] == len(suite.tasks)
    assert summary["tool_call_validity"] == 1.0
    assert summary["tool_calls"] == sum(len(t.gold) for task in suite.tasks for t in task.turns)


async def test_model_that_never_calls_scores_zero(tmp_path: Path) -> None:
    suite = load_suite("multistep")

    def refuse(request: ModelRequest) -> str:
        return "I cannot help with that."

    summary = await run_eval(
        suite,
        EvalConfig(out=tmp_path),
        model_factory=lambda t, i: FunctionModel(refuse),
        progress=io.StringIO(),
    )
    assert summary["passed"] == 0 and summary["tool_calls"] == 0


def test_gold_script_parallel_and_answers() -> None:
    from evals.tasks import GoldCall, Task, Turn

    task = Task(
        id="t",
        turns=[
            Turn(
                user="a", gold=[GoldCall(name="f"), GoldCall(name="g")], gold_parallel=True, gold_answer="x"
            ),
            Turn(user="b", gold=[GoldCall(name="h", arguments={"name": 1})]),
        ],
    )
    script = gold_script(task)
    assert len(script) == 4 and script[1] == "x" and script[3] == "Done."


async def test_oracle_reports_no_tokens(tmp_path: Path) -> None:
    suite = load_suite("multistep").select(limit=2)
    summary = await run_eval(suite, EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO())
    # The gold replay generates nothing: no invented counts, shown as "-".
    assert summary["input_tokens"] is None and summary["output_tokens"] is None
    assert all(r.input_tokens is None and r.output_tokens is None for r in read_trials(tmp_path))
    assert "| prompt / completion tokens | - / - |" in (tmp_path / "report.md").read_text()
