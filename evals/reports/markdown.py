"""The Markdown report: headline metrics, success by tag, and one row a task."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from evals.metrics import by_task
from evals.trace import TrialRecord


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders the numbers inside names by value: `t_2` before `t_10`."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def fmt(value: Any, kind: str = "") -> str:
    """A metric for a table: percentages, seconds, plain numbers; '-' when unknown."""
    if value is None:
        return "-"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "s":
        return f"{value:.2f} s"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(metric, value) rows shared by the Markdown and HTML reports."""
    low, high = summary.get("success_ci95", [None, None])
    rows = [
        ("suite", str(summary.get("suite"))),
        ("model", "oracle (gold replay)" if summary.get("oracle") else str(summary.get("model"))),
        ("strategy", str(summary.get("strategy") or "react")),
        (
            "tasks × trials",
            f"{summary.get('tasks')} tasks, {summary.get('trials')} scored trials (k={summary.get('k')})",
        ),
        (
            "success rate",
            f"{fmt(summary.get('success_rate'), '%')} "
            f"(95% CI {fmt(low, '%')}–{fmt(high, '%')}, clustered by task)",
        ),
    ]
    for k, value in summary.get("pass_at_k", {}).items():
        rows.append((f"pass@{k} / pass^{k}", f"{fmt(value, '%')} / {fmt(summary['pass_hat_k'][k], '%')}"))
    p50, p95 = summary.get("request_latency_p50_s"), summary.get("request_latency_p95_s")
    rows += [
        (
            "model requests, total (mean per trial)",
            f"{fmt(summary.get('model_requests'))} ({fmt(summary.get('steps_mean'))})",
        ),
        (
            "tool calls (validity)",
            f"{summary.get('tool_calls')} ({fmt(summary.get('tool_call_validity'), '%')})",
        ),
        ("retries", fmt(summary.get("retries"))),
        (
            "prompt / completion tokens",
            f"{fmt(summary.get('input_tokens'))} / {fmt(summary.get('output_tokens'))}",
        ),
        (
            "trial latency mean / p50 / p95",
            f"{fmt(summary.get('latency_mean_s'), 's')} / {fmt(summary.get('latency_p50_s'), 's')} / "
            f"{fmt(summary.get('latency_p95_s'), 's')}",
        ),
        (
            "request latency p50 / p95",
            f"{fmt(p50, 's')} / {fmt(p95, 's')}",
        ),
        ("prefix-cache hit rate", fmt(summary.get("prefix_cache_hit_rate"), "%")),
        ("errors", ", ".join(f"{k}: {v}" for k, v in summary.get("errors", {}).items()) or "none"),
        ("infrastructure errors (not scored)", _infra(summary)),
    ]
    return rows


def _infra(summary: dict[str, Any]) -> str:
    lost = summary.get("infra_errors") or 0
    if not lost:
        return "none"
    kinds = ", ".join(f"{k}: {v}" for k, v in summary.get("infra_error_types", {}).items())
    return f"{lost} trials ({kinds}); re-run into the same directory to retry them"


def first_failure(record: TrialRecord) -> str:
    """Why a trial failed, in one line: its error, or its first failed check."""
    if record.error:
        return record.error.splitlines()[0][:160]
    for v in record.verdicts:
        if not v.passed:
            return f"{v.check}: {v.detail}"[:160]
    return ""


def task_rows(records: Sequence[TrialRecord]) -> list[dict[str, Any]]:
    """Per task: passes out of scored trials, trials lost to the infrastructure, mean steps and
    tokens (None when the model reported none), and a failure reason."""
    rows = []
    for task_id, every in sorted(by_task(records).items(), key=lambda item: natural_key(item[0])):
        trials = [r for r in every if not r.infra_error]
        failed = [r for r in trials if not r.passed] or [r for r in every if r.infra_error]
        tokens = [
            (r.input_tokens or 0) + (r.output_tokens or 0)
            for r in trials
            if r.input_tokens is not None or r.output_tokens is not None
        ]
        rows.append(
            {
                "task": task_id,
                "tags": every[0].tags,
                "passed": sum(r.passed for r in trials),
                "trials": len(trials),
                "infra": len(every) - len(trials),
                "steps": sum(r.steps for r in trials) / len(trials) if trials else None,
                "tokens": sum(tokens) / len(tokens) if tokens else None,
                "failure": first_failure(failed[0]) if failed else "",
            }
        )
    return rows


def passed_cell(row: dict[str, Any]) -> str:
    """ "3/4", with the trials lost to the infrastructure when there are some."""
    return f"{row['passed']}/{row['trials']}" + (f" (+{row['infra']} not scored)" if row["infra"] else "")


def mean_cell(value: float | None, digits: int = 1) -> str:
    """A per-task mean for a table cell; '-' when unknown."""
    return "-" if value is None else f"{value:.{digits}f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(summary: dict[str, Any], records: Sequence[TrialRecord], section: str = "") -> str:
    """The run's Markdown report; `section` (Markdown) goes right after the headline table."""
    lines = [f"# Eval report: {summary.get('suite')}", "", "| metric | value |", "| --- | --- |"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in headline(summary)]
    if section:
        lines += ["", section.rstrip("\n")]
    if summary.get("by_tag"):
        lines += [
            "",
            "## Success by tag",
            "",
            "| tag | trials | passed | success |",
            "| --- | ---: | ---: | ---: |",
        ]
        for tag, t in summary["by_tag"].items():
            lines.append(f"| {_cell(tag)} | {t['trials']} | {t['passed']} | {fmt(t['success_rate'], '%')} |")
    lines += [
        "",
        "## Tasks",
        "",
        "| task | passed | steps | tokens | first failure |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for row in task_rows(records):
        lines.append(
            f"| {_cell(row['task'])} | {passed_cell(row)} | {mean_cell(row['steps'])} | "
            f"{mean_cell(row['tokens'], 0)} | {_cell(row['failure'])} |"
        )
    return "\n".join(lines) + "\n"
