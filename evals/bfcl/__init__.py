"""The Berkeley Function Calling Leaderboard (BFCL v4) as eval suites, read from `bfcl-eval`.

Registers `bfcl:simple_python`, `bfcl:multiple`, `bfcl:parallel`, `bfcl:parallel_multiple`,
`bfcl:irrelevance` and `bfcl:multi_turn_base`, and the environment "bfcl" (BFCL's own
multi-turn backend classes). The package is needed only when a suite is loaded:

    pip install --no-deps bfcl-eval==2026.3.23 mpmath
"""

from __future__ import annotations

from functools import partial

from evals.bfcl.backends import BfclEnvironment
from evals.bfcl.data import CATEGORIES
from evals.bfcl.suites import ENV_NAME, SUITE_PREFIX, load_suite
from evals.envs import register_env
from evals.suites import register_suite

register_env(ENV_NAME, BfclEnvironment.from_state)
for _category in CATEGORIES:
    register_suite(SUITE_PREFIX + _category, partial(load_suite, _category))

__all__ = ["BfclEnvironment", "load_suite"]
