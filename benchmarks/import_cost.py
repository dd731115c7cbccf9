"""What an agent-ready cold import is made of: the interpreter, asyncio, httpx, pydantic, and ours.

    python benchmarks/import_cost.py [--repeats 15] [--instructions] [--json PATH] [--quick]

Each case is a fresh interpreter doing one thing (import asyncio; import httpx; import pydantic
and build one model; the httpx floor's and gemma-agents' `--import-only` workers of
benchmarks/overhead.py, ...). Reported per case, above `python -c pass`: the median wall-clock
ms and CPU ms over `--repeats` interleaved rounds, the peak RSS, and with `--instructions` the
instructions the interpreter executed (valgrind's callgrind, one run each, PYTHONHASHSEED=0).
A child's peak RSS includes the moment before its `exec`, when it still shares this process's
memory: a figure at or below this process's own peak is shown as "≤ that".
Instruction counts do not move with the machine's load, which wall-clock times on a shared
machine do by 2-4×: they are the figures to compare cases by; ms convert them for a feel.

Like overhead.py, it runs in the venv holding only this package (`.bench-venvs/gemma-agents`,
made on first use); `--quick` runs in the current interpreter with 2 repeats (the unit tests).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from overhead import WORKER, machine, ours_python  # noqa: E402

URL = "http://127.0.0.1:9/v1"  # never contacted: --import-only builds the agent and exits
MODEL = "from pydantic import BaseModel\nclass M(BaseModel):\n    a: int\n    b: str = ''\nM(a=1)\n"
HTTPX = "import asyncio, json, httpx\n"
CLIENT = HTTPX + "httpx.AsyncClient()\n"
# name → the Python code (or, for a worker, the worker's framework name), in the table's order.
CASES: dict[str, str] = {
    "asyncio": "import asyncio",
    "pydantic (import)": "import pydantic\nfrom pydantic import BaseModel",
    "pydantic + 1 model built": MODEL,
    "asyncio + httpx": "import asyncio, json, httpx",
    "asyncio + httpx + AsyncClient()": CLIENT,
    "asyncio + httpx + pydantic + 1 model": HTTPX + MODEL,
    "asyncio + httpx + AsyncClient() + pydantic + 1 model": CLIENT + MODEL,
    "httpx floor (overhead.py worker)": "worker:httpx",
    "gemma-agents import only": "import asyncio, json\nfrom agents import Agent, OpenAIChatModel",
    "gemma-agents agent-ready (overhead.py worker)": "worker:gemma-agents",
}
QUICK = ("asyncio", "pydantic + 1 model built", "gemma-agents agent-ready (overhead.py worker)")


def command(python: Path, case: str) -> list[str]:
    code = CASES[case]
    if code.startswith("worker:"):
        return [str(python), str(WORKER), code.removeprefix("worker:"), URL, "--import-only"]
    return [str(python), "-c", code]


def run_once(cmd: list[str]) -> tuple[float, float, float]:
    """Wall ms, CPU ms (user + system) and peak RSS MB of one fresh interpreter."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    if status != 0:
        assert process.stderr is not None
        raise SystemExit(f"{' '.join(cmd)} failed:\n{process.stderr.read().decode()[-2000:]}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024


def instructions(cmd: list[str]) -> int:
    """Instructions executed, by valgrind's callgrind (about 20× slower than a plain run)."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed on {' '.join(cmd)}:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def measure(python: Path, cases: Sequence[str], repeats: int, count: bool) -> dict[str, dict[str, Any]]:
    names = ["bare", *cases]
    commands = {n: [str(python), "-c", "pass"] if n == "bare" else command(python, n) for n in names}
    samples: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
    for _ in range(repeats):
        for n in random.sample(names, len(names)):  # interleaved: a busy minute slows them all
            samples[n].append(run_once(commands[n]))
    bare_wall = statistics.median(s[0] for s in samples["bare"])
    bare_cpu = statistics.median(s[1] for s in samples["bare"])
    bare_instructions = instructions(commands["bare"]) if count else 0
    figures: dict[str, dict[str, Any]] = {}
    for n in cases:
        count_m = (instructions(commands[n]) - bare_instructions) / 1e6 if count else None
        figures[n] = {
            "wall_ms": round(statistics.median(s[0] for s in samples[n]) - bare_wall, 1),
            "cpu_ms": round(statistics.median(s[1] for s in samples[n]) - bare_cpu, 1),
            "peak_rss_mb": round(statistics.median(s[2] for s in samples[n]), 1),
            "instructions_m": round(count_m, 1) if count_m is not None else None,
        }
    figures["bare"] = {
        "wall_ms": round(bare_wall, 1),
        "cpu_ms": round(bare_cpu, 1),
        "peak_rss_mb": round(statistics.median(s[2] for s in samples["bare"]), 1),
        "instructions_m": round(bare_instructions / 1e6, 1) if count else None,
    }
    return figures


def own_peak_rss_mb() -> float:
    """This process's peak RSS: no child's figure can be told apart below it (see the docstring)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(figures: dict[str, dict[str, Any]], own_rss_mb: float) -> str:
    floor = figures.get("httpx floor (overhead.py worker)", {}).get("instructions_m")
    rows = [
        "| case (above `python -c pass`) | instructions (M) | × httpx floor | wall ms | CPU ms "
        "| peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        count = f["instructions_m"]
        ratio = f"{count / floor:.2f}" if count is not None and floor else "-"
        label = "`python -c pass` itself" if name == "bare" else name
        rss = f["peak_rss_mb"] if f["peak_rss_mb"] > own_rss_mb + 0.5 else f"≤ {own_rss_mb:.1f}"
        rows.append(
            f"| {label} | {count if count is not None else '-'} | {ratio} | {f['wall_ms']} | "
            f"{f['cpu_ms']} | {rss} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--quick", action="store_true", help="three cases, 2 repeats, this interpreter")
    args = parser.parse_args(argv)
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind on PATH (apt-get install valgrind).")

    def log(message: str) -> None:
        print(f"[import_cost] {message}", file=sys.stderr, flush=True)

    python = Path(sys.executable) if args.quick else ours_python(log)
    cases = list(QUICK) if args.quick else list(CASES)
    repeats = 2 if args.quick else args.repeats
    load = os.getloadavg()
    figures = measure(python, cases, repeats, args.instructions)
    own_rss_mb = own_peak_rss_mb()
    print(table(figures, own_rss_mb))
    print(f"\nload average before: {load[0]:.2f}; after: {os.getloadavg()[0]:.2f}")
    if args.json:
        report = {
            "benchmark": "import_cost",
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "load_average": [round(load[0], 2), round(os.getloadavg()[0], 2)],
            "repeats": repeats,
            "measuring_process_peak_rss_mb": round(own_rss_mb, 1),
            "cases": figures,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
