"""The BFCL checks as callables for `evals.checks.CustomCheck`: one entry, one verdict.

AST categories score the calls of the turn's first model response only, as BFCL scores the
single response it asks for; later steps (after the stub results) do not count.
"""

from __future__ import annotations

from dataclasses import dataclass

from evals.bfcl.ast_checker import ModelCall, check_entry, check_relevance_category
from evals.bfcl.backends import BfclEnvironment
from evals.bfcl.data import RELEVANCE, Entry
from evals.bfcl.multi_turn import check_turn
from evals.trace import CallRecord, Outcome

FIRST_STEP = 1


def first_response_calls(calls: list[CallRecord]) -> list[ModelCall]:
    """The calls of the turn's first model response, arguments as the model sent them."""
    return [
        ModelCall(c.name, c.arguments if c.arguments is not None else (c.raw_arguments or ""))
        for c in calls
        if c.step == FIRST_STEP
    ]


@dataclass(frozen=True)
class AstCheck:
    """BFCL's AST (or relevance) verdict on one single-turn entry."""

    entry: Entry

    @property
    def __name__(self) -> str:
        return f"bfcl_ast[{self.entry.category}]"

    def __call__(self, outcome: Outcome) -> tuple[bool, str]:
        calls = first_response_calls(outcome.calls)
        if self.entry.category in RELEVANCE:
            result = check_relevance_category(self.entry.category, calls)
        else:
            result = check_entry(self.entry.category, self.entry.functions, calls, self.entry.ground_truth)
        return result.valid, result.error


@dataclass(frozen=True)
class MultiTurnCheck:
    """BFCL's multi-turn verdict on one turn, from the live environment right after it."""

    entry: Entry

    @property
    def __name__(self) -> str:
        return "bfcl_multi_turn"

    def __call__(self, outcome: Outcome) -> tuple[bool, str]:
        env = outcome.env
        if not isinstance(env, BfclEnvironment) or outcome.turn is None:
            return False, "the BFCL multi-turn check needs the trial's BfclEnvironment and a turn index"
        made_calls = any(c.arguments is not None for c in outcome.calls)
        verdict = check_turn(self.entry, outcome.turn, env, made_calls)
        return verdict.passed, verdict.detail
