"""Reports: Markdown, self-contained HTML, rebuilding from trials, and comparing two runs."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from agents.models.base import ModelRequest
from agents.testing import FunctionModel
from evals.reports import compare, rebuild
from evals.runner import EvalConfig, run_eval
from evals.store import SUMMARY
from evals.suites import load_suite


async def _runs(tmp_path: Path) -> tuple[Path, Path]:
    suite = load_suite("multistep").select(tags=["shop"], limit=4)
    good, bad = tmp_path / "oracle", tmp_path / "silent"
    await run_eval(suite, EvalConfig(out=good, oracle=True, k=2), progress=io.StringIO())

    def silent(request: ModelRequest) -> str:
        return "No <script>alert(1)</script> today."

    await run_eval(
        suite,
        EvalConfig(out=bad, k=2, model_name="m"),
        model_factory=lambda t, i: FunctionModel(silent, name="m"),
        progress=io.StringIO(),
    )
    return good, bad


async def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    good, bad = await _runs(tmp_path)
    for run in (good, bad):
        page = (run / "report.html").read_text()
        assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
        assert "<script" not in page and "<link" not in page
    assert "&lt;script&gt;" in (bad / "report.html").read_text()


async def test_markdown_and_summary(tmp_path: Path) -> None:
    good, bad = await _runs(tmp_path)
    md = (good / "report.md").read_text()
    assert "| success rate | 100.0%" in md and "shop-order-dana" in md and "| pass@2 / pass^2 |" in md
    summary = json.loads((bad / SUMMARY).read_text())
    assert summary["success_rate"] == 0.0 and summary["trials"] == 8
    # Each task row names its first failed check and what was found instead.
    assert "| shop-refund-kettle | 0/2 |" in (bad / "report.md").read_text()
    assert "status == 'refunded': found 'shipped'" in (bad / "report.md").read_text()


async def test_rebuild_keeps_run_fields(tmp_path: Path) -> None:
    good, _ = await _runs(tmp_path)
    (good / "report.html").unlink()
    summary = rebuild(good)
    assert summary["suite"] == "multistep" and summary["k"] == 2 and summary["success_rate"] == 1.0
    assert (good / "report.html").exists()


async def test_compare_lists_changed_tasks(tmp_path: Path) -> None:
    good, bad = await _runs(tmp_path)
    result = compare(good, bad)
    assert len(result.changed) == 4 and result.same == 0
    assert all(c.a == 1.0 and c.b == 0.0 for c in result.changed)
    text = result.markdown()
    assert "broken" in text and "| success_rate | 100.0% | 0.0% |" in text
    assert compare(good, good).changed == []
    assert "fixed" in compare(bad, good).markdown()
