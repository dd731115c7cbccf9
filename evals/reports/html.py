"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from evals.metrics import by_task
from evals.reports.markdown import first_failure, fmt, headline, mean_cell, passed_cell, task_rows
from evals.reports.svg import bar_chart, histogram
from evals.trace import CallRecord, TrialRecord

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}.pass{color:#1a7f37}.fail{color:#c62828}
details{margin:2px 0}summary{cursor:pointer}
pre{background:#f7f7f7;padding:6px;white-space:pre-wrap;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:2em}
"""


def _table(rows: Sequence[Sequence[str]], head: Sequence[str]) -> str:
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _args(call: CallRecord) -> str:
    return json.dumps(call.arguments) if call.arguments is not None else str(call.raw_arguments)


def _passed(row: dict[str, Any]) -> str:
    ok = row["passed"] == row["trials"] and not row["infra"]
    return f'<span class="{"pass" if ok else "fail"}">{escape(passed_cell(row))}</span>'


def _mean_tokens(trials: Sequence[TrialRecord], which: str) -> float:
    known = [getattr(r, which) for r in trials if getattr(r, which) is not None]
    return sum(known) / len(known) if known else 0.0


def _trial(record: TrialRecord) -> str:
    mark = '<span class="pass">pass</span>' if record.passed else '<span class="fail">fail</span>'
    verdicts = "".join(
        f'<li class="{"pass" if v.passed else "fail"}">{escape(v.check)}'
        f"{escape(' — ' + v.detail) if v.detail else ''}</li>"
        for v in record.verdicts
    )
    turns = []
    for i, turn in enumerate(record.turns):
        calls = "".join(
            f"<li>{escape(c.name)}({escape(_args(c))}) → {escape(c.status)}: {escape(c.result[:300])}</li>"
            for c in turn.calls
        )
        messages = escape(json.dumps(turn.messages, indent=1, ensure_ascii=False)[:20000])
        turns.append(
            f"<p><b>turn {i + 1}</b>: {escape(turn.user)}</p><ul>{calls}</ul>"
            f"<p>answer: {escape(str(turn.output))}</p>"
            f"{'<p class=fail>' + escape(turn.error) + '</p>' if turn.error else ''}"
            f"<details><summary>messages</summary><pre>{messages}</pre></details>"
        )
    return (
        f"<details><summary>trial {record.trial} (seed {record.seed}): {mark}, {record.steps} steps, "
        f"{record.latency_s:.2f} s {escape(first_failure(record))}</summary>"
        f"<ul>{verdicts}</ul>{''.join(turns)}</details>"
    )


def html(summary: dict[str, Any], records: Sequence[TrialRecord], section: str = "") -> str:
    """The run's self-contained HTML report; `section` (HTML) goes right after the headline table."""
    title = f"Eval report: {summary.get('suite')}"
    parts = [f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>']
    parts.append(f"<style>{_CSS}</style></head><body><h1>{escape(title)}</h1>")
    parts.append(_table([(escape(k), escape(v)) for k, v in headline(summary)], ("metric", "value")))
    parts.append(section)

    tags = summary.get("by_tag", {})
    rows = task_rows(records)
    charts = []
    if tags:
        charts.append(
            "<div><h3>Success by tag</h3>"
            + bar_chart(
                list(tags), [t["success_rate"] for t in tags.values()], maximum=1.0, title="success by tag"
            )
            + "</div>"
        )
    charts.append(
        "<div><h3>Trial latency</h3>"
        + histogram([r.latency_s for r in records], title="trial latency (s)")
        + "</div>"
    )
    per_task = by_task(records)
    names = sorted(per_task)
    charts.append(
        "<div><h3>Tokens per trial (mean)</h3>"
        + bar_chart(
            names,
            [_mean_tokens(per_task[n], "input_tokens") for n in names],
            second=[_mean_tokens(per_task[n], "output_tokens") for n in names],
            fmt="{:.0f}",
            title="tokens per trial",
            legend=("prompt", "completion"),
        )
        + "</div>"
    )
    parts.append(f'<div class="charts">{"".join(charts)}</div>')

    parts.append("<h2>Tasks</h2>")
    parts.append(
        _table(
            [
                (
                    escape(r["task"]),
                    escape(", ".join(r["tags"])),
                    _passed(r),
                    mean_cell(r["steps"]),
                    mean_cell(r["tokens"], 0),
                    escape(r["failure"]),
                )
                for r in rows
            ],
            ("task", "tags", "passed", "steps", "tokens", "first failure"),
        )
    )
    parts.append("<h2>Trials</h2>")
    for name in names:
        trials = per_task[name]
        ok = sum(r.passed for r in trials)
        parts.append(
            f"<details><summary><b>{escape(name)}</b> {ok}/{len(trials)} "
            f"({fmt(ok / len(trials), '%')})</summary>{''.join(_trial(r) for r in trials)}</details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
