"""While an eval runs the collector runs less often and skips what existed before; after, it is as it was."""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.models.base import ModelRequest
from agents.testing import FunctionModel
from evals._gc import EVAL_GEN0_THRESHOLD, eval_gc
from evals.runner import EvalConfig, run_eval
from evals.tasks import Suite, Task


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)  # the tests set their own starting thresholds
    assert gc.get_freeze_count() == 0


async def seen_during(config: EvalConfig, **kwargs: bool) -> list[tuple[tuple[int, int, int], int]]:
    """Run a one-task eval; the collector's threshold and frozen count as each request saw them."""
    seen: list[tuple[tuple[int, int, int], int]] = []

    def respond(request: ModelRequest) -> str:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return "done"

    suite = Suite(name="gc", tasks=[Task.single(id="t", prompt="Say done.")])
    await run_eval(suite, config, models=[FunctionModel(respond)], progress=io.StringIO(), **kwargs)
    return seen


async def test_an_eval_raises_the_threshold_and_freezes_the_old_heap_then_restores_both(
    tmp_path: Path,
) -> None:
    gc.set_threshold(700, 10, 10)
    seen = await seen_during(EvalConfig(out=tmp_path))
    assert seen == [((EVAL_GEN0_THRESHOLD, 10, 10), seen[0][1])] and seen[0][1] > 1000
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0


async def test_tune_gc_false_leaves_the_collector_alone(tmp_path: Path) -> None:
    gc.set_threshold(700, 10, 10)
    seen = await seen_during(EvalConfig(out=tmp_path), tune_gc=False)
    assert seen == [((700, 10, 10), 0)]


def test_nested_evals_restore_when_the_last_ends_and_a_higher_threshold_is_kept() -> None:
    gc.set_threshold(50_000, 5, 5)  # an application's own tuning, higher than ours: kept
    with eval_gc():
        with eval_gc():
            assert gc.get_threshold() == (50_000, 5, 5) and gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0  # the outer eval still runs
    assert gc.get_threshold() == (50_000, 5, 5) and gc.get_freeze_count() == 0


def test_an_error_inside_still_restores() -> None:
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), eval_gc():
        raise RuntimeError("trial crashed")
    assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() == 0
