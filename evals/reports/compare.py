"""What changed between two runs, task by task, and in the headline metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import by_task
from evals.reports.markdown import first_failure, fmt
from evals.store import SUMMARY, read_json, read_trials
from evals.trace import TrialRecord

_HEADLINE = (
    ("success_rate", "%"),
    ("steps_mean", ""),
    ("tool_call_validity", "%"),
    ("retries", ""),
    ("input_tokens", ""),
    ("output_tokens", ""),
    ("latency_p50_s", "s"),
    ("latency_p95_s", "s"),
    ("prefix_cache_hit_rate", "%"),
)


@dataclass
class TaskChange:
    task: str
    a: float | None  # success rate in A (None: not in A)
    b: float | None
    detail: str = ""


@dataclass
class Comparison:
    """Headline metrics of A and B, and the tasks whose success rate changed."""

    a: str
    b: str
    metrics: list[tuple[str, Any, Any, str]] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    same: int = 0

    def markdown(self) -> str:
        lines = [f"# Compare {self.a} (A) → {self.b} (B)", "", "| metric | A | B |", "| --- | ---: | ---: |"]
        lines += [f"| {name} | {fmt(x, kind)} | {fmt(y, kind)} |" for name, x, y, kind in self.metrics]
        lines += ["", f"{len(self.changed)} tasks changed, {self.same} unchanged.", ""]
        if self.changed:
            lines += ["| task | A | B | change | B's first failure |", "| --- | ---: | ---: | --- | --- |"]
            for c in self.changed:
                if c.a is None or c.b is None:
                    what = "only in B" if c.a is None else "only in A"
                else:
                    what = (
                        "fixed"
                        if c.b == 1 and c.a < 1
                        else "broken"
                        if c.a == 1 and c.b < 1
                        else "better"
                        if c.b > c.a
                        else "worse"
                    )
                lines.append(f"| {c.task} | {fmt(c.a, '%')} | {fmt(c.b, '%')} | {what} | {c.detail} |")
        return "\n".join(lines) + "\n"


def _rate(trials: list[TrialRecord]) -> float:
    return sum(r.passed for r in trials) / len(trials)


def compare(a: Path, b: Path) -> Comparison:
    """Compare the runs in directories `a` and `b` (each with trials.jsonl and summary.json)."""
    sa, sb = read_json(a / SUMMARY), read_json(b / SUMMARY)
    ta, tb = by_task(read_trials(a)), by_task(read_trials(b))
    result = Comparison(str(a), str(b))
    result.metrics = [(name, sa.get(name), sb.get(name), kind) for name, kind in _HEADLINE]
    for task in sorted(set(ta) | set(tb)):
        ra = _rate(ta[task]) if task in ta else None
        rb = _rate(tb[task]) if task in tb else None
        if ra == rb:
            result.same += 1
            continue
        failed = [r for r in tb.get(task, []) if not r.passed]
        result.changed.append(
            TaskChange(task, ra, rb, first_failure(failed[0]).replace("|", "/") if failed else "")
        )
    return result
