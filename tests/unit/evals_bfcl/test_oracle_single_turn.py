"""Through the real runner, replaying the gold answers (the oracle) passes every entry that can pass.

A few entries have gold answers that contradict their own function docs (`gold_defects`);
BFCL's checker fails every answer to them, so the oracle must fail exactly those, and the
official checker must fail our replayed gold answer on them too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.bfcl.data import AST_CATEGORIES, RELEVANCE, load_category
from evals.bfcl.gold import ast_gold_calls, gold_defects
from evals.runner import EvalConfig, run_eval
from evals.store import read_trials
from evals.suites import load_suite

from ._official import Official
from .test_agreement import official_single_turn


def _defective(category: str) -> dict[str, list[str]]:
    if category in RELEVANCE:
        return {}
    found = {}
    for entry in load_category(category):  # type: ignore[arg-type]
        defects = gold_defects(entry.functions, entry.ground_truth, entry.language)
        if defects:
            found[entry.id] = defects
    return found


@pytest.mark.usefixtures("bfcl_toolsets")
@pytest.mark.parametrize("category", [*AST_CATEGORIES, *RELEVANCE])
async def test_replaying_the_gold_answers_passes_every_passable_entry(
    category: str, tmp_path: Path, official: Official
) -> None:
    suite = load_suite(f"bfcl:{category}")
    summary = await run_eval(suite, EvalConfig(out=tmp_path, oracle=True, concurrency=16))
    defective = _defective(category)
    failed = {
        r.task_id: [v.detail for v in r.verdicts if not v.passed]
        for r in read_trials(tmp_path)
        if not r.passed
    }
    print(f"{category}: oracle {summary['passed']}/{summary['trials']}, unpassable gold: {sorted(defective)}")
    assert summary["trials"] == len(suite.tasks) > 0
    assert set(failed) == set(defective), f"oracle failures: {_first(failed)}"
    assert len(defective) <= 5  # data defects are rare; many would mean a bug of ours
    entries = {e.id: e for e in load_category(category)}  # type: ignore[arg-type]
    for entry_id in defective:
        entry = entries[entry_id]
        gold = ast_gold_calls(entry.functions, entry.ground_truth, entry.language)
        assert not official_single_turn(official, entry, gold), f"{entry_id}: BFCL passes our gold answer"


def _first(failed: dict[str, Any]) -> list[Any]:
    return list(failed.items())[:5]
