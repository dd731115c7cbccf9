"""Metrics against known values and brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import pytest

from evals.metrics import clustered_interval, pass_at_k, pass_hat_k, percentile, summarize, wilson_interval
from evals.prometheus import CacheCounters, hit_rate, metrics_url, parse_counters
from evals.trace import CallRecord, TrialRecord, TurnRecord


def test_pass_at_k_known_values() -> None:
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)  # 1 - C(3,2)/C(5,2) = 1 - 3/10
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 1, 1) == pytest.approx(0.1)
    assert pass_at_k(4, 2, 3) == 1.0  # any 3 of 4 include a pass


def test_pass_hat_k_known_values() -> None:
    assert pass_hat_k(5, 2, 2) == pytest.approx(0.1)  # C(2,2)/C(5,2)
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(4, 3, 4) == 0.0
    assert pass_hat_k(8, 4, 1) == pytest.approx(0.5)


@pytest.mark.parametrize(("n", "c"), [(6, 0), (6, 2), (6, 5), (5, 5)])
def test_estimators_equal_subset_enumeration(n: int, c: int) -> None:
    outcomes = [True] * c + [False] * (n - c)
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(outcomes, k))
        assert pass_at_k(n, c, k) == pytest.approx(sum(any(s) for s in subsets) / len(subsets))
        assert pass_hat_k(n, c, k) == pytest.approx(sum(all(s) for s in subsets) / len(subsets))


def test_estimators_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="k <= n"):
        pass_at_k(3, 1, 4)
    with pytest.raises(ValueError, match="c <= n"):
        pass_hat_k(3, 4, 1)


def test_wilson_interval() -> None:
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(0.1611, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(50, 100)
    assert math.isclose(low + high, 1.0)


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)


def record(task: str, trial: int, passed: bool, **extra: object) -> TrialRecord:
    return TrialRecord(task_id=task, trial=trial, passed=passed, **extra)  # type: ignore[arg-type]


def test_summarize() -> None:
    calls = [CallRecord(name="f", status="ok"), CallRecord(name="f", status="retry")]
    records = [
        record(
            "a",
            0,
            True,
            tags=["x"],
            steps=2,
            tool_calls=2,
            valid_calls=1,
            retries=1,
            latency_s=1.0,
            input_tokens=100,
            output_tokens=10,
            turns=[TurnRecord(user="u", calls=calls)],
        ),
        record("a", 1, False, tags=["x"], steps=4, latency_s=3.0, error="boom", error_type="ModelHTTPError"),
        record("b", 0, True, tags=["y"], steps=3, latency_s=2.0),
        record("b", 1, True, tags=["y"], steps=3, latency_s=2.0),
    ]
    s = summarize(records)
    assert (s["trials"], s["tasks"], s["passed"]) == (4, 2, 3)
    assert s["success_rate"] == 0.75
    assert s["pass_at_k"]["1"] == pytest.approx(0.75) and s["pass_at_k"]["2"] == 1.0
    assert s["pass_hat_k"]["2"] == pytest.approx(0.5)
    assert s["tool_call_validity"] == 0.5 and s["retries"] == 1
    assert s["steps_mean"] == 3.0 and s["latency_p50_s"] == 2.0
    assert s["by_tag"]["x"]["success_rate"] == 0.5 and s["by_tag"]["y"]["passed"] == 2
    assert s["errors"] == {"ModelHTTPError": 1}
    assert s["tasks_always_passed"] == 1 and s["tasks_never_passed"] == 0


METRICS = """\
# HELP vllm:prefix_cache_queries_total Prefix cache queries.
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{engine="0",model_name="tiny"} 1000.0
vllm:prefix_cache_queries_total{engine="1",model_name="tiny"} 500.0
vllm:prefix_cache_hits_total{engine="0",model_name="tiny"} 600.0 1712345678
vllm:prefix_cache_hits_created{engine="0",model_name="tiny"} 1.7e+09
vllm:num_requests_running 3.0
"""


def test_parse_prometheus_counters() -> None:
    got = parse_counters(METRICS, ["vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total"])
    assert got == {"vllm:prefix_cache_queries_total": 1500.0, "vllm:prefix_cache_hits_total": 600.0}
    assert parse_counters(METRICS, ["vllm:num_requests_running"]) == {"vllm:num_requests_running": 3.0}


def test_hit_rate_over_endpoints() -> None:
    before = [CacheCounters(10, 100), None, CacheCounters(0, 0)]
    after = [CacheCounters(70, 200), CacheCounters(5, 5), CacheCounters(20, 100)]
    assert hit_rate(before, after) == pytest.approx(80 / 200)
    assert hit_rate([None], [None]) is None
    assert metrics_url("http://127.0.0.1:8011/v1") == "http://127.0.0.1:8011/metrics"


def test_clustered_interval_counts_tasks_not_trials() -> None:
    # 5 tasks, 10 trials each; 3 always pass, 2 always fail: 50 trials but 5 independent facts.
    passes = [(10, 10)] * 3 + [(0, 10)] * 2
    assert clustered_interval(passes) == pytest.approx(wilson_interval(3, 5))
    naive = wilson_interval(30, 50)
    low, high = clustered_interval(passes)
    assert high - low > 2 * (naive[1] - naive[0])


def test_clustered_interval_with_one_trial_a_task_is_wilson() -> None:
    assert clustered_interval([(1, 1)] * 8 + [(0, 1)] * 2) == pytest.approx(wilson_interval(8, 10))
    assert clustered_interval([(1, 1)] * 4) == pytest.approx(wilson_interval(4, 4))


def test_clustered_interval_between_the_extremes() -> None:
    # Trials that disagree within every task look independent: no wider than Wilson on trials.
    mixed = [(2, 4)] * 6
    assert clustered_interval(mixed) == pytest.approx(wilson_interval(12, 24))
    # Partly clustered: between Wilson over tasks and Wilson over trials.
    partly = [(4, 4), (3, 4), (1, 4), (0, 4), (4, 4), (0, 4)]
    width = clustered_interval(partly)[1] - clustered_interval(partly)[0]
    over_trials = wilson_interval(12, 24)
    over_tasks = wilson_interval(3, 6)
    assert over_trials[1] - over_trials[0] < width < over_tasks[1] - over_tasks[0]
    assert clustered_interval([]) == (0.0, 1.0)


def test_summarize_uses_the_clustered_interval() -> None:
    records = [record(t, i, t in "abc") for t in "abcde" for i in range(10)]
    assert summarize(records)["success_ci95"] == pytest.approx(list(wilson_interval(3, 5)))


def test_infra_errors_are_outside_the_denominators() -> None:
    records = [
        record("a", 0, True, input_tokens=10, output_tokens=2),
        record("a", 1, False, infra_error=True, error_type="ModelUnreachable"),
        record("b", 0, False, error_type="ContextLengthExceeded"),
        record("b", 1, False, infra_error=True, error_type="ModelHTTPError"),
    ]
    s = summarize(records)
    assert (s["trials"], s["passed"], s["success_rate"]) == (2, 1, 0.5)
    assert s["pass_at_k"] == {"1": 0.5} and s["tasks_never_passed"] == 1
    assert s["errors"] == {"ContextLengthExceeded": 1}
    assert s["infra_errors"] == 2 and s["infra_error_types"] == {"ModelUnreachable": 1, "ModelHTTPError": 1}
    # Token counts: of the trials that reported them; None when none did.
    assert s["input_tokens"] == 10 and summarize([record("a", 0, True)])["input_tokens"] is None
