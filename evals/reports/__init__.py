"""Reports of a run: Markdown, self-contained HTML, and the comparison of two runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.metrics import summarize
from evals.reports.compare import Comparison, compare
from evals.reports.html import html
from evals.reports.markdown import markdown
from evals.store import RUN, SUMMARY, read_json, read_trials, write_json
from evals.trace import TrialRecord

# Fields of a summary that only the run itself can know (the trials do not hold them).
_RUN_ONLY = (
    "suite",
    "model",
    "oracle",
    "strategy",
    "agent",
    "k",
    "prefix_cache_hit_rate",
    "trials_run_now",
    "wall_s",
)


def write_reports(out: Path, summary: dict[str, Any], records: Sequence[TrialRecord]) -> None:
    """Write `report.md` and `report.html` into `out` (and BFCL's score CSVs for a BFCL run)."""
    from evals.reports.leaderboard import sections  # imports evals.bfcl, which registers suites

    md_section, html_section = sections(out, summary, records)
    (out / "report.md").write_text(markdown(summary, records, md_section), encoding="utf-8")
    (out / "report.html").write_text(html(summary, records, html_section), encoding="utf-8")


def rebuild(out: Path) -> dict[str, Any]:
    """Recompute the summary and the reports of the run in `out` from its trials."""
    records = read_trials(out)
    before = read_json(out / SUMMARY) if (out / SUMMARY).exists() else read_json(out / RUN)
    summary = {**{k: before.get(k) for k in _RUN_ONLY}, **summarize(records)}
    if summary["k"] is None:  # a run that never finished has only run.json
        summary["k"] = before.get("config", {}).get("k")
    write_json(out / SUMMARY, summary)
    write_reports(out, summary, records)
    return summary


__all__ = ["Comparison", "compare", "html", "markdown", "rebuild", "write_reports"]
