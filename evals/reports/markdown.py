"""The Markdown report: headline metrics, success by tag, and one row a task."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evals.metrics import by_task
from evals.trace import TrialRecord


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
        (
            "tasks × trials",
            f"{summary.get('tasks')} tasks, {summary.get('trials')} trials (k={summary.get('k')})",
        ),
        (
            "success rate",
            f"{fmt(summary.get('success_rate'), '%')} (95% CI {fmt(low, '%')}–{fmt(high, '%')})",
        ),
    ]
    for k, value in summary.get("pass_at_k", {}).items():
        rows.append((f"pass@{k} / pass^{k}", f"{fmt(value, '%')} / {fmt(summary['pass_hat_k'][k], '%')}"))
    p50, p95 = summary.get("request_latency_p50_s"), summary.get("request_latency_p95_s")
    rows += [
        ("steps per trial (mean)", fmt(summary.get("steps_mean"))),
        (
            "tool calls (validity)",
            f"{summary.get('tool_calls')} ({fmt(summary.get('tool_call_validity'), '%')})",
        ),
        ("retries", fmt(summary.get("retries"))),
        ("prompt / completion tokens", f"{summary.get('input_tokens')} / {summary.get('output_tokens')}"),
        (
            "trial latency p50 / p95",
            f"{fmt(summary.get('latency_p50_s'), 's')} / {fmt(summary.get('latency_p95_s'), 's')}",
        ),
        (
            "request latency p50 / p95",
            f"{fmt(p50, 's')} / {fmt(p95, 's')}",
        ),
        ("prefix-cache hit rate", fmt(summary.get("prefix_cache_hit_rate"), "%")),
        ("errors", ", ".join(f"{k}: {v}" for k, v in summary.get("errors", {}).items()) or "none"),
    ]
    return rows


def first_failure(record: TrialRecord) -> str:
    """Why a trial failed, in one line: its error, or its first failed check."""
    if record.error:
        return record.error.splitlines()[0][:160]
    for v in record.verdicts:
        if not v.passed:
            return f"{v.check}: {v.detail}"[:160]
    return ""


def task_rows(records: Sequence[TrialRecord]) -> list[dict[str, Any]]:
    """Per task: passes out of trials, mean steps and tokens, and a failure reason."""
    rows = []
    for task_id, trials in sorted(by_task(records).items()):
        failed = [r for r in trials if not r.passed]
        rows.append(
            {
                "task": task_id,
                "tags": trials[0].tags,
                "passed": sum(r.passed for r in trials),
                "trials": len(trials),
                "steps": sum(r.steps for r in trials) / len(trials),
                "tokens": sum(r.input_tokens + r.output_tokens for r in trials) / len(trials),
                "failure": first_failure(failed[0]) if failed else "",
            }
        )
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(summary: dict[str, Any], records: Sequence[TrialRecord]) -> str:
    lines = [f"# Eval report: {summary.get('suite')}", "", "| metric | value |", "| --- | --- |"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in headline(summary)]
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
            f"| {_cell(row['task'])} | {row['passed']}/{row['trials']} | {row['steps']:.1f} | "
            f"{row['tokens']:.0f} | {_cell(row['failure'])} |"
        )
    return "\n".join(lines) + "\n"
