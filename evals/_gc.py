"""The garbage collector while an eval runs: less often, and blind to what was alive before it.

Hundreds of trials in flight keep a large heap of live objects, and every request leaves
reference cycles behind (httpx's responses and their streams hold each other), so the
collector runs often and its full collections walk the whole heap. At 1,024 trials in flight
that cost more CPU per step than the agent loop itself (benchmarks/RESULTS.md, "The eval
runner"). While an eval runs, the youngest generation is collected after 10,000 net
allocations instead of 700, and what existed before the eval (modules, the suite, the
tools) is frozen out of every collection. Both are undone when the last eval in the process
ends; cycles are still collected, only in larger batches.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Net allocations before the youngest generation is collected, while an eval runs.
EVAL_GEN0_THRESHOLD = 10_000

_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def eval_gc() -> Iterator[None]:
    """Tune the collector for the evals running in this process; restore it after the last one."""
    global _active, _saved
    if _active == 0:
        _saved = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(max(EVAL_GEN0_THRESHOLD, _saved[0]), _saved[1], _saved[2])
    _active += 1
    try:
        yield
    finally:
        _active -= 1
        if _active == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            gc.unfreeze()
            _saved = None
