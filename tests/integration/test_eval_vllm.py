"""A short eval against the real vLLM server, through the `agents eval` command line.

The tiny model is random, so its score is near zero: the point is that the whole pipeline
(suite → runner → real requests → scorers → reports) works on a real server.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


def agents_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agents.cli", *args], capture_output=True, text=True, timeout=900, check=False
    )


def test_eval_pipeline_on_tiny_server(tiny_url: str, tmp_path: Path) -> None:
    out = tmp_path / "multistep"
    common = ["--base-url", tiny_url, "--model", "tiny", "--max-tokens", "32", "--concurrency", "4"]
    run = agents_cli("eval", "multistep", *common, "--limit", "2", "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trials"] == 2
    assert summary["infra_errors"] == 0
    assert summary["input_tokens"] > 0
    assert 0.0 <= summary["success_rate"] <= 1.0
    trials = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    assert all(t["steps"] >= 1 for t in trials)
    html = (out / "report.html").read_text()
    assert "<svg" in html
    assert re.search(r"""(src|href)=["']?https?://""", html) is None  # viewable offline

    bfcl = tmp_path / "bfcl"
    run = agents_cli("eval", "bfcl:simple_python", *common, "--limit", "3", "--out", str(bfcl))
    assert run.returncode == 0, run.stderr[-2000:]
    assert json.loads((bfcl / "summary.json").read_text())["trials"] == 3

    report = agents_cli("eval", "report", str(out))
    assert report.returncode == 0, report.stderr[-2000:]
    compare = agents_cli("eval", "compare", str(out), str(out))
    assert compare.returncode == 0, compare.stderr[-2000:]
