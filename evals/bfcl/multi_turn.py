"""BFCL's multi-turn checking, turn by turn, written here with the official semantics.

After each turn whose ground truth is not empty, three things must hold, in this order:

1. the model made at least one (decodable) call in that turn;
2. state: every instance the entry involves has, for every attribute not starting with "_",
   the value that the ground-truth instance has after executing the gold calls of every turn
   so far (on its own fresh instances);
3. execution responses: every result of this turn's gold calls appears among the results of
   all the model's executed calls so far, in any order, each one used at most once.

Turns with an empty ground truth are not checked (the model's calls in them still count for
the state of later turns). The same rules hold for every multi-turn category: in miss_func and
miss_param the turn that cannot be done has an empty ground truth, and long_context entries
run on backends loaded with their long-context padding, the gold execution included.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evals.bfcl.backends import BfclEnvironment, public_state
from evals.bfcl.data import Entry
from evals.bfcl.gold import parse_call


@dataclass(frozen=True)
class GoldTurn:
    """The ground truth of one turn, executed: its calls, their results, the state after it."""

    calls: list[tuple[str, dict[str, Any]]]
    results: list[str]
    state: dict[str, dict[str, Any]]  # class name -> compared attributes (deep copies)


@dataclass(frozen=True)
class TurnVerdict:
    """Whether one turn passed, and why not."""

    passed: bool
    detail: str = ""
    error_type: str = ""


def execute_gold(entry: Entry) -> list[GoldTurn]:
    """Execute the entry's ground truth turn by turn on fresh backend instances."""
    env = BfclEnvironment(entry.involved_classes, entry.initial_config, long_context=entry.long_context)
    turns = []
    for texts in entry.ground_truth:
        calls = [parse_call(text, env.signature) for text in texts]
        results = [env.execute(name, arguments) for name, arguments in calls]
        state = {name: copy.deepcopy(public_state(instance)) for name, instance in env.instances.items()}
        turns.append(GoldTurn(calls, results, state))
    return turns


_GOLD: dict[str, list[GoldTurn]] = {}


def gold_turns(entry: Entry) -> list[GoldTurn]:
    """`execute_gold(entry)`, computed once per entry (the backends are deterministic)."""
    found = _GOLD.get(entry.id)
    if found is None:
        found = _GOLD[entry.id] = execute_gold(entry)
    return found


def state_differences(instances: dict[str, Any], gold_state: dict[str, dict[str, Any]]) -> list[str]:
    """The compared attributes on which the model's instances differ from the gold state."""
    differences = []
    for class_name, expected in gold_state.items():
        instance = instances[class_name]
        for attr, value in expected.items():
            actual = getattr(instance, attr, None)
            if actual != value:
                differences.append(
                    f"{class_name}.{attr}: model has {_short(actual)}, expected {_short(value)}"
                )
    return differences


def missing_results(gold_results: Sequence[str], model_results: Sequence[str]) -> list[str]:
    """The gold results not found among the model's (a multiset: each result used once)."""
    available = Counter(model_results)
    missing = []
    for result in gold_results:
        if available[result] > 0:
            available[result] -= 1
        else:
            missing.append(result)
    return missing


def check_turn(
    entry: Entry, turn: int, env: BfclEnvironment, made_calls: bool, *, gold: list[GoldTurn] | None = None
) -> TurnVerdict:
    """BFCL's verdict on turn `turn`, from the live environment right after that turn.

    `made_calls` says whether the model made at least one decodable call in the turn.
    """
    expected = (gold if gold is not None else gold_turns(entry))[turn]
    if not expected.calls:
        return TurnVerdict(True, "no ground truth for this turn: not checked")
    if not made_calls:
        return TurnVerdict(False, f"turn {turn}: the model made no call", "empty_turn_model_response")
    differences = state_differences(env.instances, expected.state)
    if differences:
        return TurnVerdict(
            False, f"turn {turn}: state differs: " + "; ".join(differences[:5]), "state_mismatch"
        )
    missing = missing_results(expected.results, env.results)
    if missing:
        shown = "; ".join(_short(m) for m in missing[:3])
        return TurnVerdict(
            False, f"turn {turn}: gold results missing from the model's: {shown}", "response_mismatch"
        )
    return TurnVerdict(True)


def check_transcript(
    entry: Entry, turns: Sequence[Sequence[Sequence[tuple[str, dict[str, Any]]]]]
) -> TurnVerdict:
    """The whole-entry verdict on recorded model calls: per turn, per step, the decoded calls.

    Executes them on a fresh environment turn by turn and checks each turn as `check_turn`
    does; the first failing turn decides. For replaying transcripts recorded elsewhere.
    """
    if len(turns) != len(entry.ground_truth):
        return TurnVerdict(
            False, f"{len(turns)} turns recorded, {len(entry.ground_truth)} expected", "force_terminated"
        )
    env = BfclEnvironment(entry.involved_classes, entry.initial_config, long_context=entry.long_context)
    gold = gold_turns(entry)
    for index, steps in enumerate(turns):
        made = False
        for step in steps:
            for name, arguments in step:
                env.execute(name, arguments)
                made = True
        verdict = check_turn(entry, index, env, made, gold=gold)
        if not verdict.passed:
            return verdict
    return TurnVerdict(True)


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
