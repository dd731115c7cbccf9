"""The BFCL leaderboard section of a run's reports, and BFCL's score CSVs beside them.

Added to `report.md` and `report.html` when the run has BFCL trials; the CSVs go to
`<run>/bfcl/` with BFCL's own file names and columns, one row for the run's model, so that
they can sit beside the public leaderboard's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from evals.bfcl._package import BfclUnavailable
from evals.bfcl.leaderboard import (
    NOT_COMPARABLE,
    Leaderboard,
    category_of,
    csv_tables,
    leaderboard,
    report_rows,
    to_csv,
)
from evals.trace import TrialRecord

CSV_DIR = "bfcl"


def board_of(records: Sequence[TrialRecord]) -> Leaderboard | None:
    """The leaderboard scores of the run, or None when it has no BFCL trials."""
    return leaderboard(records) if any(category_of(r) for r in records) else None


def write_csvs(out: Path, board: Leaderboard, model: str, records: Sequence[TrialRecord]) -> str:
    """Write BFCL's score CSVs into `out/bfcl/`; returns a line for the reports saying where (or why not)."""
    try:
        tables = csv_tables(board, model, records)
    except BfclUnavailable as e:
        return f"The score CSVs were not written: {e}"
    folder = out / CSV_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        (folder / name).write_text(to_csv(table), encoding="utf-8")
    return f"BFCL's score CSVs (one row, this run's model): {CSV_DIR}/{', '.join(sorted(tables))}."


def markdown_section(board: Leaderboard, csv_note: str) -> str:
    """The leaderboard section of `report.md`."""
    groups, categories = report_rows(board)
    lines = ["## BFCL leaderboard scores", "", "| score | value |", "| --- | ---: |"]
    lines += [f"| {label} | {value} |" for label, value in groups]
    lines += ["", "| category | trials | accuracy |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {trials} | {value} |" for name, trials, value in categories]
    lines += ["", csv_note, "", "Not comparable with the public leaderboard:", ""]
    lines += [f"- {note}" for note in NOT_COMPARABLE]
    return "\n".join(lines) + "\n"


def html_section(board: Leaderboard, csv_note: str) -> str:
    """The leaderboard section of `report.html`."""
    groups, categories = report_rows(board)

    def table(rows: Sequence[Sequence[str]], head: Sequence[str]) -> str:
        header = "".join(f"<th>{escape(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"

    notes = "".join(f"<li>{escape(n)}</li>" for n in NOT_COMPARABLE)
    return (
        '<section id="bfcl"><h2>BFCL leaderboard scores</h2>'
        + table(groups, ("score", "value"))
        + table(categories, ("category", "trials", "accuracy"))
        + f"<p>{escape(csv_note)}</p>"
        + f"<p>Not comparable with the public leaderboard:</p><ul>{notes}</ul></section>"
    )


def sections(out: Path, summary: dict[str, Any], records: Sequence[TrialRecord]) -> tuple[str, str]:
    """(Markdown, HTML) leaderboard sections for a run, writing its CSVs; empty without BFCL trials."""
    board = board_of(records)
    if board is None:
        return "", ""
    model = str(summary.get("model") or next((r.model for r in records if r.model), None) or "model")
    note = write_csvs(out, board, model, records)
    return markdown_section(board, note), html_section(board, note)
