"""Our leaderboard scores and CSVs equal BFCL's own aggregation of the same per-category results."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from evals.bfcl.data import CATEGORIES, LIVE, MULTI_TURN, NON_LIVE
from evals.bfcl.leaderboard import csv_tables, leaderboard, to_csv
from evals.reports import rebuild
from evals.store import TrialWriter, write_json
from evals.trace import TrialRecord

from ._official import load_official_scoring

# Latency is measured differently (BFCL: per request; here: per trial), cost not at all.
_LATENCY_COLUMNS = ("Latency Mean (s)", "Latency Standard Deviation (s)", "Latency 95th Percentile (s)")


def records_for(results: dict[str, tuple[int, int]]) -> list[TrialRecord]:
    """Trials with `passed` of `total` passing per category."""
    records = []
    for category, (passed, total) in results.items():
        for index in range(total):
            records.append(
                TrialRecord(
                    task_id=f"{category}_{index}",
                    trial=0,
                    tags=["bfcl", category],
                    passed=index < passed,
                    latency_s=1.0 + index % 7,
                )
            )
    return records


def save(out: Path, records: list[TrialRecord]) -> None:
    writer = TrialWriter(out)
    for record in records:
        writer.write(record)
    writer.close()


def official_csvs(results: dict[str, tuple[int, int]], tmp_path: Path) -> dict[str, list[list[str]]]:
    table = {"model": {c: {"accuracy": p / t, "total_count": t} for c, (p, t) in results.items()}}
    load_official_scoring()(table, tmp_path)
    found = {}
    for path in tmp_path.glob("data_*.csv"):
        found[path.name] = [line.split(",") for line in path.read_text().splitlines()]
    return found


SCENARIOS: dict[str, list[str]] = {
    "everything": list(CATEGORIES),
    "non_live_only": list(NON_LIVE),
    "live_and_multi_turn": [*LIVE, *MULTI_TURN],
    "one_live_category_missing": [c for c in CATEGORIES if c != "live_parallel"],
    "a_few": ["simple_python", "irrelevance", "multi_turn_base"],
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_our_csvs_equal_the_official_aggregation(scenario: str, tmp_path: Path) -> None:
    rng = random.Random(scenario)
    results = {}
    for category in SCENARIOS[scenario]:
        total = rng.randint(5, 60)
        results[category] = (rng.randint(0, total), total)
    ours = csv_tables(leaderboard(records_for(results)), "model", records_for(results))
    theirs = official_csvs(results, tmp_path)
    for name, (header, row) in ours.items():
        official_header, official_row = theirs[name]
        assert header == official_header
        skip = {header.index(c) for c in _LATENCY_COLUMNS if c in header}
        assert [v for i, v in enumerate(row) if i not in skip] == [
            v for i, v in enumerate(official_row) if i not in skip
        ], name


def test_the_overall_score_weights_the_groups_as_the_leaderboard_does() -> None:
    results = {c: (10, 10) for c in CATEGORIES}  # everything that runs, all passed
    board = leaderboard(records_for(results))
    assert board.get("non_live").accuracy == board.get("live").accuracy == 1.0
    assert board.get("multi_turn").accuracy == board.get("irrelevance_total").accuracy == 1.0
    assert board.get("agentic").accuracy == 0.0 and board.get("agentic").display == "0.00%"
    assert board.get("overall").accuracy == pytest.approx(0.6)  # 40% agentic counted as 0
    assert board.get("overall_without_agentic").accuracy == pytest.approx(1.0)
    assert board.get("memory").display == "N/A"


def test_infrastructure_failures_are_left_out_of_the_counts() -> None:
    records = records_for({"simple_python": (3, 4)})
    records.append(records[-1].model_copy(update={"task_id": "x", "infra_error": True}))
    assert leaderboard(records).categories["simple_python"].total == 4


def test_a_bfcl_run_report_has_the_scores_the_notes_and_the_csvs(tmp_path: Path) -> None:
    results = {"simple_python": (3, 4), "live_simple": (1, 2), "multi_turn_base": (2, 2)}
    save(tmp_path, records_for(results))
    write_json(tmp_path / "run.json", {"suite": "bfcl:all", "model": "gemma-4-e4b", "config": {"k": 1}})
    rebuild(tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "## BFCL leaderboard scores" in report and "| simple_python | 4 | 75.00% |" in report
    assert "at most 60%" in report and "web_search_base" in report
    page = (tmp_path / "report.html").read_text()
    assert '<section id="bfcl">' in page
    overall = (tmp_path / "bfcl" / "data_overall.csv").read_text().splitlines()
    assert overall[0].startswith("Rank,Overall Acc,Model") and ",gemma-4-e4b," in overall[1]
    assert to_csv([["a", "b"], ["1", "2"]]) == "a,b\n1,2"


def test_a_run_of_another_suite_has_no_bfcl_section(tmp_path: Path) -> None:
    save(tmp_path, [TrialRecord(task_id="t", trial=0, tags=["demo"], passed=True)])
    write_json(tmp_path / "run.json", {"suite": "demo", "model": "m", "config": {"k": 1}})
    rebuild(tmp_path)
    assert "BFCL" not in (tmp_path / "report.md").read_text() and not (tmp_path / "bfcl").exists()
