"""Metrics of a run: success with a task-clustered interval, pass@k and pass^k, steps, validity, tokens.

Only scored trials count: a trial lost to an infrastructure error (`TrialRecord.infra_error`)
says nothing about the model, so it stays out of every rate and mean, and is reported apart.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from evals.trace import TrialRecord


def wilson_interval(successes: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (95% for z=1.96); (0, 1) for n=0.

    `n` may be an effective sample size (not a whole number), as `clustered_interval` uses it.
    """
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def clustered_interval(passes: Sequence[tuple[int, int]], z: float = 1.96) -> tuple[float, float]:
    """95% interval of the success rate when trials come in clusters: (passed, trials) per task.

    The k trials of one task are not independent (a task the model cannot do fails all k
    times), so a Wilson interval over all trials is too narrow: k trials of one task carry
    between one and k trials' worth of information. The interval used here is Wilson's with
    an effective sample size (Kish's design effect): the variance of the success rate is
    estimated with the cluster-robust (sandwich) estimator over tasks, and
    `n_eff = p(1 - p) / variance` is the number of independent trials that would give the same
    variance. `n_eff` is kept between the number of tasks (all k trials of a task agree) and
    the number of trials (they are independent); with one trial a task this is Wilson's own.

    Why this, rather than a normal (Wald) interval on the sandwich variance or a cluster
    bootstrap: both collapse to a zero-width interval when every trial passes (or fails),
    which is common for small suites; Wilson's stays honest at 0% and 100%, and needs no
    random resampling, so the same trials always give the same interval.
    """
    clusters = [(c, m) for c, m in passes if m > 0]
    tasks, n = len(clusters), sum(m for _, m in clusters)
    if n == 0:
        return (0.0, 1.0)
    p = sum(c for c, _ in clusters) / n
    if 0 < p < 1 and tasks > 1:
        # Sandwich variance of the ratio estimator sum(c) / sum(m), with the usual G/(G-1).
        spread = sum((c - p * m) ** 2 for c, m in clusters)
        variance = tasks / (tasks - 1) * spread / (n * n)
        n_eff = p * (1 - p) / variance if variance > 0 else float(n)
    else:
        n_eff = float(tasks)  # no spread to measure: assume the trials of a task agree
    n_eff = min(float(n), max(float(tasks), n_eff))
    return wilson_interval(p * n_eff, n_eff, z)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of P(at least one of k trials passes), from c passes in n trials.

    1 - C(n-c, k) / C(n, k) (Chen et al., 2021); needs k <= n.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n; got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of P(all of k trials pass), from c passes in n trials: C(c, k) / C(n, k).

    The reliability measure of τ-bench (pass^k): it falls as k grows unless a task always passes.
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass^k needs 0 <= c <= n and 1 <= k <= n; got n={n}, c={c}, k={k}")
    return math.comb(c, k) / math.comb(n, k)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between closest ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def by_task(records: Sequence[TrialRecord]) -> dict[str, list[TrialRecord]]:
    grouped: dict[str, list[TrialRecord]] = defaultdict(list)
    for r in records:
        grouped[r.task_id].append(r)
    for trials in grouped.values():
        trials.sort(key=lambda r: r.trial)
    return dict(grouped)


def _total(values: Sequence[int | None]) -> int | None:
    """The sum of the values that are known; None when none is (no model reported tokens)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def summarize(records: Sequence[TrialRecord]) -> dict[str, Any]:
    """All the run's metrics as a JSON-ready dict (see the keys for what is measured).

    Trials with an infrastructure error are left out of every figure but `infra_errors` and
    `infra_error_types`. pass@k and pass^k are averaged over tasks, for each k up to the
    fewest scored trials any task has.
    """
    lost = [r for r in records if r.infra_error]
    records = [r for r in records if not r.infra_error]
    n = len(records)
    passed = sum(r.passed for r in records)
    tasks = by_task(records)
    low, high = clustered_interval([(sum(r.passed for r in t), len(t)) for t in tasks.values()])
    k_max = min((len(t) for t in tasks.values()), default=0)
    pass_k: dict[str, float] = {}
    pass_hat: dict[str, float] = {}
    for k in range(1, k_max + 1):
        pass_k[str(k)] = (
            _mean([pass_at_k(len(t), sum(r.passed for r in t), k) for t in tasks.values()]) or 0.0
        )
        pass_hat[str(k)] = (
            _mean([pass_hat_k(len(t), sum(r.passed for r in t), k) for t in tasks.values()]) or 0.0
        )
    calls = sum(r.tool_calls for r in records)
    latencies = [r.latency_s for r in records]
    request_latencies = [x for r in records for x in r.request_latencies]
    tags: dict[str, dict[str, Any]] = {}
    for tag in sorted({t for r in records for t in r.tags}):
        tagged = [r for r in records if tag in r.tags]
        ok = sum(r.passed for r in tagged)
        tags[tag] = {"trials": len(tagged), "passed": ok, "success_rate": ok / len(tagged)}
    errors: dict[str, int] = defaultdict(int)
    for r in records:
        if r.error_type:
            errors[r.error_type] += 1
    lost_types: dict[str, int] = defaultdict(int)
    for r in lost:
        lost_types[r.error_type or "unknown"] += 1
    input_tokens = [r.input_tokens for r in records if r.input_tokens is not None]
    output_tokens = [r.output_tokens for r in records if r.output_tokens is not None]
    return {
        "trials": n,
        "tasks": len(tasks),
        "passed": passed,
        "success_rate": passed / n if n else None,
        "success_ci95": [low, high],
        "pass_at_k": pass_k,
        "pass_hat_k": pass_hat,
        "tasks_always_passed": sum(all(r.passed for r in t) for t in tasks.values()),
        "tasks_never_passed": sum(not any(r.passed for r in t) for t in tasks.values()),
        "model_requests": sum(r.steps for r in records),
        "steps_mean": _mean([r.steps for r in records]),
        "tool_calls": calls,
        "tool_calls_mean": calls / n if n else None,
        "tool_call_validity": sum(r.valid_calls for r in records) / calls if calls else None,
        "retries": sum(r.retries for r in records),
        "input_tokens": _total(input_tokens),
        "output_tokens": _total(output_tokens),
        "input_tokens_mean": _mean(input_tokens),
        "output_tokens_mean": _mean(output_tokens),
        "latency_mean_s": _mean(latencies),
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "request_latency_p50_s": percentile(request_latencies, 50),
        "request_latency_p95_s": percentile(request_latencies, 95),
        "errors": dict(errors),
        "infra_errors": len(lost),
        "infra_error_types": dict(lost_types),
        "by_tag": tags,
    }
