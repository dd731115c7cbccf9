"""benchmarks/planner.py --real: its figures from the plan samples (the server part runs in
tests/integration/test_plan_vllm.py)."""

from __future__ import annotations

import pytest

from benchmarks._planner_real import PlanSample, print_real, summary


def _sample(index: int, valid: bool, dispatch: list[float], sound: bool = True) -> PlanSample:
    return PlanSample(
        index=index,
        task="t",
        valid=valid,
        sound=valid and sound,
        steps=len(dispatch),
        completion_tokens=10,
        finish_reason="stop" if valid else "length",
        plan_s=1.0,
        dispatch_s=dispatch,
        problem=None if valid else "PlanError: cut",
    )


def test_summary_counts_valid_plans_and_dispatch_before_the_stream_end() -> None:
    samples = [
        _sample(0, True, [-0.4, -0.1, 0.2]),
        _sample(1, True, [-0.3], sound=False),
        _sample(2, False, []),
        _sample(3, True, [0.1, 0.3]),
    ]
    figures = summary(samples)
    assert figures["requests"] == 4
    assert figures["valid"] == 0.75 and figures["sound"] == 0.5
    assert figures["steps_started"] == 6
    assert figures["started_before_end"] == pytest.approx(3 / 6)
    assert figures["dispatch_median_s"] == pytest.approx(0.0)  # of -0.4 -0.3 -0.1 0.1 0.2 0.3
    assert figures["first_dispatch_median_s"] == pytest.approx(-0.3)  # of -0.4 -0.3 0.1


def test_summary_of_nothing_has_no_figures(capsys: pytest.CaptureFixture[str]) -> None:
    figures = summary([])
    assert figures["valid"] is None and figures["dispatch_median_s"] is None
    print_real("m", [_sample(0, False, [])], None)
    out = capsys.readouterr().out
    assert "plans valid under the constraint     0% of 1" in out and "PlanError: cut" in out
