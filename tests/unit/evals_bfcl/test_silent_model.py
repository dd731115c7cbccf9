"""Through the real runner, a model that never calls scores 0% (100% on irrelevance: its gold is no call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.testing import FunctionModel
from evals.bfcl.data import CATEGORIES
from evals.runner import EvalConfig, run_eval
from evals.suites import load_suite
from evals.tasks import Task


@pytest.mark.usefixtures("bfcl_toolsets")
@pytest.mark.parametrize("category", CATEGORIES)
async def test_a_model_that_never_calls_scores_zero_except_on_irrelevance(
    category: str, tmp_path: Path
) -> None:
    suite = load_suite(f"bfcl:{category}")
    # A sample keeps the file fast: a silent model fails (or passes) every entry alike.
    step = 8 if category == "multi_turn_base" else 2
    suite = suite.model_copy(update={"tasks": suite.tasks[::step]})

    def silent(task: Task, trial: int) -> FunctionModel:
        return FunctionModel(lambda request: "I would rather not call anything.")

    summary = await run_eval(suite, EvalConfig(out=tmp_path, concurrency=16), model_factory=silent)
    assert summary["trials"] == len(suite.tasks) > 0
    expected = summary["trials"] if category == "irrelevance" else 0
    assert summary["passed"] == expected
