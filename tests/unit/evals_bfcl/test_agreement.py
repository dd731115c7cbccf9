"""Our verdicts equal the official BFCL checker's on recorded outputs, right and subtly wrong.

The outputs are the gold answers and deterministic mutations of them (wrong type, missing or
extra parameter, wrong enum value, int for float, respelled strings, swapped parallel order,
bad JSON, ...). The official verdicts come from the checker functions of the installed
`bfcl-eval`, fed the way its function-calling handlers feed them.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

import pytest

from evals.bfcl.ast_checker import ModelCall, check_entry, check_relevance_category
from evals.bfcl.data import AST_CATEGORIES, MULTI_TURN, RELEVANCE, Entry, load_category
from evals.bfcl.multi_turn import check_transcript, gold_turns

from ._official import Official
from ._transcripts import Call, MultiTurn, multi_turn_outputs, single_turn_outputs, to_call_string

_runs = itertools.count()


def _official_decode(calls: list[Call]) -> list[dict[str, Any]] | None:
    # BFCL's function-calling handlers parse each call's JSON arguments; any failure is a
    # decoding error. A decoded answer must be `[{name: {param: value}}, ...]`.
    try:
        decoded = [
            {name: json.loads(args if isinstance(args, str) else json.dumps(args))} for name, args in calls
        ]
    except json.JSONDecodeError:
        return None
    if not all(isinstance(next(iter(d.values())), dict) for d in decoded):
        return None
    return decoded


def official_single_turn(official: Official, entry: Entry, calls: list[Call]) -> bool:
    decoded = _official_decode(calls)
    if entry.category in RELEVANCE:
        # BFCL's relevance runner: a call was made when decoding succeeds and is not empty.
        made_call = decoded is not None and len(decoded) > 0
        return not made_call if "irrelevance" in entry.category else made_call
    if decoded is None:
        return False
    language = official.languages[entry.language]
    result = official.ast_checker(
        entry.functions, decoded, entry.ground_truth, language, entry.category, "agreement-model"
    )
    return bool(result["valid"])


def ours_single_turn(entry: Entry, calls: list[Call]) -> bool:
    model_calls = [ModelCall(name, args) for name, args in calls]
    if entry.category in RELEVANCE:
        return check_relevance_category(entry.category, model_calls).valid
    return check_entry(entry.category, entry.functions, model_calls, entry.ground_truth).valid


def official_multi_turn(official: Official, entry: Entry, turns: MultiTurn) -> bool:
    decoded = [[[to_call_string(n, a) for n, a in step] for step in turn] for turn in turns]
    test_entry = {
        "id": entry.id,
        "initial_config": entry.initial_config,
        "involved_classes": entry.involved_classes,
    }
    # The official checker keeps backend instances in module globals keyed by model name:
    # a fresh name per transcript gives it fresh instances.
    result = official.multi_turn_checker(
        decoded, entry.ground_truth, test_entry, entry.category, f"agree{next(_runs)}"
    )
    return bool(result["valid"])


# Both verdicts must occur this often, or agreement would say little (small categories less).
_MIN_EACH = {"live_parallel": 15, "live_parallel_multiple": 15, "live_relevance": 10, "simple_javascript": 50}


@pytest.mark.parametrize("category", [*AST_CATEGORIES, *RELEVANCE])
def test_single_turn_verdicts_equal_the_official_checker(official: Official, category: Any) -> None:
    verdicts: Counter[tuple[bool, bool]] = Counter()
    disagreements = []
    for entry in load_category(category):  # every entry
        for label, calls in single_turn_outputs(entry):
            ours, theirs = ours_single_turn(entry, calls), official_single_turn(official, entry, calls)
            verdicts[(ours, theirs)] += 1
            if ours != theirs:
                disagreements.append((entry.id, label, ours, theirs))
    total = sum(verdicts.values())
    print(f"{category}: {total - len(disagreements)}/{total} agree; (ours, official): {dict(verdicts)}")
    assert disagreements == []
    least = _MIN_EACH.get(category, 100)
    assert verdicts[(True, True)] >= least and verdicts[(False, False)] >= least


@pytest.mark.parametrize("category", MULTI_TURN)
def test_multi_turn_verdicts_equal_the_official_checker(official: Official, category: Any) -> None:
    entries = load_category(category)  # every entry
    verdicts: Counter[tuple[bool, bool]] = Counter()
    disagreements = []
    for entry in entries:
        for label, turns in multi_turn_outputs(entry, gold_turns(entry)):
            ours, theirs = check_transcript(entry, turns).passed, official_multi_turn(official, entry, turns)
            verdicts[(ours, theirs)] += 1
            if ours != theirs:
                disagreements.append((entry.id, label, ours, theirs))
    total = sum(verdicts.values())
    print(f"{category}: {total - len(disagreements)}/{total} agree; (ours, official): {dict(verdicts)}")
    assert disagreements == []
    assert verdicts[(True, True)] >= 25 and verdicts[(False, False)] >= 100
