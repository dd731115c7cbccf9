"""Through the real runner, replaying the gold answers (the oracle) scores 100% per multi-turn category."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.bfcl.data import MULTI_TURN
from evals.runner import EvalConfig, run_eval
from evals.suites import load_suite


@pytest.mark.usefixtures("bfcl_toolsets")
@pytest.mark.parametrize("category", MULTI_TURN)
async def test_replaying_the_gold_answers_scores_100_percent(category: str, tmp_path: Path) -> None:
    suite = load_suite(f"bfcl:{category}")
    summary = await run_eval(suite, EvalConfig(out=tmp_path, oracle=True, concurrency=16))
    print(f"{category}: oracle {summary['passed']}/{summary['trials']}")
    assert summary["trials"] == len(suite.tasks) >= 200
    assert summary["passed"] == summary["trials"], f"oracle failures: {_failed(tmp_path)}"


def _failed(out: Path) -> list[Any]:
    from evals.store import read_trials

    return [
        (r.task_id, [v.detail for v in r.verdicts if not v.passed]) for r in read_trials(out) if not r.passed
    ][:5]
