"""The Berkeley Function Calling Leaderboard (BFCL v4) as eval suites, read from `bfcl-eval`.

Registers one suite per category this adapter runs (`bfcl:simple_python`, ...,
`bfcl:live_relevance`, `bfcl:multi_turn_long_context`), `bfcl:all` (all of them, scored as the
leaderboard scores them), the categories it does not run (listed with the reason), and the
environment "bfcl" (BFCL's own multi-turn backend classes). The package is needed only when a
suite is loaded:

    pip install --no-deps bfcl-eval==2026.3.23 mpmath
"""

from __future__ import annotations

from functools import partial

from evals.bfcl.backends import BfclEnvironment
from evals.bfcl.data import CATEGORIES, UNAVAILABLE, Category, entry_count
from evals.bfcl.suites import ALL, ENV_NAME, SUITE_PREFIX, load_all, load_suite, total_count, unavailable
from evals.envs import register_env
from evals.suites import register_suite

_WHAT: dict[Category, str] = {
    "simple_python": "one Python function, one call to make",
    "simple_java": "one Java function, one call with Java-syntax string arguments",
    "simple_javascript": "one JavaScript function, one call with JavaScript-syntax string arguments",
    "multiple": "several functions, one call to the right one",
    "parallel": "one function, several calls in one response",
    "parallel_multiple": "several functions, several calls in one response",
    "irrelevance": "no function fits the request: make no call",
    "live_simple": "user-contributed: one function, one call",
    "live_multiple": "user-contributed: several functions, one call to the right one",
    "live_parallel": "user-contributed: several calls in one response",
    "live_parallel_multiple": "user-contributed: several functions, several calls",
    "live_irrelevance": "user-contributed: no function fits: make no call",
    "live_relevance": "user-contributed: some function fits: make at least one call",
    "multi_turn_base": "multi-turn conversations against BFCL's stateful backends",
    "multi_turn_miss_func": "multi-turn; a needed function is withheld until a later turn",
    "multi_turn_miss_param": "multi-turn; a turn lacks a needed parameter (ask, do not guess)",
    "multi_turn_long_context": "multi-turn against backends padded with long, distracting state",
}

register_env(ENV_NAME, BfclEnvironment.from_state)
for _category in CATEGORIES:
    register_suite(
        SUITE_PREFIX + _category,
        partial(load_suite, _category),
        description=f"BFCL v4 {_category}: {_WHAT[_category]}",
        tasks=partial(entry_count, _category),
    )
register_suite(
    SUITE_PREFIX + ALL,
    load_all,
    description="BFCL v4: every category that runs offline, scored as the leaderboard scores them",
    tasks=total_count,
)
for _name in UNAVAILABLE:
    register_suite(
        SUITE_PREFIX + _name,
        partial(unavailable, _name),
        description=f"BFCL v4 {_name}",
        tasks=partial(unavailable, _name),
    )

__all__ = ["BfclEnvironment", "load_suite"]
