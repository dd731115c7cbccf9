"""Recorded transcripts replayed through the runner get the verdict the transcript checker gives.

The agreement tests compare our checker with the official one on recorded calls; this closes
the loop: the same calls, sent by a scripted model through the real trial runner, its
toolset and its per-turn checks, pass or fail the trial exactly when the checker says so.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from agents.models.base import ModelResponse, ModelSettings
from agents.testing import ScriptedModel, ScriptItem, call
from evals.bfcl.data import MULTI_TURN, load_category
from evals.bfcl.multi_turn import check_transcript, gold_turns
from evals.bfcl.suites import multi_turn_task
from evals.trial import TrialSetup, run_trial

from ._transcripts import MultiTurn, multi_turn_outputs


def script(turns: MultiTurn) -> list[ScriptItem]:
    items: list[ScriptItem] = []
    for steps in turns:
        for step in steps:
            items.append(
                ModelResponse(tool_calls=[call(n, **a) for n, a in step], finish_reason="tool_calls")
            )
        items.append("Done.")
    return items


@pytest.mark.usefixtures("bfcl_toolsets")
@pytest.mark.parametrize("category", MULTI_TURN)
async def test_trials_pass_exactly_when_the_transcript_checker_says_so(category: Any) -> None:
    outcomes: Counter[bool] = Counter()
    mismatches = []
    for entry in load_category(category)[:: 20 if category == "multi_turn_base" else 40]:
        task = multi_turn_task(entry)
        for label, turns in multi_turn_outputs(entry, gold_turns(entry)):
            expected = check_transcript(entry, turns).passed
            model = ScriptedModel(script(turns))
            record = await run_trial(task, 0, TrialSetup(model=model, settings=ModelSettings()))
            outcomes[expected] += 1
            if record.passed != expected:
                mismatches.append((entry.id, label, expected, record.passed, record.error))
    assert mismatches == []
    assert outcomes[True] >= 5 and outcomes[False] >= 10
