"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched).

It stays readable at thousands of tasks: tasks in natural order (`t_2` before `t_10`), tokens
as a distribution once there are too many tasks for a bar each, a "failed only" filter (a
checkbox and a CSS rule), each failure linked to its task's trials, and, past `FULL_TRACES`
tasks, messages only for the failed trials.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from evals.metrics import by_task
from evals.reports.markdown import (
    first_failure,
    fmt,
    headline,
    mean_cell,
    natural_key,
    passed_cell,
    task_rows,
)
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
#failed-only:checked~table.tasks tr.ok{display:none}
details:has(>div:target)>summary{background:#fff3cd}
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


def _trial(record: TrialRecord, *, messages: bool = True) -> str:
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
        shown = ""
        if messages:
            dumped = escape(json.dumps(turn.messages, indent=1, ensure_ascii=False)[:20000])
            shown = f"<details><summary>messages</summary><pre>{dumped}</pre></details>"
        turns.append(
            f"<p><b>turn {i + 1}</b>: {escape(turn.user)}</p><ul>{calls}</ul>"
            f"<p>answer: {escape(str(turn.output))}</p>"
            f"{'<p class=fail>' + escape(turn.error) + '</p>' if turn.error else ''}{shown}"
        )
    return (
        f"<details><summary>trial {record.trial} (seed {record.seed}): {mark}, {record.steps} steps, "
        f"{record.latency_s:.2f} s {escape(first_failure(record))}</summary>"
        f"<ul>{verdicts}</ul>{''.join(turns)}</details>"
    )


# Up to this many tasks, tokens are drawn per task; beyond, as a distribution over trials.
PER_TASK_BARS = 40
# Up to this many tags get a bar each; beyond, the ones with the most trials.
TAG_BARS = 40
# Beyond this many tasks, only failed trials carry their messages (trials.jsonl has them all).
FULL_TRACES = 200


def _anchor(index: int) -> str:
    # Task ids may hold any character; the page's anchors are their positions.
    return f"task-{index}"


def _tag_chart(tags: dict[str, Any]) -> str:
    shown = sorted(tags, key=lambda t: -tags[t]["trials"])[:TAG_BARS]
    shown.sort(key=natural_key)
    note = f" ({len(shown)} of {len(tags)} tags, the most tried)" if len(tags) > len(shown) else ""
    return (
        f"<div><h3>Success by tag{escape(note)}</h3>"
        + bar_chart(shown, [tags[t]["success_rate"] for t in shown], maximum=1.0, title="success by tag")
        + "</div>"
    )


def _tokens_chart(names: Sequence[str], per_task: dict[str, list[TrialRecord]]) -> str:
    if len(names) <= PER_TASK_BARS:
        return (
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
    totals = sorted(
        (r.input_tokens or 0) + (r.output_tokens or 0)
        for trials in per_task.values()
        for r in trials
        if r.input_tokens is not None or r.output_tokens is not None
    )
    spread = ""
    if totals:
        p50, p90 = totals[len(totals) // 2], totals[min(len(totals) - 1, int(0.9 * len(totals)))]
        spread = f"<p>median {p50}, p90 {p90}, max {totals[-1]} tokens over {len(totals)} trials</p>"
    return (
        "<div><h3>Tokens per trial (prompt + completion)</h3>"
        + histogram([float(t) for t in totals], title="tokens per trial", unit="", digits=0)
        + spread
        + "</div>"
    )


def _task_table(rows: Sequence[dict[str, Any]], anchors: dict[str, str]) -> str:
    # The "failed only" filter is a checkbox and a CSS rule: the page stays script-free.
    body = []
    for r in rows:
        ok = r["passed"] == r["trials"] and not r["infra"]
        failure = escape(r["failure"])
        if r["failure"]:
            failure = f'<a href="#{anchors[r["task"]]}">{failure}</a>'
        cells = (
            escape(r["task"]),
            escape(", ".join(r["tags"])),
            _passed(r),
            mean_cell(r["steps"]),
            mean_cell(r["tokens"], 0),
            failure,
        )
        body.append(
            f'<tr class="{"ok" if ok else "bad"}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("task", "tags", "passed", "steps", "tokens", "first failure"))
    failed = sum(1 for r in rows if not (r["passed"] == r["trials"] and not r["infra"]))
    return (
        f'<input type="checkbox" id="failed-only"><label for="failed-only"> show only the {failed} tasks '
        f"that did not pass every trial</label>"
        f'<table class="tasks"><tr>{head}</tr>{"".join(body)}</table>'
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
    per_task = by_task(records)
    names = sorted(per_task, key=natural_key)
    anchors = {name: _anchor(i) for i, name in enumerate(names)}
    charts = [_tag_chart(tags)] if tags else []
    charts.append(
        "<div><h3>Trial latency</h3>"
        + histogram([r.latency_s for r in records], title="trial latency (s)")
        + "</div>"
    )
    charts.append(_tokens_chart(names, per_task))
    parts.append(f'<div class="charts">{"".join(charts)}</div>')

    parts.append(f"<h2>Tasks ({len(rows)})</h2>")
    parts.append(_task_table(rows, anchors))
    parts.append("<h2>Trials</h2>")
    full = len(names) <= FULL_TRACES
    if not full:
        parts.append(
            f"<p>{len(names)} tasks: the messages of passed trials are left out here (see trials.jsonl).</p>"
        )
    for name in names:
        trials = per_task[name]
        ok = sum(r.passed for r in trials)
        parts.append(
            f"<details><summary><b>{escape(name)}</b> {ok}/{len(trials)} "
            f"({fmt(ok / len(trials), '%')})</summary>"
            # The anchor sits inside: following a link to it opens the closed <details>.
            f'<div id="{anchors[name]}"></div>'
            f"{''.join(_trial(r, messages=full or not r.passed) for r in trials)}</details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
