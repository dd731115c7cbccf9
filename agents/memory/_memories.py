"""Long-term memory's units of work: sync functions of a `Connection`, one transaction each
(run by `Backend.read`/`write`), every statement scoped to one namespace."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Integer,
    Row,
    Select,
    cast,
    column,
    delete,
    func,
    literal,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from agents.memory._schema import MEMORIES
from agents.memory._vectors import PgVector

__all__ = [
    "VectorKind",
    "delete_item",
    "get_items",
    "list_items",
    "save",
    "search_text",
    "search_vectors",
    "stored_vectors",
    "terms",
    "vector_kind",
]

VectorKind = Literal["bytes", "pgvector"]
"""How `memories.embedding` is stored: float32 bytes, or a pgvector column (PostgreSQL)."""

M = MEMORIES.c
ITEM = (M.id, M.namespace, M.text, M.meta, M.created_at)
_MAX_TERMS = 32
_WORD = re.compile(r"\w+")
_FTS = table("memories_fts", column("rowid", Integer))
_FTS_SELF: ColumnElement[Any] = literal_column("memories_fts")  # FTS5's hidden column named after the table
_TSV: ColumnElement[Any] = literal_column("memories.tsv")
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def terms(query: str) -> list[str]:
    """The query's words (letters, digits, underscores), lower-cased, first 32 distinct ones.

    Everything else (quotes, `*`, `-`, `:`, parentheses, NEAR, AND) is dropped here, so no text
    a user types is ever read as FTS5 or tsquery syntax.
    """
    return list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))[:_MAX_TERMS]


def vector_kind(conn: Connection) -> VectorKind:
    """What the migration made `memories.embedding`: pgvector only if the extension was there."""
    if conn.dialect.name != "postgresql":
        return "bytes"
    cols = table("columns", column("udt_name"), column("table_name"), column("column_name"),
                 column("table_schema"), schema="information_schema")  # fmt: skip
    udt = conn.execute(
        select(cols.c.udt_name).where(
            cols.c.table_name == "memories",
            cols.c.column_name == "embedding",
            cols.c.table_schema == func.current_schema(),
        )
    ).scalar()
    return "pgvector" if udt == "vector" else "bytes"


def _embedding_value(embedding: bytes | str | None, kind: VectorKind) -> Any:
    if embedding is None or kind == "bytes":
        return embedding
    return cast(literal(embedding), PgVector())


def save(
    conn: Connection,
    values: dict[str, Any],
    embedding: bytes | str | None,
    kind: VectorKind,
) -> tuple[Row[Any], bool]:
    """Insert a memory unless its (namespace, digest) is there; the stored row, and whether it is
    new. A duplicate keeps its text, meta and id; only a missing embedding is filled in."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(MEMORIES)
    if embedding is not None:  # a NULL would be bound as bytea, which a vector column refuses
        values = {**values, "embedding": _embedding_value(embedding, kind)}
    stmt = insert.values(**values).on_conflict_do_nothing(index_elements=["namespace", "digest"])
    created = conn.execute(stmt).rowcount == 1
    where = (M.namespace == values["namespace"], M.digest == values["digest"])
    stmt_row: Select[Any] = select(*ITEM).where(*where)
    row = conn.execute(stmt_row).one()
    if not created and embedding is not None:
        conn.execute(
            update(MEMORIES)
            .where(*where, M.embedding.is_(None))
            .values(embedding=_embedding_value(embedding, kind), embedding_model=values["embedding_model"])
        )
    return row, created


def search_text(conn: Connection, namespace: str, words: Sequence[str], limit: int) -> list[Row[Any]]:
    """Rows matching any of `words`, best first, with a `score` (higher is better): FTS5's bm25
    on SQLite, `ts_rank` on PostgreSQL."""
    if not words or limit < 1:
        return []
    if conn.dialect.name == "postgresql":
        # OR of one plainto_tsquery per word: the words are values, never query syntax.
        parts: list[ColumnElement[Any]] = [func.plainto_tsquery(_SIMPLE, w) for w in words]
        query = reduce(lambda a, b: a.op("||")(b), parts)
        rank: ColumnElement[float] = func.ts_rank(_TSV, query, type_=Float)
        stmt = (
            select(*ITEM, rank.label("score"))
            .where(M.namespace == namespace, _TSV.op("@@")(query))
            .order_by(rank.desc(), M.n.desc())
            .limit(limit)
        )
    else:
        # Each word a quoted FTS5 string: AND, NEAR, *, - and : inside quotes are plain text.
        match = " OR ".join(f'"{w}"' for w in words)
        bm25: ColumnElement[float] = func.bm25(_FTS_SELF, type_=Float)
        stmt = (
            select(*ITEM, (-bm25).label("score"))
            .select_from(_FTS.join(MEMORIES, M.n == _FTS.c.rowid))
            .where(_FTS_SELF.op("MATCH")(match), M.namespace == namespace)
            .order_by(bm25, M.n.desc())
            .limit(limit)
        )
    return list(conn.execute(stmt))


def search_vectors(
    conn: Connection, namespace: str, model: str, vector_text: str, limit: int
) -> list[tuple[str, float]]:
    """(id, cosine similarity) of the nearest stored vectors, by pgvector's `<=>` (cosine distance)."""
    distance = M.embedding.op("<=>", return_type=Float)(cast(literal(vector_text), PgVector()))
    stmt = (
        select(M.id, (1 - distance).label("score"))
        .where(
            M.namespace == namespace,
            M.embedding_model == model,
            M.embedding.is_not(None),
            distance < 1,  # similarity > 0: an orthogonal vector is no match
        )
        .order_by(distance)
        .limit(limit)
    )
    return [(r.id, float(r.score)) for r in conn.execute(stmt)]


def stored_vectors(conn: Connection, namespace: str, model: str) -> list[tuple[str, bytes]]:
    """Every (id, float32 bytes) of the namespace embedded by `model`: the input of a scan."""
    stmt = select(M.id, M.embedding).where(
        M.namespace == namespace, M.embedding_model == model, M.embedding.is_not(None)
    )
    return [(r.id, r.embedding) for r in conn.execute(stmt)]


def get_items(conn: Connection, namespace: str, ids: Sequence[str]) -> list[Row[Any]]:
    """The rows of `ids` in the namespace (any order)."""
    if not ids:
        return []
    return list(conn.execute(select(*ITEM).where(M.namespace == namespace, M.id.in_(ids))))


def list_items(conn: Connection, namespace: str, limit: int) -> list[Row[Any]]:
    """The namespace's rows, newest first."""
    return list(conn.execute(select(*ITEM).where(M.namespace == namespace).order_by(M.n.desc()).limit(limit)))


def delete_item(conn: Connection, namespace: str, item_id: str) -> bool:
    """Delete one row of the namespace; False if the namespace has no such id."""
    return conn.execute(delete(MEMORIES).where(M.namespace == namespace, M.id == item_id)).rowcount > 0
