"""BFCL categories as eval suites: `bfcl:simple_python`, ..., `bfcl:multi_turn_long_context`, `bfcl:all`.

Single-turn entries become one-turn tasks whose functions are raw declarations (answered by
the runner's stub) and whose check is BFCL's AST (or relevance) verdict on the first
response. Multi-turn entries run in a `BfclEnvironment` (env name "bfcl") and are checked
after every turn. An entry's system prompt becomes the task's instructions.
"""

from __future__ import annotations

from typing import Any

from evals.bfcl.checks import AstCheck, MultiTurnCheck
from evals.bfcl.data import CATEGORIES, MULTI_TURN, RELEVANCE, UNAVAILABLE, Entry, entry_count, load_category
from evals.bfcl.gold import ast_gold_calls
from evals.bfcl.multi_turn import gold_turns
from evals.bfcl.schema import to_tools
from evals.checks import CustomCheck
from evals.tasks import EnvSpec, GoldCall, Suite, Task, Turn
from tools.errors import ConfigError

ENV_NAME = "bfcl"
SUITE_PREFIX = "bfcl:"
ALL = "all"
# BFCL asks once per single-turn entry and scores that response: single_response tasks.
SINGLE_TURN_MAX_STEPS = 1
# BFCL stops a turn after 20 steps with calls (its MAXIMUM_STEP_LIMIT): the 21st request may
# still answer in text; one that calls again fails the entry, as the limit fails our trial.
MULTI_TURN_MAX_STEPS = 21
_PLACEHOLDERS: dict[str, Any] = {
    "string": "x",
    "integer": 1,
    "number": 1.0,
    "boolean": True,
    "array": [],
    "object": {},
}


def _declarations(entry: Entry) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in to_tools(entry.functions, language=entry.language)
    ]


def _relevance_gold(entry: Entry, declarations: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    # live_relevance has no gold answer: any decodable call passes. The oracle calls the first
    # function with a placeholder of the declared type for each required parameter.
    if entry.category != "live_relevance" or not declarations:
        return []
    function = declarations[0]["function"]
    properties = function["parameters"].get("properties", {})
    arguments = {
        name: _PLACEHOLDERS.get(properties.get(name, {}).get("type", "string"), "x")
        for name in function["parameters"].get("required", [])
    }
    return [(function["name"], arguments)]


def single_turn_task(entry: Entry) -> Task:
    """The task of one entry of an AST or relevance category."""
    declarations = _declarations(entry)
    if entry.category in RELEVANCE:
        gold = _relevance_gold(entry, declarations)
    else:
        gold = ast_gold_calls(entry.functions, entry.ground_truth, entry.language)
    turn = Turn(
        user=entry.turns[0],
        checks=[CustomCheck(fn=AstCheck(entry), description=f"BFCL {entry.category} check")],
        gold=[GoldCall(name=name, arguments=arguments) for name, arguments in gold],
        gold_parallel=True,
    )
    return Task(
        id=entry.id,
        turns=[turn],
        tools=declarations,
        instructions=entry.system,
        history=[{"role": role, "content": content} for role, content in entry.history],
        max_steps=SINGLE_TURN_MAX_STEPS,
        single_response=True,
        tags=["bfcl", entry.category],
        metadata={"bfcl_id": entry.id, "category": entry.category},
    )


def env_state(entry: Entry) -> dict[str, Any]:
    """The environment state of a multi-turn entry's task (see `BfclEnvironment.from_state`)."""
    return {
        "involved_classes": entry.involved_classes,
        "initial_config": entry.initial_config,
        "long_context": entry.long_context,
        "missed_functions": {str(t): [f["name"] for f in docs] for t, docs in entry.missed_functions.items()},
    }


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
        env=EnvSpec(name=ENV_NAME, state=env_state(entry)),
        instructions=entry.system,
        max_steps=MULTI_TURN_MAX_STEPS,
        tags=["bfcl", entry.category, *entry.involved_classes],
        metadata={"bfcl_id": entry.id, "category": entry.category},
    )


def tasks_of(category: str) -> list[Task]:
    """The tasks of one category, one per entry, in the package's order."""
    make = multi_turn_task if category in MULTI_TURN else single_turn_task
    return [make(e) for e in load_category(_known(category))]


def _known(category: str) -> Any:
    if category not in CATEGORIES:
        why = UNAVAILABLE.get(category)
        if why:
            raise ConfigError(f"BFCL {category} does not run here: {why}.")
        supported = ", ".join(SUITE_PREFIX + c for c in (*CATEGORIES, ALL))
        raise ConfigError(f"Unknown BFCL category {category!r}. Supported: {supported}.")
    return category


def load_suite(category: str) -> Suite:
    """The suite of one BFCL category (or "all"), read from the installed `bfcl-eval` package."""
    if category == ALL:
        return load_all()
    tasks = tasks_of(category)
    return Suite(
        name=SUITE_PREFIX + category,
        tasks=tasks,
        description=f"BFCL v4 {category} ({len(tasks)} entries), from the installed bfcl-eval package",
    )


def load_all() -> Suite:
    """Every category this adapter runs, as one suite (tasks keep their category in metadata)."""
    tasks = [task for category in CATEGORIES for task in tasks_of(category)]
    return Suite(
        name=SUITE_PREFIX + ALL,
        tasks=tasks,
        description=(
            f"BFCL v4, every category that runs offline ({len(CATEGORIES)} categories, {len(tasks)} "
            "entries), from the installed bfcl-eval package"
        ),
    )


def total_count() -> int:
    """How many tasks `bfcl:all` has, counted from the data files without building them."""
    return sum(entry_count(c) for c in CATEGORIES)


def unavailable(category: str) -> Any:
    """Raise the reason a BFCL category is not run (its suite's loader and task count)."""
    raise ConfigError(f"BFCL {category} does not run here: {UNAVAILABLE[category]}.")
