"""The Berkeley Function Calling Leaderboard (BFCL v4) as eval suites, read from `bfcl-eval`.

Registers `bfcl:simple_python`, `bfcl:multiple`, `bfcl:parallel`, `bfcl:parallel_multiple`,
`bfcl:irrelevance` and `bfcl:multi_turn_base`, and the environment "bfcl" (BFCL's own
multi-turn backend classes). The package is needed only when a suite is loaded:

    pip install --no-deps bfcl-eval==2026.3.23 mpmath
"""

from __future__ import annotations

from functools import partial

from evals.bfcl.backends import BfclEnvironment
from evals.bfcl.data import CATEGORIES, Category, entry_count
from evals.bfcl.suites import ENV_NAME, SUITE_PREFIX, load_suite
from evals.envs import register_env
from evals.suites import register_suite

_WHAT: dict[Category, str] = {
    "simple_python": "one Python function, one call to make",
    "multiple": "several functions, one call to the right one",
    "parallel": "one function, several calls in one response",
    "parallel_multiple": "several functions, several calls in one response",
    "irrelevance": "no function fits the request: make no call",
    "multi_turn_base": "multi-turn conversations against BFCL's stateful backends",
}

register_env(ENV_NAME, BfclEnvironment.from_state)
for _category in CATEGORIES:
    register_suite(
        SUITE_PREFIX + _category,
        partial(load_suite, _category),
        description=f"BFCL v4 {_category}: {_WHAT[_category]}",
        tasks=partial(entry_count, _category),
    )

__all__ = ["BfclEnvironment", "load_suite"]
