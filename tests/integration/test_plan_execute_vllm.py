"""examples/plan_execute.py end to end on the tiny server: the plan, each step and the answer are
printed, every planned step ends with an outcome, and nothing is written outside --out.

The random model's plan means nothing, so the test checks the protocol, not the answer.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "plan_execute.py"


async def test_plan_execute_prints_the_plan_its_steps_and_the_answer(tiny_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        *("--base-url", tiny_url, "--out", str(out), "--max-tokens", "256"),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out_bytes, _ = await asyncio.wait_for(proc.communicate(), 300)
    text = out_bytes.decode(errors="replace")
    assert proc.returncode == 0, text
    lines = text.splitlines()

    def starting(prefix: str) -> list[str]:
        return [x for x in lines if x.startswith(prefix)]

    assert starting("model:    tiny at ")
    assert "random" in starting("note:")[0]  # says plainly that this is not a real model
    assert starting("nudge:")
    planned = [re.match(r"planned:  (s\d+) ", x) for x in starting("planned:")]
    assert planned and all(planned), text
    finished = {x.split()[1]: x.split()[2].rstrip(":") for x in starting("finished:")}
    assert {m.group(1) for m in planned if m} <= set(finished), text
    assert set(finished.values()) <= {"done", "failed", "skipped"}
    first = lines.index(next(x for x in lines if x.startswith("plan (model request ")))
    summary = lines[first : lines.index(next(x for x in lines if x.startswith("answer:")))]
    steps = [x for x in summary if not x.startswith("plan (model request ")]
    assert steps and all(re.match(r"  s\d+ .* -> (done|failed|skipped)$", x) for x in steps), text
    assert starting("answer:") and starting("usage:")
    _only_in_out(tmp_path, out)


def _only_in_out(tmp_path: Path, out: Path) -> None:
    """The database and any report are in --out, and nothing else was written beside it."""
    assert (out / "sales.db").exists()
    assert all(p.suffix in (".db", ".md") for p in out.iterdir()), list(out.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
