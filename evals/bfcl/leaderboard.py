"""BFCL's leaderboard scoring of a run: per-category accuracy, group scores, the overall score, its CSVs.

The aggregation is the one in the package's `eval_runner_helper.generate_leaderboard_csv`
(bfcl-eval 2026.3.23):

- Non-live: "simple" is the plain mean of simple_python, simple_java and simple_javascript;
  the non-live score is the plain mean of simple, multiple, parallel and parallel_multiple.
- Live: the four live AST categories weighted by their entry counts.
- Multi-turn: the plain mean of base, miss_func, miss_param and long_context.
- Agentic: the plain mean of web search (mean of base and no_snippet) and memory (mean of
  kv, vector and rec_sum).
- Irrelevance: the plain mean of irrelevance and live_irrelevance; relevance is
  live_relevance (shown, not in the overall score).
- Overall: non-live 10%, live 10%, irrelevance 10%, multi-turn 30%, agentic 40%.

A category that did not run counts as 0 and is shown as "N/A", and so is every group that
contains it, as on the leaderboard. Agentic cannot run offline, so the official overall of
any run here counts 40% as 0; `overall_without_agentic` (the other four groups, weights
10/10/10/30 renormalised) is given beside it and is not a leaderboard number.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from evals.bfcl.data import CATEGORIES, UNAVAILABLE, entry_count
from evals.trace import TrialRecord
from tools.errors import ConfigError

AGENTIC = ("web_search_base", "web_search_no_snippet", "memory_kv", "memory_vector", "memory_rec_sum")
OVERALL_WEIGHTS = {"non_live": 10, "live": 10, "irrelevance": 10, "multi_turn": 30, "agentic": 40}
NOT_COMPARABLE = [
    "Agentic (40% of the overall score) does not run: web search needs the internet, and memory needs "
    "the model's own prerequisite conversations chained before each question. The official formula "
    "counts it as 0, so the official overall of a run here is at most 60%; `overall without agentic` "
    "renormalises the other weights and has no leaderboard counterpart.",
    "Format sensitivity is for prompting models only; BFCL skips it for function-calling models and "
    "it is not in any score.",
    "The model is driven through this harness's tool calling (its profile's sampling defaults, "
    "thinking switch and tool mode) rather than BFCL's handler for it: same data, declarations, "
    "step limit and checker, but not the same request code.",
    "Trials that failed on infrastructure (server errors) are left out of the counts; with k > 1 "
    "trials per task, accuracy is the mean over trials. Latency is each entry's wall time in this "
    "harness, and cost is not computed.",
]

Kind = Literal["mean", "count_weighted"]


@dataclass(frozen=True)
class Score:
    """An accuracy, the entries behind it, and whether everything in it ran (else "N/A")."""

    accuracy: float
    total: int
    ran: bool = True

    @property
    def display(self) -> str:
        """As the leaderboard CSVs write it: a percentage with two decimals, or N/A."""
        return f"{self.accuracy * 100:.2f}%" if self.ran else "N/A"


MISSING = Score(0.0, 0, ran=False)


def _combine(scores: Sequence[Score], kind: Kind = "mean", *, na_if_missing: bool = True) -> Score:
    total = sum(s.total for s in scores)
    if kind == "mean":
        accuracy = sum(s.accuracy for s in scores) / len(scores)
    else:
        accuracy = sum(s.accuracy * s.total for s in scores) / total if total else 0.0
    return Score(accuracy, total, ran=all(s.ran for s in scores) or not na_if_missing)


def _weighted(scores: Sequence[Score], weights: Sequence[float]) -> Score:
    # Shown even when a part is missing (counted as 0), as the leaderboard shows its overall.
    norm = sum(weights)
    accuracy = sum(s.accuracy * w / norm for s, w in zip(scores, weights, strict=True))
    return Score(accuracy, sum(s.total for s in scores))


def _entries(category: str) -> int:
    if category not in CATEGORIES:
        return 0  # agentic: only ever in plain means, where counts do not matter
    try:
        return entry_count(category)
    except ConfigError:  # bfcl-eval not installed where the report is rebuilt
        return 0


def category_of(record: TrialRecord) -> str | None:
    """The BFCL category of a trial (from its tags), or None for a trial of another suite."""
    if "bfcl" not in record.tags:
        return None
    return next((t for t in record.tags if t in CATEGORIES), None)


def category_scores(records: Sequence[TrialRecord]) -> dict[str, Score]:
    """Accuracy per BFCL category that has trials (infrastructure failures left out)."""
    passed: dict[str, int] = {}
    trials: dict[str, int] = {}
    for record in records:
        category = category_of(record)
        if category is None or record.infra_error:
            continue
        trials[category] = trials.get(category, 0) + 1
        passed[category] = passed.get(category, 0) + int(record.passed)
    return {c: Score(passed[c] / trials[c], trials[c]) for c in CATEGORIES if trials.get(c)}


@dataclass(frozen=True)
class Leaderboard:
    """Every score the leaderboard shows for one run, by the names of its CSV columns' sources."""

    categories: dict[str, Score]
    scores: dict[str, Score]

    def get(self, name: str) -> Score:
        """A category's or a group's score (MISSING for a category that did not run)."""
        return self.scores.get(name) or self.categories.get(name) or MISSING


