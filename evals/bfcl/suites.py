"""BFCL categories as eval suites: `bfcl:simple_python`, ..., `bfcl:multi_turn_base`.

Single-turn entries become one-turn tasks whose functions are raw declarations (answered by
the runner's stub) and whose check is BFCL's AST verdict on the first response. Multi-turn
entries run in a `BfclEnvironment` (env name "bfcl") and are checked after every turn.
"""

from __future__ import annotations

from typing import Any

from evals.bfcl.checks import AstCheck, MultiTurnCheck
from evals.bfcl.data import CATEGORIES, Entry, load_category
from evals.bfcl.gold import ast_gold_calls
from evals.bfcl.multi_turn import gold_turns
from evals.bfcl.schema import to_tools
from evals.checks import CustomCheck
from evals.tasks import EnvSpec, GoldCall, Suite, Task, Turn
from tools.errors import ConfigError

ENV_NAME = "bfcl"
SUITE_PREFIX = "bfcl:"
# BFCL asks once per single-turn entry and scores that response: single_response tasks.
SINGLE_TURN_MAX_STEPS = 1
# BFCL stops a turn after 20 steps with calls (its MAXIMUM_STEP_LIMIT): the 21st request may
# still answer in text; one that calls again fails the entry, as the limit fails our trial.
MULTI_TURN_MAX_STEPS = 21


def _declarations(entry: Entry) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in to_tools(entry.functions)
    ]


def single_turn_task(entry: Entry) -> Task:
    """The task of one entry of an AST category or irrelevance."""
    gold = [] if entry.ground_truth is None else ast_gold_calls(entry.functions, entry.ground_truth)
    turn = Turn(
        user=entry.turns[0],
        checks=[CustomCheck(fn=AstCheck(entry), description=f"BFCL {entry.category} AST check")],
        gold=[GoldCall(name=name, arguments=arguments) for name, arguments in gold],
        gold_parallel=True,
    )
    return Task(
        id=entry.id,
        turns=[turn],
        tools=_declarations(entry),
        max_steps=SINGLE_TURN_MAX_STEPS,
        single_response=True,
        tags=["bfcl", entry.category],
        metadata={"bfcl_id": entry.id, "category": entry.category},
    )


def multi_turn_task(entry: Entry) -> Task:
    """The task of one multi-turn entry: BFCL's backends as the environment, a check per turn."""
    check = CustomCheck(fn=MultiTurnCheck(entry), description="BFCL multi-turn state and response check")
    turns = [
        Turn(
            user=text,
            checks=[check],
            gold=[GoldCall(name=name, arguments=arguments) for name, arguments in gold.calls],
            gold_parallel=True,
        )
        for text, gold in zip(entry.turns, gold_turns(entry), strict=True)
    ]
    return Task(
        id=entry.id,
        turns=turns,
        env=EnvSpec(
            name=ENV_NAME,
            state={"involved_classes": entry.involved_classes, "initial_config": entry.initial_config},
        ),
        max_steps=MULTI_TURN_MAX_STEPS,
        tags=["bfcl", entry.category, *entry.involved_classes],
        metadata={"bfcl_id": entry.id, "category": entry.category},
    )


def load_suite(category: str) -> Suite:
    """The suite of one BFCL category, read from the installed `bfcl-eval` package."""
    known = next((c for c in CATEGORIES if c == category), None)
    if known is None:
        supported = ", ".join(SUITE_PREFIX + c for c in CATEGORIES)
        raise ConfigError(f"Unknown BFCL category {category!r}. Supported: {supported}.")
    entries = load_category(known)
    make = multi_turn_task if known == "multi_turn_base" else single_turn_task
    return Suite(
        name=SUITE_PREFIX + known,
        tasks=[make(e) for e in entries],
        description=f"BFCL v4 {known} ({len(entries)} entries), from the installed bfcl-eval package",
    )
