"""`Store`: sessions (gapless message logs) and durable runs, on SQLite or PostgreSQL.

Each method is one transaction: a sync unit of work (`_sessions`, `_runs`) run by the
`Backend` on its worker thread (SQLite) or through an async engine. Serialising messages
happens before the hop, so the write lock is held only for the SQL.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable, Coroutine, Generator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from agents.memory import _migrate, _runs, _sessions
from agents.memory._backend import Backend, normalize_url
from agents.memory._codec import dump_messages, load_message
from agents.memory._repair import repair_history
from agents.memory.errors import StoreError, StoreUnavailable
from agents.memory.records import (
    Decision,
    RunEvent,
    RunRecord,
    RunStatus,
    RunWrite,
    RunWriteResult,
    SessionHistory,
    SessionInfo,
)
from agents.messages import Message, ToolResultMessage

__all__ = ["Store"]

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Sessions and runs in one database. Open with `await Store.open(url)` and close with
    `await store.aclose()`, or `async with Store.open(url) as store:`."""

    def __init__(self, backend: Backend) -> None:
        """Use `Store.open`, which checks and migrates the database first."""
        self._backend = backend
        self.url: str = backend.shown_url
        self.dialect: str = backend.dialect
        # Appends of this store to one session queue here, not on the database's row lock: under
        # contention PostgreSQL spends more on waking lock waiters than on the appends themselves.
        # (SQLite's single worker thread already runs them one at a time.)
        self._queues: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @classmethod
    def open(
        cls,
        url: str | os.PathLike[str] | None = None,
        *,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        migrate: bool = True,
    ) -> _Opening:
        """Open the store at `url` (a SQLAlchemy URL or a file path; None: the default file),
        bringing its schema up to date: `store = await Store.open(url)`, or
        `async with Store.open(url) as store:` to close it at the end. Raises `StoreUnavailable`,
        `NotAStore` or `SchemaTooNew`, leaving the database as it was."""
        return _Opening(cls._open(url, synchronous, migrate))

    @classmethod
    async def _open(
        cls, url: str | os.PathLike[str] | None, synchronous: Literal["NORMAL", "FULL"], migrate: bool
    ) -> Store:
        parsed = normalize_url(url)
        backend = Backend(parsed, synchronous=synchronous)
        try:
            if backend.dialect == "sqlite" and parsed.database not in (None, "", ":memory:"):
                _migrate.check_sqlite_file(Path(parsed.database or ""), backend.shown_url)
            await backend.write(_migrate.migrate, backend.shown_url, migrate)
        except StoreError:
            await backend.aclose()
            raise
        except (DBAPIError, OperationalError, OSError) as e:
            await backend.aclose()
            raise StoreUnavailable(backend.shown_url, f"{type(e).__name__}: {_first_line(e)}") from None
        return cls(backend)

    async def aclose(self) -> None:
        """Close the store's connections; idempotent."""
        await self._backend.aclose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # sessions

    async def append(
        self,
        session_id: str,
        messages: Sequence[Message],
        *,
        expected_head: int | None = None,
        run_id: str | None = None,
    ) -> int:
        """Append messages (system messages skipped) after the session's head, all or nothing;
        returns the new head. With `expected_head`, `SessionConflict` unless the head is there."""
        rows = dump_messages(messages)
        if self._backend.on_thread:
            return await self._backend.write(
                _sessions.append, session_id, rows, expected_head, run_id, _now()
            )
        queue = self._queues.get(session_id)
        if queue is None:
            queue = self._queues[session_id] = asyncio.Lock()
        async with queue:
            return await self._backend.write(
                _sessions.append, session_id, rows, expected_head, run_id, _now()
            )

    async def history(self, session_id: str, *, repair: bool = True, after: int = 0) -> SessionHistory:
        """The session's messages after seq `after`, in order; with `repair`, calls left without a
        result (an interrupted run) get an error result so the history can be sent again."""
        data, head = await self._backend.read(_sessions.history, session_id, after)
        messages = [load_message(d) for d in data]
        if not repair:
            return SessionHistory(messages=messages, head=head)
        # From the middle of a session, leading results answer calls before `after`: keep them.
        lead = 0
        while after and lead < len(messages) and isinstance(messages[lead], ToolResultMessage):
            lead += 1
        fixed, n = repair_history(messages[lead:])
        return SessionHistory(messages=messages[:lead] + fixed, head=head, repaired=n)

    async def sessions(self, *, limit: int = 100, offset: int = 0) -> list[SessionInfo]:
        """Sessions, most recently updated first."""
        return await self._backend.read(_sessions.list_sessions, limit, offset)

    async def delete_session(self, session_id: str) -> bool:
        """Delete a session, its messages and its runs; False if it did not exist."""
        return await self._backend.write(_sessions.delete_session, session_id)

    async def get_meta(self, session_id: str) -> dict[str, Any]:
        """The session's metadata ({} if none)."""
        return await self._backend.read(_sessions.get_meta, session_id)

    async def set_meta(self, session_id: str, meta: dict[str, Any]) -> None:
        """Replace the session's metadata (JSON data), creating the session if needed."""
        await self._backend.write(_sessions.set_meta, session_id, meta, _now())

    # runs

    async def create_run(self, record: RunRecord) -> None:
        """Record a new run at version 0; `RunConflict` if its id exists."""
        await self._backend.write(_runs.create_run, record, _now())

    async def commit(self, w: RunWrite) -> RunWriteResult:
        """One transaction: bump the run's version if it is `w.expected_version` (else
        `RunConflict`), append `w.messages` to its session and `w.events` to its log, and set
        the fields given."""
        rows = dump_messages(w.messages)
        return await self._backend.write(_runs.commit, w, rows, _now())

    async def run(self, run_id: str) -> RunRecord:
        """The run; a `StoreError` (also a `KeyError`) if unknown."""
        return await self._backend.read(_runs.get_run, run_id)

    async def runs(
        self, *, status: RunStatus | None = None, session_id: str | None = None, limit: int = 100
    ) -> list[RunRecord]:
        """Runs, newest first, optionally of one status or session."""
        return await self._backend.read(_runs.list_runs, status, session_id, limit)

    async def events(self, run_id: str, *, after: int = 0) -> list[RunEvent]:
        """The run's log after seq `after`, in order."""
        return await self._backend.read(_runs.events, run_id, after)

    async def decide(self, run_id: str, call_id: str, decision: Decision) -> None:
        """Approve, edit or deny a call a waiting run is waiting on (once per call)."""
        await self._backend.write(_runs.decide, run_id, call_id, decision.to_json(), _now())

    # other packages' tables

    async def transact(self, fn: Callable[..., T], *args: Any, write: bool = False) -> T:
        """Run `fn(connection, *args)`, a sync function of a SQLAlchemy `Connection`, as one
        transaction (BEGIN IMMEDIATE on SQLite when `write`). For packages that keep their own
        tables in the store's schema (the `evals` package's shared evals), so that they share its
        engine, its worker thread and its errors (`StoreUnavailable` when the database is gone)."""
        if write:
            return await self._backend.write(fn, *args)
        return await self._backend.read(fn, *args)


class _Opening:
    """What `Store.open` returns: await it for the store, or use it with `async with`."""

    def __init__(self, opening: Coroutine[Any, Any, Store]) -> None:
        self._opening = opening
        self._store: Store | None = None

    def __await__(self) -> Generator[Any, None, Store]:
        return self._opening.__await__()

    async def __aenter__(self) -> Store:
        self._store = await self._opening
        return self._store

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._store is not None:
            await self._store.aclose()


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "orig", None) or e)
    return text.splitlines()[0] if text else "no detail"
