"""A shared eval's units of work: sync functions of a `Connection`, one transaction each
(run by `Store.transact`), on the store's `eval_runs` and `eval_trials` tables.

A trial is `pending`, `claimed` (by one runner, until its lease ends) or `done`. A claim takes
the first claimable trials in suite order: pending ones, and claimed ones whose lease has ended
(their runner died or lost the database). On PostgreSQL the rows are locked `FOR UPDATE SKIP
LOCKED`, so concurrent claims never wait for each other and never take the same row; on SQLite
the store's write transaction is BEGIN IMMEDIATE, one writer at a time. A result is kept only
from the runner that holds the trial's claim at that moment: a runner whose lease ended and
whose trial was claimed again has its late result dropped, so every trial is counted once.

Leases are seconds since the epoch by the database's clock on PostgreSQL (runners on several
machines need not agree on the time) and by this machine's on SQLite (one machine).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, extract, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from agents.memory._schema import EVAL_RUNS, EVAL_TRIALS
from tools.errors import ConfigError

__all__ = [
    "Remaining",
    "claim",
    "clock",
    "done_records",
    "finish",
    "open_eval",
    "release",
    "remaining",
    "renew",
    "retry_infra_errors",
]

R = EVAL_RUNS.c
T = EVAL_TRIALS.c
PENDING, CLAIMED, DONE = "pending", "claimed", "done"


def _insert(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise ConfigError(
        f"Dialect {conn.dialect.name!r} is not supported for shared evals; use SQLite or PostgreSQL."
    )


def clock(conn: Connection) -> float:
    """Now, in seconds since the epoch: the database server's time on PostgreSQL."""
    if conn.dialect.name == "postgresql":
        return float(conn.execute(select(extract("epoch", func.clock_timestamp()))).scalar_one())
    return time.time()


def open_eval(
    conn: Connection, eval_id: str, info: dict[str, Any], keys: Sequence[tuple[str, int]], now: datetime
) -> dict[str, Any]:
    """The eval's stored info; when the eval is new, it is created with `info` and one pending
    trial per key (in order), and `info` is returned. Two runners creating the same eval at once
    create it once: the second one's insert waits for the first and then does nothing."""
    created = conn.execute(
        _insert(conn, EVAL_RUNS)
        .values(id=eval_id, suite=str(info.get("suite")), info=info, created_at=now)
        .on_conflict_do_nothing(index_elements=[R.id])
    )
    if created.rowcount == 0:
        stored: dict[str, Any] = conn.execute(select(R.info).where(R.id == eval_id)).scalar_one()
        return stored
    rows = [
        {
            "eval_id": eval_id,
            "task_id": task_id,
            "trial": trial,
            "position": position,
            "status": PENDING,
            "owner": None,
            "lease_until": None,
            "attempts": 0,
            "infra_error": False,
            "record": None,
            "updated_at": now,
        }
        for position, (task_id, trial) in enumerate(keys)
    ]
    if rows:
        conn.execute(EVAL_TRIALS.insert(), rows)
    return info


def retry_infra_errors(conn: Connection, eval_id: str, now: datetime) -> int:
    """Make the trials that the infrastructure failed pending again (as a re-run into a run's
    directory runs them again); returns how many."""
    result = conn.execute(
        update(EVAL_TRIALS)
        .where(T.eval_id == eval_id, T.status == DONE, T.infra_error)
        .values(status=PENDING, owner=None, lease_until=None, record=None, infra_error=False, updated_at=now)
    )
    return int(result.rowcount)


def claim(
    conn: Connection, eval_id: str, owner: str, lease_s: float, limit: int, now: datetime
) -> list[tuple[str, int]]:
    """Claim up to `limit` claimable trials for `owner` until `lease_s` from now."""
    at = clock(conn)
    claimable = or_(T.status == PENDING, and_(T.status == CLAIMED, T.lease_until < at))
    rows = conn.execute(
        select(T.task_id, T.trial)
        .where(T.eval_id == eval_id, claimable)
        .order_by(T.position)
        .limit(limit)
        .with_for_update(skip_locked=True)  # rendered on PostgreSQL; SQLite has one writer anyway
    ).all()
    keys = [(r.task_id, r.trial) for r in rows]
    for task_id, trial in keys:
        conn.execute(
            update(EVAL_TRIALS)
            .where(T.eval_id == eval_id, T.task_id == task_id, T.trial == trial)
            .values(
                status=CLAIMED, owner=owner, lease_until=at + lease_s, attempts=T.attempts + 1, updated_at=now
            )
        )
    return keys


def renew(conn: Connection, eval_id: str, owner: str, lease_s: float) -> int:
    """Extend the leases of every trial `owner` still holds; returns how many it holds."""
    result = conn.execute(
        update(EVAL_TRIALS)
        .where(T.eval_id == eval_id, T.owner == owner, T.status == CLAIMED)
        .values(lease_until=clock(conn) + lease_s)
    )
    return int(result.rowcount)


def finish(
    conn: Connection,
    eval_id: str,
    owner: str,
    key: tuple[str, int],
    record: dict[str, Any],
    infra_error: bool,
    now: datetime,
) -> bool:
    """Store a trial's record if `owner` still holds its claim; False (nothing written) if not."""
    task_id, trial = key
    result = conn.execute(
        update(EVAL_TRIALS)
        .where(
            T.eval_id == eval_id,
            T.task_id == task_id,
            T.trial == trial,
            T.owner == owner,
            T.status == CLAIMED,
        )
        .values(status=DONE, record=record, infra_error=infra_error, lease_until=None, updated_at=now)
    )
    return int(result.rowcount) == 1


def release(conn: Connection, eval_id: str, owner: str, now: datetime) -> int:
    """Hand back every trial `owner` holds (a runner stopping early), for others to claim at once."""
    result = conn.execute(
        update(EVAL_TRIALS)
        .where(T.eval_id == eval_id, T.owner == owner, T.status == CLAIMED)
        .values(status=PENDING, owner=None, lease_until=None, updated_at=now)
    )
    return int(result.rowcount)


@dataclass(frozen=True)
class Remaining:
    """Trials not done yet, and how long until the first lease held by someone ends."""

    pending: int
    claimed: int
    next_expiry_s: float | None  # None: no claimed trial

    @property
    def total(self) -> int:
        return self.pending + self.claimed


def remaining(conn: Connection, eval_id: str) -> Remaining:
    """How much of the eval is left."""
    at = clock(conn)
    counts: dict[str, int] = dict(
        conn.execute(
            select(T.status, func.count()).where(T.eval_id == eval_id, T.status != DONE).group_by(T.status)
        ).all()
    )
    first = conn.execute(
        select(func.min(T.lease_until)).where(T.eval_id == eval_id, T.status == CLAIMED)
    ).scalar_one()
    return Remaining(
        pending=int(counts.get(PENDING, 0)),
        claimed=int(counts.get(CLAIMED, 0)),
        next_expiry_s=None if first is None else max(0.0, float(first) - at),
    )


def done_records(conn: Connection, eval_id: str) -> list[dict[str, Any]]:
    """The records of the finished trials, in suite order."""
    rows = conn.execute(
        select(T.record).where(T.eval_id == eval_id, T.status == DONE).order_by(T.position)
    ).scalars()
    return [r for r in rows if r is not None]


def eval_info(conn: Connection, eval_id: str) -> dict[str, Any] | None:
    """The eval's stored info (its `run.json`), or None for an unknown eval."""
    info: dict[str, Any] | None = conn.execute(select(R.info).where(R.id == eval_id)).scalar_one_or_none()
    return info
