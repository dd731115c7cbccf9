"""Long-term memory: the memories table and its full-text index.

SQLite: an FTS5 table with external content (`memories_fts`, rowid = memories.n) kept in step
by triggers. PostgreSQL: a generated `tsv` column (`to_tsvector('simple', text)`) with a GIN
index, and `embedding` a pgvector `vector` when `CREATE EXTENSION vector` succeeds (it needs a
superuser, or the extension already made); otherwise `bytea`, scanned in Python.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from agents.memory._schema import UTCDateTime
from agents.memory._vectors import PgVector

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE memories_fts USING fts5(text, content='memories', content_rowid='n')",
    """CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, text) VALUES (new.n, new.text);
    END""",
    """CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.n, old.text);
    END""",
    """CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.n, old.text);
        INSERT INTO memories_fts(rowid, text) VALUES (new.n, new.text);
    END""",
]

_PG_FTS = [
    "ALTER TABLE memories ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX ix_memories_tsv ON memories USING gin (tsv)",
]


def _pgvector(bind: sa.Connection) -> bool:
    """Create the vector extension if this server and role allow it; a failure is undone alone."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS vector")
    except DBAPIError:
        return False
    return True


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    embedding: sa.types.TypeEngine[Any] = sa.LargeBinary()
    if postgres and _pgvector(bind):
        embedding = PgVector()
    op.create_table(
        "memories",
        sa.Column("n", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("embedding", embedding, nullable=True),
        sa.Column("embedding_model", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("n", name="pk_memories"),
        sa.UniqueConstraint("id", name="uq_memories_id"),
        sa.UniqueConstraint("namespace", "digest", name="uq_memories_namespace_digest"),
    )
    for statement in _PG_FTS if postgres else _SQLITE_FTS if bind.dialect.name == "sqlite" else []:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE memories_fts")
    op.drop_table("memories")
