"""`python -m evals` / `agents eval`: run, report, compare, list."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.cli import build_parser
from evals.cli import main


def test_oracle_run_report_and_compare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["multistep", "--oracle", "--out", str(a), "--limit", "3", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "100.0%" in out and "report.html" in out
    assert main(["multistep", "--oracle", "--out", str(b), "--tags", "office", "--limit", "2"]) == 0
    assert (a / "report.html").exists() and (a / "summary.json").exists()
    assert main(["report", str(a)]) == 0
    assert main(["compare", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "only in A" in text and "only in B" in text
    assert main(["list"]) == 0
    assert "multistep" in capsys.readouterr().out


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(tmp_path)]) == 1
    assert "takes 2 directories" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 1
    assert main(["multistep", "--oracle", "--out", str(tmp_path), "--tags", "nothing-has-this"]) == 1


def test_registered_in_agents_cli() -> None:
    args = build_parser().parse_args(
        ["eval", "multistep", "--oracle", "-k", "4", "--base-url", "http://a", "--base-url", "http://b"]
    )
    assert args.suite == "multistep" and args.k == 4 and args.base_url == ["http://a", "http://b"]
