"""Through the real runner, a model that never calls scores what the official checker gives it.

That is 100% on irrelevance and live_irrelevance (their gold is no call) and 0% elsewhere;
each sampled entry's expected verdict comes from the package's own checker, fed no calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.testing import FunctionModel
from evals.bfcl.data import CATEGORIES, MULTI_TURN, load_category
from evals.runner import EvalConfig, run_eval
from evals.store import read_trials
from evals.suites import load_suite
from evals.tasks import Task

from ._official import Official
from .test_agreement import official_multi_turn, official_single_turn

# A sample keeps the file fast: a silent model fails (or passes) every entry alike.
_STEP = {"multi_turn_base": 8, "multi_turn_miss_func": 8, "multi_turn_miss_param": 8}
_STEP |= {"multi_turn_long_context": 16, "live_multiple": 8, "live_irrelevance": 8}


@pytest.mark.usefixtures("bfcl_toolsets")
@pytest.mark.parametrize("category", CATEGORIES)
async def test_a_model_that_never_calls_scores_what_the_official_checker_gives(
    category: str, tmp_path: Path, official: Official
) -> None:
    suite = load_suite(f"bfcl:{category}")
    suite = suite.model_copy(update={"tasks": suite.tasks[:: _STEP.get(category, 2)]})

    def silent(task: Task, trial: int) -> FunctionModel:
        return FunctionModel(lambda request: "I would rather not call anything.")

    summary = await run_eval(suite, EvalConfig(out=tmp_path, concurrency=16), model_factory=silent)
    entries = {e.id: e for e in load_category(category)}
    expected = {}
    for task in suite.tasks:
        entry = entries[task.id]
        if category in MULTI_TURN:
            expected[task.id] = official_multi_turn(official, entry, [[] for _ in entry.turns])
        else:
            expected[task.id] = official_single_turn(official, entry, [])
    got = {r.task_id: r.passed for r in read_trials(tmp_path)}
    print(f"{category}: silent model {summary['passed']}/{summary['trials']}")
    assert summary["trials"] == len(suite.tasks) > 0
    assert got == expected
    assert set(expected.values()) == {"irrelevance" in category}
