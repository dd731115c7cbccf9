"""The eval runner's own limit: requests per second at growing concurrency, on a server of fixed latency.

    python benchmarks/eval_throughput.py [--concurrency 16 64 256 1024] [--delay-ms 50]
        [--ms-per-token 0] [--steps 3] [--trials-per-slot 3] [--json PATH] [--base-url URL]
        [--profile C] [--floors [httpx sockets]]
    python benchmarks/eval_throughput.py --real --base-url URL [--concurrency 16] [--tasks 32]
        [--raw-concurrency 16 64] [--max-tokens 48] [--no-force-calls] [--json PATH]

The canned server (benchmarks/_fake_server.py) answers every request after `--delay-ms` (plus
`--ms-per-token` for each of its 12 completion tokens), so the ideal rate at concurrency C is
C ÷ latency. Each trial is a multi-step task: `--steps` tool calls (each a request, then the
call run by the runner) and a final answer, `--steps + 1` requests in all, under
`evals.runner.run_eval` with the gemma-agents client. For every concurrency the runner runs
`--trials-per-slot × C` trials (k=1) and the table reports, over the window from the first
request to the last reply: achieved requests/s, ideal requests/s, their ratio, and the
runner's CPU time per step (one request and what the loop does around it). Beside the runner, at
each concurrency, the same trials go through bare clients with no framework (`--floors`,
benchmarks/_throughput_floor.py): reused httpx clients, and hand-written keep-alive HTTP on
asyncio streams, the cheapest request CPython sends. The runner is
pinned to one core and the server to the other (`--no-pin` to leave them); `--profile C` also
prints where the runner's time goes at concurrency C (cProfile, top functions by own time).

`--real` measures against a real vLLM server at `--base-url` instead (benchmarks/_real_server.py):
the runner's token rate on the first `--tasks` tasks of our multi-step suite at `--concurrency`
(one value) as a share of the server's saturated rate for the same requests sent raw with httpx at
`--raw-concurrency`, and the prefix-cache hit rate the runner reads from the server's `/metrics`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _fake_server import COMPLETION_TOKENS  # noqa: E402
from _throughput_floor import FLOORS  # noqa: E402
from overhead import machine, start_server  # noqa: E402

from agents import OpenAIChatModel  # noqa: E402
from agents.models.base import ModelRequest, ModelResponse, StreamItem  # noqa: E402
from agents.models.profiles import ModelProfile  # noqa: E402
from evals.runner import EvalConfig, run_eval  # noqa: E402
from evals.tasks import Suite, Task, Turn  # noqa: E402

ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


class Window:
    """Counts requests, and the wall and CPU time from the first request to the last reply."""

    def __init__(self) -> None:
        self.requests = 0
        self.first: tuple[float, float] | None = None
        self.last: tuple[float, float] = (0.0, 0.0)

    def start(self) -> None:
        if self.first is None:
            self.first = (time.perf_counter(), time.process_time())

    def end(self) -> None:
        self.requests += 1
        self.last = (time.perf_counter(), time.process_time())

    @property
    def wall_s(self) -> float:
        return self.last[0] - self.first[0] if self.first else 0.0

    @property
    def cpu_s(self) -> float:
        return self.last[1] - self.first[1] if self.first else 0.0


class Counted:
    """The model, its requests timed into a `Window`."""

    def __init__(self, model: OpenAIChatModel, window: Window) -> None:
        self.model = model
        self.window = window

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def profile(self) -> ModelProfile:
        return self.model.profile

    async def request(self, request: ModelRequest) -> ModelResponse:
        self.window.start()
        response = await self.model.request(request)
        self.window.end()
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        self.window.start()
        async for item in self.model.stream(request):
            yield item
        self.window.end()


def suite(trials: int, steps: int) -> Suite:
    """`trials` tasks of one turn: `steps` calls of a stub `add`, then the answer."""
    tasks = [
        Task(id=f"t{i}", turns=[Turn(user=f"Add 2 and 3, {steps} times.")], tools=[ADD], max_steps=steps + 2)
        for i in range(trials)
    ]
    return Suite(name="throughput", tasks=tasks)


async def level(url: str, concurrency: int, trials: int, steps: int, latency_s: float) -> dict[str, Any]:
    window = Window()
    model = OpenAIChatModel("gemma-4-bench", base_url=url, timeout_s=600)
    with tempfile.TemporaryDirectory(prefix="eval-throughput-") as out:
        config = EvalConfig(out=Path(out), concurrency=concurrency, timeout_s=600)
        summary = await run_eval(suite(trials, steps), config, models=[Counted(model, window)])  # type: ignore[list-item]
    await model.aclose()
    expected = trials * (steps + 1)
    if window.requests != expected:
        raise SystemExit(
            f"expected {expected} requests at concurrency {concurrency}, saw {window.requests}; "
            f"summary: {json.dumps(summary)[:500]}"
        )
    return row(
        "gemma-agents runner", concurrency, trials, window.requests, window.wall_s, window.cpu_s, latency_s
    )


def row(
    client: str, concurrency: int, trials: int, requests: int, wall_s: float, cpu_s: float, latency_s: float
) -> dict[str, Any]:
    achieved, ideal = requests / wall_s, concurrency / latency_s
    return {
        "client": client,
        "concurrency": concurrency,
        "trials": trials,
        "requests": requests,
        "wall_s": round(wall_s, 2),
        "achieved_rps": round(achieved, 1),
        "ideal_rps": round(ideal, 1),
        "achieved_over_ideal": round(achieved / ideal, 3),
        "cpu_ms_per_step": round(cpu_s / requests * 1000, 3),
    }


async def floor(
    name: str, url: str, concurrency: int, trials: int, steps: int, latency_s: float
) -> dict[str, Any]:
    """The same trials sent by a bare client (`_throughput_floor.py`): what the runner costs on top."""
    figures = await FLOORS[name](url, concurrency, trials, ADD, steps)
    if figures["requests"] != trials * (steps + 1):
        raise SystemExit(
            f"the {name} floor sent {figures['requests']} requests, expected {trials * (steps + 1)}"
        )
    return row(
        f"{name} floor",
        concurrency,
        trials,
        int(figures["requests"]),
        figures["wall_s"],
        figures["cpu_s"],
        latency_s,
    )


def top_functions(profile: cProfile.Profile, count: int = 15) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:count]  # type: ignore[attr-defined]
    return [
        {
            "function": f"{Path(file).name}:{line} {name}",
            "own_s": round(values[2], 3),
            "cumulative_s": round(values[3], 3),
            "calls": values[1],
        }
        for (file, line, name), values in rows
    ]


async def measure(args: argparse.Namespace, url: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    latency_s = (args.delay_ms + args.ms_per_token * COMPLETION_TOKENS) / 1000
    rows, profiled = [], []
    await level(url, 16, 32, args.steps, latency_s)  # warm-up: imports, first connections
    for concurrency in args.concurrency:
        trials = args.trials_per_slot * concurrency
        profile = cProfile.Profile() if concurrency == args.profile else None
        if profile:
            profile.enable()
        rows.append(await level(url, concurrency, trials, args.steps, latency_s))
        if profile:
            profile.disable()
            profiled = top_functions(profile)
        for name in args.floors:
            rows.append(await floor(name, url, concurrency, trials, args.steps, latency_s))
        for r in rows[-1 - len(args.floors) :]:
            print(
                f"[eval-throughput] c={concurrency} {r['client']}: {r['achieved_rps']} req/s "
                f"of {r['ideal_rps']} ideal",
                file=sys.stderr,
                flush=True,
            )
    return rows, profiled


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| client | concurrency | trials | requests | achieved req/s | ideal req/s | achieved ÷ ideal "
        "| client CPU ms/step |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['client']} | {r['concurrency']:,} | {r['trials']:,} | {r['requests']:,} | "
            f"{r['achieved_rps']:,.0f} | "
            f"{r['ideal_rps']:,.0f} | {r['achieved_over_ideal']:.2f} | {r['cpu_ms_per_step']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, nargs="+", help="default 16 64 256 1024; --real: 16")
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--ms-per-token", type=float, default=0.0)
    parser.add_argument("--steps", type=int, default=3, help="tool calls per trial before its answer")
    parser.add_argument("--trials-per-slot", type=int, default=3, help="trials per unit of concurrency")
    parser.add_argument("--profile", type=int, help="profile the runner at this concurrency")
    parser.add_argument(
        "--floors",
        nargs="*",
        choices=sorted(FLOORS),
        default=sorted(FLOORS),
        help="bare clients sending the same trials beside the runner (default: all; none with no value)",
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--base-url", help="use this server (it must answer as _fake_server.py does)")
    parser.add_argument("--no-pin", action="store_true")
    real = parser.add_argument_group("--real: a real vLLM server at --base-url")
    real.add_argument("--real", action="store_true", help="measure the runner against a real vLLM server")
    real.add_argument("--tasks", type=int, default=32, help="tasks of the multistep suite (default 32)")
    real.add_argument("--raw-concurrency", type=int, nargs="+", default=[16, 64])
    real.add_argument("--max-tokens", type=int, default=48, help="per response (default 48)")
    real.add_argument(
        "--no-force-calls",
        action="store_true",
        help="let the model choose (by default each Gemma 4 grammar-mode step is steered to one call, "
        "so that a model with random weights still runs multi-step trials: _real_server.forced_call)",
    )
    args = parser.parse_args(argv)
    if args.real:
        return main_real(args)
    args.concurrency = args.concurrency or [16, 64, 256, 1024]
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    server = None
    url = args.base_url
    if url is None:
        extra = ["--delay-ms", str(args.delay_ms), "--ms-per-token", str(args.ms_per_token)]
        server, url = start_server(1 if pin else None, *extra, "--steps", str(args.steps))
    if pin:
        os.sched_setaffinity(0, {0})
    try:
        rows, profiled = asyncio.run(measure(args, url.rstrip("/")))
    finally:
        if server is not None:
            server.kill()
            server.wait()
    print(table(rows))
    if profiled:
        print(f"\nWhere the runner's time went at concurrency {args.profile} (cProfile, own time):")
        for p in profiled:
            own, cumulative = p["own_s"], p["cumulative_s"]
            print(f"  {own:8.3f} s own {cumulative:8.3f} s cum {p['calls']:>9} calls  {p['function']}")
    if args.json:
        report = {
            "benchmark": "eval_throughput",
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "pinned": pin,
            "delay_ms": args.delay_ms,
            "ms_per_token": args.ms_per_token,
            "steps": args.steps,
            "levels": rows,
            "profile": {"concurrency": args.profile, "top": profiled} if profiled else None,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def main_real(args: argparse.Namespace) -> int:
    """`--real`: the runner beside a real server's saturated rate (benchmarks/_real_server.py)."""
    from _real_server import measure_real, real_table

    if not args.base_url:
        raise SystemExit("--real needs --base-url URL of a vLLM server (e.g. http://127.0.0.1:8011/v1).")
    concurrency = args.concurrency or [16]
    if len(concurrency) != 1:
        raise SystemExit(f"--real runs the runner at one concurrency; got {concurrency}.")
    url = args.base_url.rstrip("/")
    figures = asyncio.run(
        measure_real(
            url, args.tasks, concurrency[0], args.raw_concurrency, args.max_tokens, not args.no_force_calls
        )
    )
    print(real_table(figures))
    if args.json:
        report = {
            "benchmark": "eval_throughput_real",
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "base_url": url,
            **figures,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
