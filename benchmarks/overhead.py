"""A tool-calling run's overhead beside the peers, the bare httpx floor, and each one's cold import.

    python benchmarks/overhead.py [--rounds 20] [--runs 10] [--json PATH] [--base-url URL] [--quick]

One run is the same small agent in every framework (instructions, one `add(a, b)` tool, one
prompt): two requests and one tool call against a canned, zero-latency OpenAI-compatible server
(benchmarks/_fake_server.py, in its own process). The floor is a bare, reused
`httpx.AsyncClient` sending the same two requests. Each framework lives in one persistent
worker process (benchmarks/_overhead_worker.py) driven over stdin/stdout; after a warm-up, the
rounds are interleaved (every framework runs `--runs` runs per round, in a shuffled order), so
a noisy neighbour slows all of them alike. Workers are pinned to one core and the server to
another (`--no-pin` to leave scheduling alone).

Reported per framework: median and p90 µs per run (wall clock), the worker's median CPU µs per
run, × the httpx floor and × the fastest peer (on both),
Python calls per run (sys.setprofile "call" events in one warm run: functions and coroutine
resumptions), peak RSS of the worker, and the agent-ready cold import (a fresh interpreter
importing and building the agent, median of `--import-repeats`, minus that interpreter's own
start-up) with `-X importtime`'s top packages by their own import time.

The peers (PydanticAI, the OpenAI Agents SDK, LangGraph, smolagents) each get a venv of their
own under `.bench-venvs/` (the SDK's import name `agents` is ours too), made by this script
with pip on the first run and reused while the requirement is unchanged; gemma-agents and the
floor run in one more, holding this package alone (editable, without the test tools). `--quick`
runs only gemma-agents and the floor, in the current interpreter, with few rounds and no venvs
(the unit tests use it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "benchmarks" / "_overhead_worker.py"
SERVER = ROOT / "benchmarks" / "_fake_server.py"
VENVS = ROOT / ".bench-venvs"
OURS = ("gemma-agents", "gemma-agents-stream")
FLOOR = "httpx"
# Each peer: the pip requirements of its venv, and the distribution whose version is reported.
PEERS: dict[str, tuple[list[str], str]] = {
    "pydantic-ai": (["pydantic-ai-slim[openai]"], "pydantic-ai-slim"),
    "openai-agents": (["openai-agents"], "openai-agents"),
    "langgraph": (["langgraph", "langchain-openai"], "langgraph"),
    "smolagents": (["smolagents[openai]"], "smolagents"),
}


def _pinned(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def peer_python(name: str, log: Callable[[str], None]) -> Path:
    """The Python of the peer's own venv, made (or remade, if its requirements changed) with pip."""
    return venv_python(name, PEERS[name][0], log)


def ours_python(log: Callable[[str], None]) -> Path:
    """A venv holding this package alone (editable, no extras), as `pip install gemma-agents` makes.

    The project's .venv also holds the test tools, and httpx imports its command line (click,
    pygments, rich) whenever they are installed: measured there, the import would be theirs.
    """
    stamp = (ROOT / "pyproject.toml").read_text()  # reinstalled when the dependencies change
    return venv_python("gemma-agents", ["-e", str(ROOT)], log, stamp)


def venv_python(name: str, requirements: list[str], log: Callable[[str], None], stamp_text: str = "") -> Path:
    """The Python of `.bench-venvs/NAME`, made (or remade, if its requirements changed) with pip."""
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / ".bench-requirements"
    wanted = "\n".join(requirements) + (f"\n{stamp_text}" if stamp_text else "")
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    log(f"installing {' '.join(requirements)} into {venv} (once)")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"pip could not install {requirements} for {name}:\n{done.stderr[-2000:]}")
    stamp.write_text(wanted)
    return python


