"""Per-step overhead as the toolset and the history grow, in each tool mode.

    python benchmarks/scaling.py [--tools 1 10 100] [--history 2 20 200] [--runs 40] [--json PATH]
                                 [--base-url URL]

For every (tool mode, tools, history messages) the agent runs `--runs` times against the canned
zero-latency server (benchmarks/_fake_server.py; each run is two steps: a call, then the
answer). The wire bodies of one run are recorded on the way out; a bare, reused
`httpx.AsyncClient` then posts exactly those bytes and decodes the replies: the floor for that
case, which grows with the body (100 tools and 200 messages are ~40 KB a step) on both sides.
The floor posts the bytes as recorded rather than encoding the body again: turning messages and
tools into JSON is the agent's own work, which it may do once and reuse (agents/models/_wire.py
`BodyEncoder`), so it counts as overhead (`--floor-encodes` makes the floor encode the body with
`json=` at every request instead, as before 2026-12-02). Per-step
overhead = (µs per step of the agent − µs per step of the floor), the medians of interleaved
rounds, on the client process's CPU time (steady on a shared machine; the wall clock is shown
too). The ratio column divides each case by the 1-tool, 2-message case of the same mode.

The client runs pinned to one core and the server to the other (`--no-pin` to leave them).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from overhead import machine, start_server  # noqa: E402

from agents import Agent, OpenAIChatModel, Tool  # noqa: E402
from agents.messages import AssistantMessage, Message, UserMessage  # noqa: E402
from agents.models.profiles import ToolMode  # noqa: E402

MODES: tuple[ToolMode, ...] = ("server", "grammar", "json")


def toolset(n: int) -> list[Tool]:
    """`n` distinct tools of two integer arguments (the canned server calls the first)."""

    def handler(a: int, b: int) -> int:
        return a + b

    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "description": "The first integer."},
            "b": {"type": "integer", "description": "The second integer."},
        },
        "required": ["a", "b"],
    }
    return [
        Tool.from_schema(f"tool_{i}", f"Tool number {i}: adds two integers.", schema, handler)
        for i in range(n)
    ]


def history(n: int) -> list[Message]:
    """`n` earlier messages, user and assistant in turn, of a sentence each."""
    return [
        UserMessage(content=f"Earlier question {i}: what is {i} + {i}?")
        if i % 2 == 0
        else AssistantMessage(text=f"Earlier answer {i}: it is {2 * i}.")
        for i in range(n)
    ]


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests on, keeping the bodies while `recording` is set."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.recording = False
        self.bodies: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.recording:
            self.bodies.append(await request.aread())
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def case(
    url: str, mode: ToolMode, tools: int, messages: int, runs: int, rounds: int, floor_encodes: bool = False
) -> dict[str, Any]:
    recorder = Recorder()
    model = OpenAIChatModel("gemma-4-bench", base_url=url, transport=recorder)
    agent = Agent(model, tools=toolset(tools), instructions="Use the tools.", tool_mode=mode)
    earlier = history(messages)
    floor_client = httpx.AsyncClient()
    endpoint = f"{url}/chat/completions"
    headers = {"content-type": "application/json"}

    async def run() -> None:
        result = await agent.run("What is 2 + 3?", message_history=earlier)
        assert len(result.tool_calls()) == 1, result.output

    async def floor() -> None:
        for body in recorder.bodies:
            if floor_encodes:
                (await floor_client.post(endpoint, json=json.loads(body), headers=headers)).json()
            else:
                (await floor_client.post(endpoint, content=body, headers=headers)).json()

    recorder.recording = True
    await run()
    recorder.recording = False
    assert len(recorder.bodies) == 2, len(recorder.bodies)
    for _ in range(5):  # warm-up
        await run()
        await floor()
    # Per step (two a run): wall-clock µs, and CPU µs of this process (the server's are its own).
    timed: dict[str, tuple[list[float], list[float]]] = {"agent": ([], []), "floor": ([], [])}
    for _ in range(rounds):
        for fn, (wall, cpu) in ((run, timed["agent"]), (floor, timed["floor"])):
            for _ in range(max(1, runs // rounds)):
                started, cpu_started = time.perf_counter_ns(), time.process_time_ns()
                await fn()
                cpu.append((time.process_time_ns() - cpu_started) / 2000)
                wall.append((time.perf_counter_ns() - started) / 2000)
    await floor_client.aclose()
    await model.aclose()
    step, bare = (statistics.median(timed[k][0]) for k in ("agent", "floor"))
    step_cpu, bare_cpu = (statistics.median(timed[k][1]) for k in ("agent", "floor"))
    return {
        "mode": mode,
        "tools": tools,
        "history": messages,
        "body_kb": round(sum(map(len, recorder.bodies)) / 2 / 1024, 1),
        "step_us": round(step, 1),
        "floor_step_us": round(bare, 1),
        "overhead_us": round(step - bare, 1),
        "step_cpu_us": round(step_cpu, 1),
        "floor_step_cpu_us": round(bare_cpu, 1),
        "overhead_cpu_us": round(step_cpu - bare_cpu, 1),
    }


async def measure(
    url: str,
    modes: Sequence[ToolMode],
    tools: Sequence[int],
    messages: Sequence[int],
    runs: int,
    rounds: int,
    floor_encodes: bool = False,
) -> list[dict[str, Any]]:
    results = []
    for mode in modes:
        base = None
        for t in tools:
            for h in messages:
                row = await case(url, mode, t, h, runs, rounds, floor_encodes)
                base = base or row["overhead_cpu_us"]
                row["x_smallest_cpu"] = round(row["overhead_cpu_us"] / base, 2) if base > 0 else None
                results.append(row)
                overhead = row["overhead_cpu_us"]
                print(f"[scaling] {mode} tools={t} history={h}: {overhead:.0f} CPU µs/step", file=sys.stderr)
    return results


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| mode | tools | history msgs | body KB/step | wall µs/step (floor) | CPU µs/step (floor) "
        "| overhead CPU µs/step | × 1 tool, 2 msgs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['mode']} | {r['tools']} | {r['history']} | {r['body_kb']} | "
            f"{r['step_us']:,.0f} ({r['floor_step_us']:,.0f}) | "
            f"{r['step_cpu_us']:,.0f} ({r['floor_step_cpu_us']:,.0f}) | "
            f"{r['overhead_cpu_us']:,.0f} | {r['x_smallest_cpu']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tools", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--history", type=int, nargs="+", default=[2, 20, 200])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--runs", type=int, default=40, help="runs per case, for the agent and the floor")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds the runs are split into")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--base-url", help="use this server instead of starting the canned one")
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument(
        "--floor-encodes", action="store_true", help="the floor encodes the body (json=) at every request"
    )
    args = parser.parse_args(argv)
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity")
    server = None
    url = args.base_url
    if url is None:
        server, url = start_server(1 if pin else None)
    if pin:
        os.sched_setaffinity(0, {0})
    try:
        rows = asyncio.run(
            measure(
                url.rstrip("/"),
                args.modes,
                args.tools,
                args.history,
                args.runs,
                args.rounds,
                args.floor_encodes,
            )
        )
    finally:
        if server is not None:
            server.kill()
            server.wait()
    print(table(rows))
    if args.json:
        report = {
            "benchmark": "scaling",
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "pinned": pin,
            "runs": args.runs,
            "floor": "encodes the body (json=)" if args.floor_encodes else "posts the recorded bytes",
            "cases": rows,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
