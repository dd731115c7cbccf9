"""What MCP tools cost: the SDK's import, a server's start, and one call, against a local tool.

    python benchmarks/mcp_calls.py [--calls 200] [--json out.json]

The server is the tests' demo server (tests/unit/mcp/demo_server.py, the SDK's own server API),
as a subprocess over stdio and over streamable HTTP on this machine. Each call goes through
`Toolset.run_calls` as in a run (validation, timeout, result cap), one at a time, then 8 at once.
No model is involved, so there is no --base-url.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.mcp import MCPToolset
from tests.unit.mcp.servers import DEMO, free_port, start_http, stop
from tools import RunContext, ToolCall, Toolset

_ROOT = Path(__file__).resolve().parents[1]


def import_ms(code: str, runs: int = 5) -> float:
    """The median time of `code` in a fresh interpreter, less the interpreter's own start."""

    def once(snippet: str) -> float:
        timed = f"import time; t = time.perf_counter(); {snippet}; print(time.perf_counter() - t)"
        out = subprocess.run(
            [sys.executable, "-c", timed], cwd=_ROOT, capture_output=True, text=True, check=True
        )
        return float(out.stdout)

    return round(statistics.median(once(code) for _ in range(runs)) * 1000, 1)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def calls(ts: Toolset, n: int) -> dict[str, float]:
    ctx: RunContext[None] = RunContext(deps=None, run_id="bench", step=1, messages=[], retries={})
    times = []
    for i in range(n):
        t = time.perf_counter()
        [r] = await ts.run_calls([ToolCall(f"c{i}", "add", {"a": i, "b": 1})], ctx)
        times.append(time.perf_counter() - t)
        assert r.content == str(i + 1), r.content
    batch = [ToolCall(f"b{i}", "add", {"a": i, "b": 2}) for i in range(8)]
    t = time.perf_counter()
    rounds = max(1, n // 8)
    for _ in range(rounds):
        await ts.run_calls(batch, ctx)
    per_batch = (time.perf_counter() - t) / rounds
    times.sort()
    return {
        "p50_ms": round(statistics.median(times) * 1000, 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 3),
        "batch_of_8_ms": round(per_batch * 1000, 3),
    }


async def measure(n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"transport": "local tool", "start_ms": 0.0, **await calls(Toolset([add]), n)}
    ]
    stdio = MCPToolset.stdio(sys.executable, str(DEMO), name="demo")
    t = time.perf_counter()
    async with stdio:
        started = time.perf_counter() - t
        rows.append({"transport": "MCP stdio", "start_ms": round(started * 1000, 1), **await calls(stdio, n)})
    port = free_port()
    proc = start_http([sys.executable, str(DEMO), "http", str(port)], port)
    try:
        http = MCPToolset.http(f"http://127.0.0.1:{port}/mcp", name="demo-http")
        t = time.perf_counter()
        async with http:
            started = time.perf_counter() - t
            rows.append(
                {"transport": "MCP HTTP", "start_ms": round(started * 1000, 1), **await calls(http, n)}
            )
    finally:
        stop(proc)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200, help="sequential calls per transport (default 200)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    imports = {
        "import agents, tools (ms)": import_ms("import agents, tools"),
        "import agents, tools, agents.mcp (ms)": import_ms("import agents, tools, agents.mcp"),
        "import mcp (ms)": import_ms("import mcp"),
    }
    rows = asyncio.run(measure(args.calls))
    for name, ms in imports.items():
        print(f"{name}: {ms}")
    print()
    print("| transport | start ms | call p50 ms | call p95 ms | 8 concurrent calls ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['transport']} | {r['start_ms']} | {r['p50_ms']} | {r['p95_ms']} | {r['batch_of_8_ms']} |"
        )
    if args.json:
        args.json.write_text(json.dumps({"imports": imports, "calls": args.calls, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