def start_server(cpu: int | None, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """The canned server in its own process, and its base URL."""
    server = subprocess.Popen(
        [sys.executable, str(SERVER), *extra], stdout=subprocess.PIPE, text=True, preexec_fn=_pinned(cpu)
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit(f"the canned server did not start (said {line!r})")
    return server, f"http://127.0.0.1:{int(line.split()[1])}/v1"


class Worker:
    """One framework's warm agent in its own process."""

    def __init__(self, name: str, python: Path, url: str, cpu: int | None, errors: IO[str]) -> None:
        self.name = name
        self.python = python
        self.process = subprocess.Popen(
            [str(python), str(WORKER), name, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            preexec_fn=_pinned(cpu),
        )
        self.errors = errors

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.errors.seek(0)
            tail = self.errors.read()[-3000:]
            raise SystemExit(f"the {self.name} worker died on {command!r}; its stderr ends:\n{tail}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@dataclass
class Figures:
    """What the table shows for one framework."""

    name: str
    python: Path
    version: str
    runs_us: list[float] = field(default_factory=list)
    runs_cpu_us: list[float] = field(default_factory=list)
    calls: int = 0
    rss_mb: float = 0.0
    import_ms: float = 0.0
    import_top: list[tuple[str, float]] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        return statistics.median(self.runs_us)

    @property
    def cpu_us(self) -> float:
        return statistics.median(self.runs_cpu_us)

    @property
    def p90_us(self) -> float:
        return statistics.quantiles(self.runs_us, n=10)[-1]


def _version(python: Path, name: str) -> str:
    if name in OURS:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        return f"{commit or 'unknown commit'}"
    dist = "httpx" if name == FLOOR else PEERS[name][1]
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True).stdout.strip()


def _median_start_ms(command: Sequence[str], repeats: int, cpu: int | None) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, preexec_fn=_pinned(cpu))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def top_imports(stderr: str, top: int = 5) -> list[tuple[str, float]]:
    """`-X importtime` output → the top-level packages with the most import time of their own (ms)."""
    by_package: dict[str, float] = {}
    for match in _IMPORTTIME.finditer(stderr):
        package = match.group(4).split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + int(match.group(1)) / 1000
    return sorted(by_package.items(), key=lambda item: -item[1])[:top]


def cold_import(figures: Figures, url: str, repeats: int, cpu: int | None) -> None:
    """Agent-ready import time (minus interpreter start-up) and the top importers."""
    python = str(figures.python)
    bare = _median_start_ms([python, "-c", "pass"], repeats, cpu)
    ready = _median_start_ms([python, str(WORKER), figures.name, url, "--import-only"], repeats, cpu)
    figures.import_ms = ready - bare
    traced = subprocess.run(
        [python, "-X", "importtime", str(WORKER), figures.name, url, "--import-only"],
        capture_output=True,
        text=True,
    )
    figures.import_top = top_imports(traced.stderr)


def measure(
    names: Sequence[str],
    pythons: dict[str, Path],
    url: str,
    *,
    warmup: int,
    rounds: int,
    runs: int,
    import_repeats: int,
    cpu: int | None,
    log: Callable[[str], None],
) -> dict[str, Figures]:
    figures = {n: Figures(n, pythons[n], _version(pythons[n], n)) for n in names}
    with tempfile.TemporaryDirectory(prefix="overhead-") as tmp:
        workers = []
        for n in names:
            errors = open(Path(tmp) / f"{n}.stderr", "w+")  # noqa: SIM115 - closed with the worker
            workers.append(Worker(n, pythons[n], url, cpu, errors))
        try:
            for w in workers:
                w.ask(f"run {warmup}")
            log(f"warm; {rounds} interleaved rounds of {runs} runs each")
            for _ in range(rounds):
                for w in random.sample(workers, len(workers)):
                    reply = w.ask(f"run {runs}")
                    figures[w.name].runs_us += reply["us"]
                    figures[w.name].runs_cpu_us += reply["cpu_us"]
            for w in workers:
                figures[w.name].rss_mb = w.ask("rss")["rss_kb"] / 1024
                figures[w.name].calls = w.ask("calls")["calls"]
        finally:
            for w in workers:
                w.close()
                w.errors.close()
    log(f"cold imports, median of {import_repeats}")
    for n in names:
        cold_import(figures[n], url, import_repeats, cpu)
    return figures


def _ratio(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def table(figures: dict[str, Figures]) -> tuple[str, dict[str, Any]]:
    """The Markdown table and the JSON figures. Ratios are given on wall-clock time and on the
    worker's own CPU time: on a shared machine the CPU time is the steadier of the two."""
    floor, floor_cpu = figures[FLOOR].median_us, figures[FLOOR].cpu_us
    peers = [f for n, f in figures.items() if n in PEERS]
    fastest = min(f.median_us for f in peers) if peers else None
    fastest_cpu = min(f.cpu_us for f in peers) if peers else None
    rows = []
    data: dict[str, Any] = {}
    for f in sorted(figures.values(), key=lambda f: f.cpu_us):
        x_peer = f.median_us / fastest if fastest else None
        x_peer_cpu = f.cpu_us / fastest_cpu if fastest_cpu else None
        data[f.name] = {
            "version": f.version,
            "median_us": round(f.median_us, 1),
            "p90_us": round(f.p90_us, 1),
            "cpu_us": round(f.cpu_us, 1),
            "x_floor": round(f.median_us / floor, 3),
            "x_floor_cpu": round(f.cpu_us / floor_cpu, 3),
            "x_fastest_peer": round(x_peer, 3) if x_peer is not None else None,
            "x_fastest_peer_cpu": round(x_peer_cpu, 3) if x_peer_cpu is not None else None,
            "calls_per_run": f.calls,
            "peak_rss_mb": round(f.rss_mb, 1),
            "import_ms": round(f.import_ms, 1),
            "import_top": [[p, round(ms, 1)] for p, ms in f.import_top],
            "runs": len(f.runs_us),
        }
        top = ", ".join(f"{p} {ms:.0f}" for p, ms in f.import_top[:3])
        rows.append(
            f"| {f.name} {f.version} | {f.median_us:,.0f} | {f.p90_us:,.0f} | {f.cpu_us:,.0f} | "
            f"{f.median_us / floor:.2f} / {f.cpu_us / floor_cpu:.2f} | "
            f"{_ratio(x_peer)} / {_ratio(x_peer_cpu)} | "
            f"{f.calls:,} | {f.rss_mb:.0f} | {f.import_ms:.0f} | {top} |"
        )
    head = (
        "| framework | median µs/run | p90 µs | CPU µs/run | × httpx floor (wall / CPU) "
        "| × fastest peer (wall / CPU) | Python calls/run | peak RSS MB | agent-ready import ms "
        "| top imports (ms, own time) |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    return head + "\n" + "\n".join(rows), data


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10, help="runs per framework per round")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--import-repeats", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--base-url", help="use this server instead of starting the canned one")
    parser.add_argument("--quick", action="store_true", help="gemma-agents and the floor only, few rounds")
    parser.add_argument("--peers", nargs="*", choices=sorted(PEERS), help="a subset of the peers")
    parser.add_argument("--no-pin", action="store_true", help="do not pin workers and server to cores")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[overhead] {message}", file=sys.stderr, flush=True)

    if args.quick:
        args.rounds, args.runs, args.warmup, args.import_repeats = 3, 5, 5, 3
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    client_cpu, server_cpu = (0, 1) if pin else (None, None)
    peers = [] if args.quick else (args.peers if args.peers is not None else sorted(PEERS))
    # The quick mode (the unit tests) makes no venv: it runs in this interpreter's environment.
    ours = Path(sys.executable) if args.quick else ours_python(log)
    pythons = {n: ours for n in (*OURS, FLOOR)}
    for n in peers:
        pythons[n] = peer_python(n, log)

    server = None
    url = args.base_url
    if url is None:
        server, url = start_server(server_cpu)
    try:
        figures = measure(
            list(pythons),
            pythons,
            url.rstrip("/"),
            warmup=args.warmup,
            rounds=args.rounds,
            runs=args.runs,
            import_repeats=args.import_repeats,
            cpu=client_cpu,
            log=log,
        )
    finally:
        if server is not None:
            server.kill()
            server.wait()
    text, data = table(figures)
    print(text)
    if args.json:
        report = {
            "benchmark": "overhead",
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "pinned": pin,
            "server": args.base_url or "canned (benchmarks/_fake_server.py)",
            "rounds": args.rounds,
            "runs_per_round": args.runs,
            "frameworks": data,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
