"""Many writers on one session: the sequence stays gapless, nothing is lost or doubled.

- PostgreSQL: 64 asyncio writers sharing one Store (its pool must give each a connection),
  1,000 one-message appends each, all to ONE session.
- SQLite: 8 processes (spawn context, each with its own Store on the same file), 1,000 appends
  each; contention must be absorbed by BEGIN IMMEDIATE and the busy timeout, never surfacing as
  "database is locked".
- `expected_head`: writers race on the same head value; exactly one wins each value, losers get
  `SessionConflict` and retry until everything has landed.

Each message says who wrote it and its counter ("w<writer>:<i>"), so the checks are exact.
`GEMMA_AGENTS_CONCURRENCY_APPENDS` lowers the per-writer count for a quick local run.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from agents.memory import SessionConflict, Store
from agents.messages import UserMessage

APPENDS = int(os.environ.get("GEMMA_AGENTS_CONCURRENCY_APPENDS", "1000"))
SESSION = "shared"


def _text(writer: int, i: int) -> str:
    return f"w{writer}:{i}"


def _parse(text: str) -> tuple[int, int]:
    writer, i = text[1:].split(":")
    return int(writer), int(i)


async def _writer(store: Store, writer: int, appends: int) -> None:
    for i in range(appends):
        await store.append(SESSION, [UserMessage(content=_text(writer, i))])


async def _order(store: Store) -> list[tuple[int, int]]:
    h = await store.history(SESSION, repair=False)
    texts = [m.content for m in h.messages]
    assert all(isinstance(t, str) for t in texts)
    assert h.head == len(texts)
    return [_parse(str(t)) for t in texts]


def _check(order: list[tuple[int, int]], writers: int, appends: int) -> None:
    """Every (writer, i) exactly once, and each writer's messages in its own order."""
    assert len(order) == writers * appends
    assert len(set(order)) == len(order), "a message was stored twice"
    per_writer: dict[int, list[int]] = defaultdict(list)
    for writer, i in order:
        per_writer[writer].append(i)
    assert sorted(per_writer) == list(range(writers)), "a writer's messages are missing"
    for writer, counters in per_writer.items():
        assert counters == list(range(appends)), f"writer {writer} lost or reordered messages"


async def _seqs(store: Store) -> list[int]:
    """The stored seq column itself (not the history's positions), to prove 1..n gapless."""
    from sqlalchemy import select

    from agents.memory._schema import MESSAGES

    def fetch(conn: object) -> list[int]:
        stmt = select(MESSAGES.c.seq).where(MESSAGES.c.session_id == SESSION).order_by(MESSAGES.c.seq)
        return [int(s) for s in conn.execute(stmt).scalars()]  # type: ignore[attr-defined]

    return await store._backend.read(fetch)


async def test_postgresql_64_writers_one_session(postgres_url: str) -> None:
    writers = 64
    store = await Store.open(postgres_url)
    readers = [await Store.open(postgres_url) for _ in range(2)]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(_writer(store, w, APPENDS) for w in range(writers)))
        elapsed = time.perf_counter() - started
        print(f"\nPostgreSQL: {writers} writers x {APPENDS} appends in {elapsed:.1f} s")
        assert await _seqs(store) == list(range(1, writers * APPENDS + 1))
        first, second = await asyncio.gather(*(_order(r) for r in readers))
        assert first == second, "two readers saw different orders"
        _check(first, writers, APPENDS)
    finally:
        for s in (store, *readers):
            await s.aclose()


def _sqlite_process(url: str, writer: int, appends: int, start: Any, errors: Any) -> None:
    async def main() -> None:
        store = await Store.open(url)
        try:
            start.wait()  # every process has its store open: the appends race from here
            await _writer(store, writer, appends)
        finally:
            await store.aclose()

    try:
        asyncio.run(main())
    except BaseException as e:
        errors.put(f"writer {writer}: {type(e).__name__}: {e}")
        start.abort()  # nobody waits for a writer that is gone
        raise


async def test_sqlite_8_processes_one_file(tmp_path: Path) -> None:
    writers = 8
    url = f"sqlite:///{tmp_path / 'store.db'}"
    await (await Store.open(url)).aclose()  # migrate once, before the race
    ctx = multiprocessing.get_context("spawn")
    start, errors = ctx.Barrier(writers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_sqlite_process, args=(url, w, APPENDS, start, errors)) for w in range(writers)
    ]
    for p in procs:
        p.start()
    with contextlib.suppress(threading.BrokenBarrierError):  # a writer failed: reported below
        await asyncio.to_thread(start.wait, 120)
    started = time.perf_counter()
    for p in procs:
        await asyncio.to_thread(p.join, 300)
    elapsed = time.perf_counter() - started
    print(f"\nSQLite: {writers} processes x {APPENDS} appends in {elapsed:.1f} s")
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == [], (
        "a writer failed (a 'database is locked' means BEGIN IMMEDIATE or the busy timeout did not hold)"
    )
    assert [p.exitcode for p in procs] == [0] * writers
    store = await Store.open(url)
    try:
        assert await _seqs(store) == list(range(1, writers * APPENDS + 1))
        reader = await Store.open(url)
        try:
            first, second = await asyncio.gather(_order(store), _order(reader))
        finally:
            await reader.aclose()
        assert first == second
        _check(first, writers, APPENDS)
    finally:
        await store.aclose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_expected_head_one_winner_per_head(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    writers, appends = 8, 25
    url = (
        request.getfixturevalue("postgres_url")
        if backend == "postgresql"
        else f"sqlite:///{tmp_path / 's.db'}"
    )
    store = await Store.open(url)
    wins: dict[int, list[int]] = defaultdict(list)  # head before the append -> winners
    conflicts = [0] * writers
    wrong: list[str] = []  # conflicts that misreport the heads
    barrier = asyncio.Barrier(writers)

    async def writer(w: int) -> None:
        await barrier.wait()
        for i in range(appends):
            while True:
                head = (await store.history(SESSION, repair=False, after=1 << 30)).head
                try:
                    new = await store.append(SESSION, [UserMessage(content=_text(w, i))], expected_head=head)
                except SessionConflict as e:
                    if (e.expected, e.actual > head) != (head, True):
                        wrong.append(f"expected {e.expected} actual {e.actual} for head {head}")
                    conflicts[w] += 1
                    await asyncio.sleep(0)
                    continue
                assert new == head + 1
                wins[head].append(w)
                break

    try:
        await asyncio.gather(*(writer(w) for w in range(writers)))
        total = writers * appends
        assert sorted(wins) == list(range(total)), "a head value was skipped"
        assert all(len(v) == 1 for v in wins.values()), "two writers won the same head"
        assert wrong == []
        assert sum(conflicts) > 0, "no writer ever lost a race: the test did not test contention"
        _check(await _order(store), writers, appends)
        print(f"\n{backend}: {total} appends with expected_head, {sum(conflicts)} conflicts retried")
    finally:
        await store.aclose()
