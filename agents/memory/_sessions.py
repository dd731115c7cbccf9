"""Session units of work: sync functions of a `Connection`, each run as one transaction.

The append is the hot path: one UPDATE that moves the head (and checks `expected_head`) under
the row lock (the session row is created by a dialect upsert only when that UPDATE found none),
then one executemany of the messages with seq head-n+1..head. Gapless by construction.
Statements are built once, so SQLAlchemy's compiled cache serves them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Text, bindparam, cast, delete, insert, select, type_coerce, update
from sqlalchemy.dialects import postgresql, sqlite

from agents.memory._schema import MESSAGES as M
from agents.memory._schema import RUN_EVENTS as E
from agents.memory._schema import RUNS as R
from agents.memory._schema import SESSIONS as S
from agents.memory.errors import SessionConflict, StoreError
from agents.memory.records import SessionInfo

__all__ = ["append", "delete_session", "get_meta", "head_of", "history", "list_sessions", "set_meta"]

T = TypeVar("T")


_MOVE_HEAD = (
    update(S)
    .where(S.c.id == bindparam("b_id"))
    .values(head=S.c.head + bindparam("b_n"), updated_at=bindparam("b_now"))
    .returning(S.c.head)
)
_MOVE_HEAD_IF = _MOVE_HEAD.where(S.c.head == bindparam("b_expected"))
_HEAD = select(S.c.head).where(S.c.id == bindparam("b_id"))
# Message data arrives as JSON text (see _codec): bound as text, cast to JSON where the column
# type is checked (PostgreSQL).
_INSERT_MESSAGES = {
    "sqlite": insert(M).values(data=type_coerce(bindparam("b_data"), Text)),
    "postgresql": insert(M).values(data=cast(bindparam("b_data", type_=Text), JSON)),
}
_HISTORY = (
    select(M.c.seq, type_coerce(M.c.data, Text))
    .where(M.c.session_id == bindparam("b_id"), M.c.seq > bindparam("b_after"))
    .order_by(M.c.seq)
)


_NEW_SESSION = {
    "sqlite": sqlite.insert(S).on_conflict_do_nothing(index_elements=[S.c.id]),
    "postgresql": postgresql.insert(S).on_conflict_do_nothing(index_elements=[S.c.id]),
}


def _statement(stmts: dict[str, T], conn: Connection) -> T:
    stmt = stmts.get(conn.dialect.name)
    if stmt is None:
        raise StoreError(f"Dialect {conn.dialect.name!r} is not supported; use SQLite or PostgreSQL.")
    return stmt


def _ensure_session(conn: Connection, session_id: str, now: datetime) -> None:
    conn.execute(
        _statement(_NEW_SESSION, conn),
        {"id": session_id, "head": 0, "meta": {}, "created_at": now, "updated_at": now},
    )


def head_of(conn: Connection, session_id: str) -> int:
    """The session's head; 0 for an unknown session."""
    return conn.execute(_HEAD, {"b_id": session_id}).scalar() or 0


def append(
    conn: Connection,
    session_id: str,
    rows: list[tuple[str, str]],
    expected_head: int | None,
    run_id: str | None,
    now: datetime,
) -> int:
    """Append (role, JSON) rows at head+1..; the new head. `SessionConflict` if the head moved."""
    n = len(rows)
    stmt = _MOVE_HEAD if expected_head is None else _MOVE_HEAD_IF
    params = {"b_id": session_id, "b_n": n, "b_now": now, "b_expected": expected_head}
    head = conn.execute(stmt, params).scalar()
    if head is None:  # a new session (or a conflict): create it, then move the head again
        _ensure_session(conn, session_id, now)
        head = conn.execute(stmt, params).scalar()
        if head is None:
            assert expected_head is not None
            raise SessionConflict(session_id, expected_head, head_of(conn, session_id))
    if n:
        first = head - n + 1
        conn.execute(
            _statement(_INSERT_MESSAGES, conn),
            [
                {"session_id": session_id, "seq": first + i, "role": role, "run_id": run_id,
                 "b_data": data, "created_at": now}
                for i, (role, data) in enumerate(rows)
            ],
        )  # fmt: skip
    return int(head)


def history(conn: Connection, session_id: str, after: int) -> tuple[list[str | Any], int]:
    """The stored message data after seq `after`, in seq order, and the head."""
    head = head_of(conn, session_id)
    data = [row[1] for row in conn.execute(_HISTORY, {"b_id": session_id, "b_after": after})]
    return data, head


def list_sessions(conn: Connection, limit: int, offset: int) -> list[SessionInfo]:
    """Sessions, most recently updated first."""
    stmt = select(S).order_by(S.c.updated_at.desc(), S.c.id).limit(limit).offset(offset)
    return [
        SessionInfo(id=r.id, head=r.head, created_at=r.created_at, updated_at=r.updated_at, meta=r.meta)
        for r in conn.execute(stmt)
    ]


def delete_session(conn: Connection, session_id: str) -> bool:
    """Delete a session with its messages, runs and run events; False if there was nothing."""
    run_ids = select(R.c.id).where(R.c.session_id == session_id).scalar_subquery()
    conn.execute(delete(E).where(E.c.run_id.in_(run_ids)))
    runs = conn.execute(delete(R).where(R.c.session_id == session_id)).rowcount
    conn.execute(delete(M).where(M.c.session_id == session_id))
    sessions = conn.execute(delete(S).where(S.c.id == session_id)).rowcount
    return bool(runs or sessions)


def get_meta(conn: Connection, session_id: str) -> dict[str, Any]:
    """The session's metadata; {} for an unknown session."""
    meta = conn.execute(select(S.c.meta).where(S.c.id == session_id)).scalar()
    return dict(meta) if meta else {}


def set_meta(conn: Connection, session_id: str, meta: dict[str, Any], now: datetime) -> None:
    """Replace the session's metadata, creating the session if needed."""
    _ensure_session(conn, session_id, now)
    conn.execute(update(S).where(S.c.id == session_id).values(meta=meta, updated_at=now))