def leaderboard(records: Sequence[TrialRecord]) -> Leaderboard:
    """The leaderboard's scores of the BFCL trials among `records`."""
    cats = category_scores(records)

    def c(name: str) -> Score:
        # A category that did not run counts as 0 over all its entries (which matters in the
        # count-weighted live score), as the leaderboard counts it.
        return cats.get(name) or Score(0.0, _entries(name), ran=False)

    simple = _combine([c("simple_python"), c("simple_java"), c("simple_javascript")])
    non_live_parts = [simple, c("multiple"), c("parallel"), c("parallel_multiple")]
    live_parts = [c("live_simple"), c("live_multiple"), c("live_parallel"), c("live_parallel_multiple")]
    multi_turn = _combine([c(m) for m in CATEGORIES if m.startswith("multi_turn")], na_if_missing=False)
    web_search = _combine([c("web_search_base"), c("web_search_no_snippet")])
    memory = _combine([c("memory_kv"), c("memory_vector"), c("memory_rec_sum")])
    scores = {
        "simple": simple,
        "non_live_ast": _combine(non_live_parts),
        "non_live": _combine(non_live_parts, na_if_missing=False),
        "live_ast": _combine(live_parts, "count_weighted"),
        "live": _combine(live_parts, "count_weighted", na_if_missing=False),
        "multi_turn": multi_turn,
        "web_search": web_search,
        "memory": memory,
        "agentic": _combine([web_search, memory], na_if_missing=False),
        "irrelevance_total": _combine([c("irrelevance"), c("live_irrelevance")]),
        "relevance_total": c("live_relevance"),
    }
    groups = ["non_live", "live", "irrelevance_total", "multi_turn", "agentic"]
    weights = list(OVERALL_WEIGHTS.values())
    scores["overall"] = _weighted([scores[g] for g in groups], weights)
    scores["overall_without_agentic"] = _weighted([scores[g] for g in groups[:-1]], weights[:-1])
    return Leaderboard(cats, scores)


def ran_categories(board: Leaderboard) -> list[str]:
    """The categories with trials, in the package's order."""
    return [c for c in CATEGORIES if c in board.categories]


def _latency(records: Sequence[TrialRecord]) -> tuple[str, str, str]:
    values = sorted(r.latency_s for r in records if category_of(r) and not r.infra_error)
    if not values:
        return "N/A", "N/A", "N/A"
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"{mean:.2f}", f"{std:.2f}", f"{p95:.2f}"


def csv_tables(board: Leaderboard, model: str, records: Sequence[TrialRecord]) -> dict[str, list[list[str]]]:
    """The rows of BFCL's score CSVs for this run (file name -> header and one model row)."""
    from evals.bfcl import _package

    headers = _package.column_headers()

    def shown(*names: str) -> list[str]:
        return [board.get(name).display for name in names]

    non_live = ("simple", "multiple", "parallel", "parallel_multiple")
    live = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
    multi_turn = (
        "multi_turn_base",
        "multi_turn_miss_func",
        "multi_turn_miss_param",
        "multi_turn_long_context",
    )
    agentic = (
        *("web_search", "web_search_base", "web_search_no_snippet"),
        *("memory", "memory_kv", "memory_vector", "memory_rec_sum"),
    )
    not_measured = ["N/A"] * 4  # format sensitivity delta and deviation, organization, license
    rows = {
        "data_overall.csv": [
            "1", *shown("overall"), model, "N/A", "N/A", *_latency(records),
            *shown("non_live_ast", *non_live, "live", *live, "multi_turn", *multi_turn, *agentic),
            *shown("relevance_total", "irrelevance_total"), *not_measured,
        ],
        "data_non_live.csv": [
            "1", model, *shown("non_live", "non_live_ast", "simple", "simple_python", "simple_java"),
            *shown("simple_javascript", *non_live[1:], "irrelevance"),
        ],
        "data_live.csv": [
            "1", model, *shown("live", "live_ast", *live, "live_irrelevance", "live_relevance"),
        ],
        "data_multi_turn.csv": ["1", model, *shown("multi_turn", *multi_turn)],
        "data_agentic.csv": ["1", model, *shown("agentic", *agentic)],
    }  # fmt: skip
    tables = {}
    for name, row in rows.items():
        header = headers[name]
        if len(header) != len(row):
            raise ValueError(f"BFCL's {name} has {len(header)} columns, this writer {len(row)}: update it.")
        tables[name] = [list(header), row]
    return tables


def to_csv(table: list[list[str]]) -> str:
    """A table written as BFCL writes its score files (comma-joined, no quoting, no final newline)."""
    return "\n".join(",".join(row) for row in table)


_GROUP_ROWS = [
    ("overall", "Overall (official weights; agentic counted as 0)"),
    ("overall_without_agentic", "Overall without agentic (not a leaderboard number)"),
    ("non_live", "Non-live (AST)"),
    ("live", "Live (AST, count-weighted)"),
    ("irrelevance_total", "Irrelevance (non-live and live)"),
    ("relevance_total", "Relevance (live)"),
    ("multi_turn", "Multi-turn"),
    ("agentic", "Agentic"),
]


def report_rows(board: Leaderboard) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """(group name, score) rows, then (category, trials, score) rows, for the run's reports."""
    groups = [(label, board.get(name).display) for name, label in _GROUP_ROWS]
    cats = [(c, str(board.categories[c].total), board.categories[c].display) for c in ran_categories(board)]
    cats += [(name, "-", "N/A (does not run offline)") for name in AGENTIC if name in UNAVAILABLE]
    return groups, cats
