"""`python -m evals` / `agents eval`: run, report, compare, list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.cli import build_parser
from evals.cli import main
from evals.suites import load_suite


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


def test_config_error_in_a_trial_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = tmp_path / "bad_env.json"
    suite.write_text(json.dumps([{"id": "t", "prompt": "hi", "env": {"name": "no-such-env"}}]))
    assert main([str(suite), "--oracle", "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown environment 'no-such-env'") and err.count("\n") == 1
    assert "Traceback" not in err and "ExceptionGroup" not in err


def test_list_says_what_each_suite_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["suite", "tasks", "description"]
    row = next(line for line in lines if line.startswith("multistep "))
    assert row.split()[1] == str(len(load_suite("multistep").tasks)) and "multi-step" in row


def test_compare_over_different_task_sets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["multistep", "--oracle", "--out", str(a), "--tags", "shop", "--limit", "3"]) == 0
    assert main(["multistep", "--oracle", "--out", str(b), "--tags", "shop", "--limit", "5"]) == 0
    # B fails one common task (a check's detail longer than any table cell) and one of its own.
    records = [json.loads(line) for line in (b / "trials.jsonl").read_text().splitlines()]
    common = {json.loads(line)["task_id"] for line in (a / "trials.jsonl").read_text().splitlines()}
    detail = "found " + "x" * 300 + " END"
    failing = [next(r for r in records if r["task_id"] in common)]
    failing.append(next(r for r in records if r["task_id"] not in common))
    for r in failing:
        r["passed"] = False
        r["verdicts"][0] = {**r["verdicts"][0], "passed": False, "detail": detail}
    (b / "trials.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    capsys.readouterr()
    assert main(["compare", str(a), str(b)]) == 0
    text = capsys.readouterr().out
    assert "Warning: the runs cover different tasks: 2 only in B" in text
    assert "compare only the 3 tasks both ran" in text
    assert "| success_rate | 100.0% | 66.7% |" in text  # over the 3 common tasks, not B's 5
    assert "1 of 3 common tasks changed, 2 unchanged." in text
    assert detail in text  # the full reason, after the table
    assert f"### {failing[0]['task_id']}: broken" in text and f"### {failing[1]['task_id']}" not in text
