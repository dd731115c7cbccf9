"""benchmarks/tracing.py keeps working: every config runs, traced runs make their four spans."""

from __future__ import annotations

import json
from pathlib import Path

from agents.testing import block_model_requests
from benchmarks import tracing


def test_the_benchmark_runs_every_config_and_traces_four_spans_a_run(tmp_path: Path) -> None:
    block_model_requests(False)  # the benchmark's own zero-latency server, in this process
    out = tmp_path / "rows.json"
    assert tracing.main(["--runs", "3", "--repeats", "50", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    runs = [r for r in rows if "median_ms" in r]
    assert [(r["model"], r["config"]) for r in runs] == [
        (m, c) for m in ("local http", "function") for c in tracing.CONFIGS
    ]
    assert all(r["requests_per_run"] == 2 for r in runs)  # a tool call, then the answer
    assert {r["spans_per_traced_run"] for r in runs} == {4.0}
    assert [r["config"] for r in rows if "us" in r] == ["start check, no provider", "one bare SDK span"]
