"""The benchmarks run in their quick modes and write figures of the promised shape.

No timing is asserted (speed is the benchmark's to report); this keeps the scripts from rotting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_overhead_run_writes_its_table_and_json(tmp_path: Path) -> None:
    out = tmp_path / "overhead.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "overhead.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| gemma-agents " in done.stdout and "| httpx " in done.stdout
    report = json.loads(out.read_text())
    assert report["benchmark"] == "overhead"
    assert {"cpu", "cpus", "python"} <= set(report["machine"])
    frameworks = report["frameworks"]
    assert set(frameworks) == {"gemma-agents", "gemma-agents-stream", "httpx"}
    for figures in frameworks.values():
        assert figures["runs"] == report["rounds"] * report["runs_per_round"]
        assert 0 < figures["median_us"] <= figures["p90_us"]
        assert figures["calls_per_run"] > 0 and figures["peak_rss_mb"] > 0
        assert isinstance(figures["import_ms"], float)
        assert figures["import_top"] and all(isinstance(ms, float) for _, ms in figures["import_top"])
        assert figures["x_fastest_peer"] is None  # no peers in the quick mode
    assert frameworks["httpx"]["x_floor"] == 1.0
    # One run is two requests and a tool call: gemma-agents does at least what the bare client does.
    assert frameworks["gemma-agents"]["calls_per_run"] > frameworks["httpx"]["calls_per_run"]


def test_quick_import_cost_run_writes_its_table_and_json(tmp_path: Path) -> None:
    out = tmp_path / "imports.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "import_cost.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| gemma-agents agent-ready (overhead.py worker) |" in done.stdout
    report = json.loads(out.read_text())
    assert report["benchmark"] == "import_cost" and report["repeats"] == 2
    cases = report["cases"]
    ours = "gemma-agents agent-ready (overhead.py worker)"
    assert set(cases) == {"bare", "asyncio", "pydantic + 1 model built", ours}
    for figures in cases.values():
        assert figures["peak_rss_mb"] > 0 and isinstance(figures["wall_ms"], float)
        assert figures["instructions_m"] is None  # counted only with --instructions (valgrind)


def test_small_scaling_run_writes_every_case_in_every_mode(tmp_path: Path) -> None:
    out = tmp_path / "scaling.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "scaling.py"), "--json", str(out)]
    command += ["--tools", "1", "100", "--history", "2", "20", "--runs", "2", "--rounds", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["benchmark"] == "scaling" and report["floor"] == "posts the recorded bytes"
    cases = report["cases"]
    grid = {(c["mode"], c["tools"], c["history"]) for c in cases}
    assert grid == {(m, t, h) for m in ("server", "grammar", "json") for t in (1, 100) for h in (2, 20)}
    assert len(cases) == len(grid) and len(done.stdout.splitlines()) == 2 + len(grid)
    for case in cases:
        assert case["floor_step_cpu_us"] > 0 and case["step_cpu_us"] > 0
        # The step's body grows with the tools it declares (100 tools: tens of KB).
        assert case["body_kb"] > (20 if case["tools"] == 100 else 0)
    smallest = [c for c in cases if (c["tools"], c["history"]) == (1, 2)]
    assert all(c["x_smallest_cpu"] == 1.0 for c in smallest)
