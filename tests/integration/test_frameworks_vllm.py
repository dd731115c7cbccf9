"""Two agent frameworks on the real vLLM server, through `agents eval --agent`, then compared.

Our agent runs through its adapter (evals.adapters.builtin), PydanticAI through its own, in its
own environment (.pydantic-ai/venv, made by scripts/setup-pydantic-ai, which scripts/test runs).
The tiny model is random: the point is that each framework's requests reach the server and come
back scored by the same harness, and that `compare` sets them side by side.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAI_PYTHON = ROOT / ".pydantic-ai" / "venv" / "bin" / "python"


def _eval(python: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "evals", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.skipif(not PAI_PYTHON.exists(), reason="no .pydantic-ai/venv: run scripts/setup-pydantic-ai")
def test_pydantic_ai_and_ours_on_the_tiny_server(tiny_url: str, tmp_path: Path) -> None:
    common = ["--base-url", tiny_url, "--model", "tiny", "--max-tokens", "32", "--concurrency", "3"]
    runs = {
        "ours": (sys.executable, "evals.adapters.builtin:factory"),
        "pydantic_ai": (PAI_PYTHON, "evals.adapters.pydantic_ai:factory"),
    }
    for name, (python, agent) in runs.items():
        for suite in ("multistep", "bfcl:simple_python"):
            out = tmp_path / f"{name}-{suite.replace(':', '_')}"
            run = _eval(python, suite, *common, "--limit", "3", "--agent", agent, "--out", str(out))
            assert run.returncode == 0, run.stderr[-3000:]
            summary = json.loads((out / "summary.json").read_text())
            assert summary["agent"] == agent and summary["trials"] == 3, summary
            assert summary["infra_errors"] == 0, summary
            trials = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
            # Each trial reached the server: at least one request, with tokens counted by vLLM.
            assert all(t["steps"] >= 1 and t["input_tokens"] > 0 for t in trials), trials
    compared = _eval(
        sys.executable,
        "compare",
        str(tmp_path / "ours-multistep"),
        str(tmp_path / "pydantic_ai-multistep"),
        "--all-tasks",
    )
    assert compared.returncode == 0, compared.stderr
    assert "agent evals.adapters.builtin:factory" in compared.stdout
    assert "agent evals.adapters.pydantic_ai:factory" in compared.stdout
    every = compared.stdout.split("## Every common task")[1]
    assert len([line for line in every.splitlines() if line.startswith("| ") and "---" not in line]) == 4
