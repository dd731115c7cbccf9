"""benchmarks/eval_throughput.py runs at a small concurrency and writes rows of the promised shape.

No timing is asserted (speed is the benchmark's to report); this keeps the script and its
bare-client floors from rotting, and checks that every client sent every request of every trial.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_run_reports_the_runner_beside_both_floors(tmp_path: Path) -> None:
    out = tmp_path / "throughput.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "eval_throughput.py"), "--concurrency", "3"]
    command += ["--trials-per-slot", "2", "--steps", "2", "--delay-ms", "5", "--no-pin", "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| gemma-agents runner | 3 |" in done.stdout and "| sockets floor | 3 |" in done.stdout
    rows = json.loads(out.read_text())["levels"]
    assert [r["client"] for r in rows] == ["gemma-agents runner", "httpx floor", "sockets floor"]
    for r in rows:
        assert r["concurrency"] == 3 and r["trials"] == 6
        assert r["requests"] == 6 * 3  # two tool calls and the answer, in each trial
        assert r["ideal_rps"] == 600.0 and r["achieved_rps"] > 0 and r["cpu_ms_per_step"] >= 0
