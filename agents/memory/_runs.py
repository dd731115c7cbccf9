"""Run units of work: sync functions of a `Connection`, each run as one transaction.

`commit` is the per-step write of a durable run: it bumps the run's version only if it is still
the one the writer read (else `RunConflict`: a cancelled or stale worker never overwrites a newer
checkpoint), and under that row lock appends the step's messages and events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Row, Update, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from agents.memory import _sessions
from agents.memory._schema import RUN_EVENTS as E
from agents.memory._schema import RUNS as R
from agents.memory.errors import RunConflict, StoreError
from agents.memory.records import RunEvent, RunRecord, RunWrite, RunWriteResult

__all__ = ["commit", "create_run", "decide", "events", "get_run", "list_runs"]


_LAST_EVENT = select(func.max(E.c.seq)).where(E.c.run_id == bindparam("b_id"))
_INSERT_EVENTS = insert(E)


def _record(r: Row[Any]) -> RunRecord:
    return RunRecord(
        id=r.id,
        session_id=r.session_id,
        agent=r.agent,
        status=r.status,
        config=r.config,
        checkpoint=r.checkpoint,
        output=r.output,
        error=r.error,
        start_head=r.start_head,
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


class UnknownRun(StoreError, KeyError):
    """No run has this id."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        StoreError.__init__(self, f"No run {run_id!r} in the store; list runs with Store.runs().")

    def __str__(self) -> str:
        return str(self.args[0])


def _new_run() -> dict[str, Insert]:
    return {
        name: dialect_insert(R).on_conflict_do_nothing(index_elements=[R.c.id])
        for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
    }


_NEW_RUN = _new_run()


def create_run(conn: Connection, record: RunRecord, now: datetime) -> None:
    """Insert a run at version 0 (its record's version is ignored). `RunConflict` if the id exists."""
    # One statement: an insert that does nothing on a taken id (no SELECT, no savepoint).
    stmt = _NEW_RUN.get(conn.dialect.name)
    if stmt is None:
        raise StoreError(f"Dialect {conn.dialect.name!r} is not supported; use SQLite or PostgreSQL.")
    inserted = conn.execute(
        stmt,
        {
            "id": record.id,
            "session_id": record.session_id,
            "agent": record.agent,
            "status": record.status,
            "config": record.config,
            "checkpoint": record.checkpoint,
            "output": record.output,
            "error": record.error,
            "start_head": record.start_head,
            "version": 0,
            "created_at": now,
            "updated_at": now,
        },
    ).rowcount
    if inserted != 1:
        raise RunConflict(record.id, None, None)


def append_events(
    conn: Connection, run_id: str, evs: Sequence[tuple[str, dict[str, Any]]], now: datetime
) -> None:
    """Append events at max(seq)+1..; callers hold the run's row lock (or SQLite's write lock)."""
    last = conn.execute(_LAST_EVENT, {"b_id": run_id}).scalar() or 0
    conn.execute(
        _INSERT_EVENTS,
        [
            {"run_id": run_id, "seq": last + 1 + i, "kind": k, "data": d, "created_at": now}
            for i, (k, d) in enumerate(evs)
        ],
    )


_FIELDS = ("status", "checkpoint", "output", "error")


@cache
def _bump(fields: tuple[str, ...]) -> Update:
    """The version-checked UPDATE for one set of fields, built once per set."""
    values: dict[str, Any] = {"version": R.c.version + 1, "updated_at": bindparam("b_now")}
    values.update({name: bindparam(f"b_{name}", type_=R.c[name].type) for name in fields})
    return (
        update(R)
        .where(R.c.id == bindparam("b_id"), R.c.version == bindparam("b_expected"))
        .values(values)
        .returning(R.c.version, R.c.session_id)
    )


def commit(conn: Connection, w: RunWrite, rows: list[tuple[str, str]], now: datetime) -> RunWriteResult:
    """One step of a run: version check and bump, messages, events; all or nothing."""
    if w.create is not None:
        create_run(conn, w.create, now)
    fields = tuple(name for name in _FIELDS if getattr(w, name) is not None)
    params = {"b_id": w.run_id, "b_expected": w.expected_version, "b_now": now}
    params.update({f"b_{name}": getattr(w, name) for name in fields})
    row = conn.execute(_bump(fields), params).first()
    if row is None:
        actual = conn.execute(select(R.c.version).where(R.c.id == w.run_id)).scalar()
        if actual is None:
            raise UnknownRun(w.run_id)
        raise RunConflict(w.run_id, w.expected_version, actual)
    version, session_id = row
    if rows or w.expected_head is not None:
        head = _sessions.append(conn, session_id, rows, w.expected_head, w.run_id, now)
    else:
        head = _sessions.head_of(conn, session_id)
    if w.events:
        append_events(conn, w.run_id, w.events, now)
    return RunWriteResult(version=int(version), head=head)


def get_run(conn: Connection, run_id: str) -> RunRecord:
    """The run; `UnknownRun` if there is none."""
    row = conn.execute(select(R).where(R.c.id == run_id)).first()
    if row is None:
        raise UnknownRun(run_id)
    return _record(row)


def list_runs(conn: Connection, status: str | None, session_id: str | None, limit: int) -> list[RunRecord]:
    """Runs, newest first, filtered by status and session."""
    stmt = select(R).order_by(R.c.created_at.desc(), R.c.id).limit(limit)
    if status is not None:
        stmt = stmt.where(R.c.status == status)
    if session_id is not None:
        stmt = stmt.where(R.c.session_id == session_id)
    return [_record(r) for r in conn.execute(stmt)]


def events(conn: Connection, run_id: str, after: int) -> list[RunEvent]:
    """The run's events after seq `after`, in order (empty for an unknown run)."""
    stmt = select(E.c.seq, E.c.kind, E.c.data, E.c.created_at).where(E.c.run_id == run_id, E.c.seq > after)
    return [RunEvent(r.seq, r.kind, r.data, r.created_at) for r in conn.execute(stmt.order_by(E.c.seq))]


def _pending_ids(data: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for p in data.get("pending", []):
        out.append(p if isinstance(p, str) else str(p.get("call_id", p.get("id"))))
    return out


def decide(conn: Connection, run_id: str, call_id: str, decision: dict[str, Any], now: datetime) -> None:
    """Record a decision on a pending call of a waiting run; StoreError saying why not."""
    row = conn.execute(select(R.c.status).where(R.c.id == run_id).with_for_update()).first()
    if row is None:
        raise UnknownRun(run_id)
    if row.status != "waiting":
        raise StoreError(f"Run {run_id!r} is {row.status}, not waiting; only a waiting run takes decisions.")
    log = events(conn, run_id, 0)
    waits = [i for i, e in enumerate(log) if e.kind == "waiting"]
    if not waits:
        raise StoreError(f"Run {run_id!r} is waiting but logged no 'waiting' event; nothing to decide.")
    last = waits[-1]
    pending = _pending_ids(log[last].data)
    if call_id not in pending:
        raise StoreError(
            f"Call {call_id!r} is not pending in run {run_id!r}; pending: {', '.join(pending) or 'none'}."
        )
    if any(e.kind == "decision" and e.data.get("call_id") == call_id for e in log[last + 1 :]):
        raise StoreError(f"Call {call_id!r} of run {run_id!r} was already decided; a decision is final.")
    append_events(conn, run_id, [("decision", {"call_id": call_id, "decision": decision})], now)
