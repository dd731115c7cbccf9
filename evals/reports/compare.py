"""What changed between two runs, task by task, and in the headline metrics.

Two runs over different task sets are compared over the tasks both ran, with a warning that
names the others: a total over different tasks says nothing about the model. Every changed
task lists why its failing trials failed, in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import by_task, summarize
from evals.reports.markdown import first_failure, fmt
from evals.store import SUMMARY, read_json, read_trials
from evals.trace import TrialRecord

_HEADLINE = (
    ("strategy", ""),
    ("success_rate", "%"),
    ("model_requests", ""),
    ("steps_mean", ""),
    ("tool_call_validity", "%"),
    ("retries", ""),
    ("input_tokens", ""),
    ("output_tokens", ""),
    ("latency_mean_s", "s"),
    ("latency_p50_s", "s"),
    ("latency_p95_s", "s"),
    ("prefix_cache_hit_rate", "%"),
    ("wall_s", "s"),
)
_RUN_DEFAULTS = {"strategy": "react"}  # a summary written before the field existed
_SHOWN = 8  # task names listed in the warning, per side
_SHORT = 80  # characters of the first failure in the table (the full reasons follow it)


@dataclass
class TaskChange:
    """A task whose success rate differs between A and B, with the failures of each side."""

    task: str
    a: float
    b: float
    failures_a: list[str] = field(default_factory=list)
    failures_b: list[str] = field(default_factory=list)

    @property
    def what(self) -> str:
        if self.b == 1 and self.a < 1:
            return "fixed"
        if self.a == 1 and self.b < 1:
            return "broken"
        return "better" if self.b > self.a else "worse"


@dataclass(frozen=True)
class TaskRow:
    """One common task side by side: success rate, model requests and tool calls per trial."""

    task: str
    a: float
    b: float
    steps_a: float
    steps_b: float
    calls_a: float
    calls_b: float


@dataclass
class Comparison:
    """Headline metrics of A and B over their common tasks, and the tasks whose success rate changed.

    `labels` say what ran on each side (model, agent framework); `tasks` holds every common
    task side by side, shown when `markdown(all_tasks=True)`.
    """

    a: str
    b: str
    metrics: list[tuple[str, Any, Any, str]] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    same: int = 0
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    labels: tuple[str, str] = ("", "")
    tasks: list[TaskRow] = field(default_factory=list)

    @property
    def common(self) -> int:
        return len(self.changed) + self.same

    def warning(self) -> str | None:
        """Why the totals are not of the same tasks, or None when both runs ran the same ones."""
        if not self.only_a and not self.only_b:
            return None
        sides = []
        for label, names in (("A", self.only_a), ("B", self.only_b)):
            if names:
                shown = ", ".join(names[:_SHOWN]) + (", ..." if len(names) > _SHOWN else "")
                sides.append(f"{len(names)} only in {label} ({shown})")
        return (
            f"Warning: the runs cover different tasks: {'; '.join(sides)}. The metrics compare only "
            f"the {self.common} tasks both ran (the prefix-cache hit rate and the wall time are of the "
            "whole runs)."
        )

    def markdown(self, *, all_tasks: bool = False) -> str:
        lines = [f"# Compare {self.a} (A) → {self.b} (B)", ""]
        if any(self.labels):
            lines += [f"- A: {self.labels[0]}", f"- B: {self.labels[1]}", ""]
        warning = self.warning()
        if warning:
            lines += [f"> {warning}", ""]
        lines += ["| metric | A | B |", "| --- | ---: | ---: |"]
        lines += [f"| {name} | {fmt(x, kind)} | {fmt(y, kind)} |" for name, x, y, kind in self.metrics]
        lines += [
            "",
            f"{len(self.changed)} of {self.common} common tasks changed, {self.same} unchanged.",
            "",
        ]
        if all_tasks:
            lines += self._all_tasks()
        if not self.changed:
            return "\n".join(lines) + "\n"
        lines += [
            "| task | A | B | change | first failure (see below) |",
            "| --- | ---: | ---: | --- | --- |",
        ]
        for c in self.changed:
            failures = c.failures_b or c.failures_a
            reason = _cell(failures[0].partition(": ")[2]) if failures else ""  # without "trial N: "
            reason = reason if len(reason) <= _SHORT else reason[: _SHORT - 1] + "…"
            lines.append(f"| {c.task} | {fmt(c.a, '%')} | {fmt(c.b, '%')} | {c.what} | {reason} |")
        lines += ["", "## Why the changed tasks failed", ""]
        for c in self.changed:
            lines.append(f"### {c.task}: {c.what} ({fmt(c.a, '%')} → {fmt(c.b, '%')})")
            lines.append("")
            for label, failures in (("A", c.failures_a), ("B", c.failures_b)):
                lines += [f"- {label} {failure}" for failure in failures]
            lines.append("")
        return "\n".join(lines)

    def _all_tasks(self) -> list[str]:
        lines = [
            "## Every common task",
            "",
            "| task | A | B | A steps | B steps | A calls | B calls |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for t in self.tasks:
            lines.append(
                f"| {_cell(t.task)} | {fmt(t.a, '%')} | {fmt(t.b, '%')} | {t.steps_a:.1f} | {t.steps_b:.1f} "
                f"| {t.calls_a:.1f} | {t.calls_b:.1f} |"
            )
        return [*lines, ""]


def _label(summary: dict[str, Any]) -> str:
    model = "oracle" if summary.get("oracle") else summary.get("model") or "unknown model"
    return f"model {model}, agent {summary.get('agent') or 'built-in'}"


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def failures(trials: Sequence[TrialRecord]) -> list[str]:
    """Why each failed trial failed, in full: its error, or each failed check with its detail."""
    found = []
    for r in trials:
        if r.passed:
            continue
        if r.error:
            reasons = [r.error]
        else:
            reasons = [f"{v.check}: {v.detail}" if v.detail else v.check for v in r.verdicts if not v.passed]
        found.append(f"trial {r.trial}: " + "; ".join(reasons or [first_failure(r)]))
    return found


def _rate(trials: list[TrialRecord]) -> float:
    return sum(r.passed for r in trials) / len(trials)


def compare(a: Path, b: Path) -> Comparison:
    """Compare the runs in directories `a` and `b` (each with trials.jsonl and summary.json).

    Trials lost to the infrastructure are left out, as in the summaries.
    """
    sa, sb = read_json(a / SUMMARY), read_json(b / SUMMARY)
    ra = [r for r in read_trials(a) if not r.infra_error]
    rb = [r for r in read_trials(b) if not r.infra_error]
    ta, tb = by_task(ra), by_task(rb)
    result = Comparison(str(a), str(b), labels=(_label(sa), _label(sb)))
    result.only_a, result.only_b = sorted(set(ta) - set(tb)), sorted(set(tb) - set(ta))
    if result.only_a or result.only_b:
        common = set(ta) & set(tb)
        ma = {**sa, **summarize([r for r in ra if r.task_id in common])}
        mb = {**sb, **summarize([r for r in rb if r.task_id in common])}
    else:
        ma, mb = sa, sb
    result.metrics = [
        (name, ma.get(name, _RUN_DEFAULTS.get(name)), mb.get(name, _RUN_DEFAULTS.get(name)), kind)
        for name, kind in _HEADLINE
    ]
    for task in sorted(set(ta) & set(tb)):
        rate_a, rate_b = _rate(ta[task]), _rate(tb[task])
        result.tasks.append(
            TaskRow(
                task,
                rate_a,
                rate_b,
                _mean([r.steps for r in ta[task]]),
                _mean([r.steps for r in tb[task]]),
                _mean([r.tool_calls for r in ta[task]]),
                _mean([r.tool_calls for r in tb[task]]),
            )
        )
        if rate_a == rate_b:
            result.same += 1
            continue
        result.changed.append(TaskChange(task, rate_a, rate_b, failures(ta[task]), failures(tb[task])))
    return result
