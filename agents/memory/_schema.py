"""The tables, as SQLAlchemy 2.0 typed ORM classes on one shared `Base`.

Hot paths use the `__table__`s with Core statements (no per-row ORM objects); the classes
document the columns and give Alembic and later revisions (memories) one metadata to join.
Every revision in `migrations/versions` must leave the database equal to this metadata.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "EVAL_RUNS",
    "EVAL_TRIALS",
    "MEMORIES",
    "MESSAGES",
    "RUNS",
    "RUN_EVENTS",
    "SESSIONS",
    "Base",
    "EvalRunRow",
    "EvalTrialRow",
    "MemoryRow",
    "MessageRow",
    "RunEventRow",
    "RunRow",
    "SessionRow",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Shared by every store table; names constraints so migrations can refer to them."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UTCDateTime,
        str: String(255),
    }


class SessionRow(Base):
    """A conversation: `head` is the seq of its last message (0: none)."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(primary_key=True)
    head: Mapped[int]
    meta: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MessageRow(Base):
    """One message of a session at its place `seq` (1..head, gapless)."""

    __tablename__ = "messages"
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    run_id: Mapped[str | None]
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class RunRow(Base):
    """One agent run: its configuration, progress (checkpoint) and outcome."""

    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(index=True)
    agent: Mapped[str]
    status: Mapped[str] = mapped_column(String(16), index=True)
    config: Mapped[dict[str, Any]]
    checkpoint: Mapped[dict[str, Any]]
    output: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    start_head: Mapped[int]
    version: Mapped[int]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RunEventRow(Base):
    """One entry of a run's append-only log, `seq` 1.. per run."""

    __tablename__ = "run_events"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


def _table(cls: type[Base]) -> Table:
    t = cls.__table__
    assert isinstance(t, Table)
    return t


# The Core tables, for statements on the hot paths.
SESSIONS = _table(SessionRow)
MESSAGES = _table(MessageRow)
RUNS = _table(RunRow)
RUN_EVENTS = _table(RunEventRow)


class MemoryRow(Base):
    """One long-term memory (revision 0002). `n` is an integer key so that SQLite's FTS5 index
    (`memories_fts`, external content) can point at rows by a rowid VACUUM never renumbers; `id`
    is the public one. On PostgreSQL the migration adds a generated `tsv` column, and `embedding`
    is a pgvector `vector` when the extension could be created."""

    __tablename__ = "memories"
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    namespace: Mapped[str]
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None]
    __table_args__ = (UniqueConstraint("namespace", "digest", name="uq_memories_namespace_digest"),)


MEMORIES = _table(MemoryRow)


class EvalRunRow(Base):
    """One eval shared by several runner processes (revision 0003): what `run.json` holds for a
    run in a directory (suite, model, settings, task ids, fingerprint), as `info`. The `evals`
    package reads and writes these tables; the store only keeps them in its one schema."""

    __tablename__ = "eval_runs"
    id: Mapped[str] = mapped_column(primary_key=True)
    suite: Mapped[str]
    info: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class EvalTrialRow(Base):
    """One trial of a shared eval: pending, claimed by `owner` until `lease_until` (seconds since
    the epoch, by the database's clock on PostgreSQL), or done with its `record` (a TrialRecord)."""

    __tablename__ = "eval_trials"
    eval_id: Mapped[str] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[str] = mapped_column(primary_key=True)
    trial: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str | None]
    lease_until: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int]
    infra_error: Mapped[bool] = mapped_column(Boolean)
    record: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    updated_at: Mapped[datetime]
    # Claims scan one eval's claimable trials in suite order.
    __table_args__ = (Index("ix_eval_trials_claim", "eval_id", "status", "position"),)


EVAL_RUNS = _table(EvalRunRow)
EVAL_TRIALS = _table(EvalTrialRow)
