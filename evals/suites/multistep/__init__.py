"""Our multi-step suite: 42 tasks over three stateful environments (files, office, shop).

Each task needs 2 to 8 calls, is scored by deterministic checks on the final environment
state (and the answer, where the task asks a question), and carries gold calls for the oracle.
"""

from __future__ import annotations

from evals.suites import register_suite
from evals.suites.multistep import files, office, shop
from evals.tasks import Suite

INSTRUCTIONS = (
    "You are an assistant that carries out the user's request by calling the tools you are given. "
    "Call the tools you need, one step at a time, using the exact values the tools return. "
    "Do not ask the user questions. When the request is done, answer in one or two short sentences."
)


def suite() -> Suite:
    """The `multistep` suite (built afresh on each call)."""
    return Suite(
        name="multistep",
        description=__doc__ or "",
        instructions=INSTRUCTIONS,
        tasks=[*files.TASKS, *office.TASKS, *shop.TASKS],
    )


register_suite(
    "multistep",
    suite,
    description=__doc__ or "",
    tasks=len(files.TASKS) + len(office.TASKS) + len(shop.TASKS),
)
