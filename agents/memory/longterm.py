"""Long-term memory: facts kept across sessions, per namespace, found again by words or meaning.

memory = Memory(store, "user:alice")
await memory.remember("Alice prefers tea to coffee")
[item.text for item in await memory.recall("what does alice drink?")]

Search by words is the database's own full-text index: FTS5 with bm25 on SQLite, a `tsvector`
with `ts_rank` on PostgreSQL. With an `Embedder`, recall also ranks by meaning (cosine similarity
of embeddings) and fuses both rankings (reciprocal rank fusion). On PostgreSQL with pgvector the
nearest vectors come from the `<=>` operator; elsewhere recall scans the namespace's vectors in
Python (fine for thousands of memories per namespace, linear in their number). sqlite-vec is not
used: this Python's sqlite3 often cannot load extensions (`SQLITE_CAN_LOAD_EXTENSIONS` tells),
and the scan needs none.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from agents.memory import _memories
from agents.memory._embeddings import Embedder, OpenAIEmbedder
from agents.memory._memories import VectorKind
from agents.memory._vectors import dot, normalise, pack, pg_text, unpack
from agents.memory.errors import StoreError
from agents.memory.store import Store
from tools import Tool, Toolset

__all__ = ["SQLITE_CAN_LOAD_EXTENSIONS", "Embedder", "Memory", "MemoryItem", "OpenAIEmbedder", "memory_tools"]

SQLITE_CAN_LOAD_EXTENSIONS = hasattr(sqlite3.Connection, "enable_load_extension")
"""Whether this Python's sqlite3 can load extensions such as sqlite-vec (often not); unused."""

_RRF_K = 60  # reciprocal rank fusion's usual constant: damps the weight of the very first ranks


@dataclass(frozen=True)
class MemoryItem:
    """One remembered text. `score` is set by `recall` (higher is better; comparable only within
    one result list): -bm25 (SQLite) or ts_rank (PostgreSQL) without an embedder, the fused
    reciprocal-rank score with one."""

    id: str
    namespace: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    score: float | None = None


def _item(row: Row[Any], score: float | None = None) -> MemoryItem:
    return MemoryItem(row.id, row.namespace, row.text, dict(row.meta or {}), row.created_at, score)


def _digest(namespace: str, text: str) -> str:
    return hashlib.sha256(f"{namespace}\x00{text}".encode()).hexdigest()


class Memory:
    """The memories of one namespace (`"user:alice"`, `"agent:support"`) in a `Store`.

    Every read and write is scoped to the namespace: another namespace's items are never found,
    listed or forgotten through this object. With `embedder`, remembered texts are embedded and
    `recall` ranks by meaning as well as by words (see the module docstring).
    """

    def __init__(self, store: Store, namespace: str = "default", *, embedder: Embedder | None = None) -> None:
        if not namespace or len(namespace) > 255:
            raise StoreError(
                f"A memory namespace must be 1 to 255 characters, not {namespace!r}; use e.g. 'user:alice'."
            )
        self.store = store
        self.namespace = namespace
        self.embedder = embedder
        self._kind: VectorKind | None = None

    def __repr__(self) -> str:
        return f"Memory({self.store!r}, {self.namespace!r})"

    async def _vector_kind(self) -> VectorKind:
        if self._kind is not None:
            return self._kind
        kind: VectorKind = await self.store._backend.read(_memories.vector_kind)
        self._kind = kind
        return kind

    async def _embed(self, texts: list[str]) -> list[list[float]]:
        assert self.embedder is not None
        vectors = await self.embedder.embed(texts)
        if len(vectors) != len(texts):
            raise StoreError(
                f"Embedder {self.embedder.name!r} returned {len(vectors)} vectors for {len(texts)} texts; "
                "an embedder must return one vector per text."
            )
        return [normalise(v) for v in vectors]

    async def remember(self, text: str, *, meta: dict[str, Any] | None = None) -> MemoryItem:
        """Keep `text` (and JSON `meta`). Remembering the exact same text again in this namespace
        returns the item already kept: its id, meta and date; nothing is overwritten."""
        item, _ = await self._save(text, meta)
        return item

    async def _save(self, text: str, meta: dict[str, Any] | None) -> tuple[MemoryItem, bool]:
        if not text.strip():
            raise StoreError("Cannot remember an empty text; pass the fact to keep.")
        kind = await self._vector_kind()
        embedding: bytes | str | None = None
        if self.embedder is not None:
            (vector,) = await self._embed([text])
            embedding = pg_text(vector) if kind == "pgvector" else pack(vector)
        values = {
            "id": uuid.uuid4().hex,
            "namespace": self.namespace,
            "text": text,
            "meta": meta or {},
            "digest": _digest(self.namespace, text),
            "created_at": datetime.now(UTC),
            "embedding_model": self.embedder.name if self.embedder is not None else None,
        }
        row, created = await self.store._backend.write(_memories.save, values, embedding, kind)
        return _item(row), created

    async def recall(self, query: str, *, limit: int = 5) -> list[MemoryItem]:
        """The `limit` items that best match `query`, best first ([] when nothing matches).

        Any text is a safe query: it is split into words, and an item matches if it holds any
        of them (ranked by bm25 / ts_rank). With an embedder, items whose vector has a positive
        cosine similarity to the query's are ranked by it too, and the two rankings are fused.
        """
        if limit < 1:
            return []
        words = _memories.terms(query)
        backend = self.store._backend
        if self.embedder is None:
            rows = await backend.read(_memories.search_text, self.namespace, words, limit)
            return [_item(r, float(r.score)) for r in rows]
        (vector,) = await self._embed([query])
        pool = max(limit * 4, 20)  # candidates per ranking before fusion
        by_words = await backend.read(_memories.search_text, self.namespace, words, pool)
        by_meaning = await self._nearest(vector, pool)
        fused: dict[str, float] = {}
        for ranking in ([r.id for r in by_words], [i for i, _ in by_meaning]):
            for rank, item_id in enumerate(ranking):
                fused[item_id] = fused.get(item_id, 0.0) + 1.0 / (_RRF_K + rank + 1)
        best = heapq.nlargest(limit, fused.items(), key=lambda kv: kv[1])
        found = {r.id: r for r in by_words}
        missing = [i for i, _ in best if i not in found]
        found.update({r.id: r for r in await backend.read(_memories.get_items, self.namespace, missing)})
        return [_item(found[i], score) for i, score in best if i in found]

    async def _nearest(self, vector: list[float], limit: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the closest stored vectors of this embedder's model."""
        assert self.embedder is not None
        backend, model = self.store._backend, self.embedder.name
        if await self._vector_kind() == "pgvector":
            return await backend.read(_memories.search_vectors, self.namespace, model, pg_text(vector), limit)
        stored = await backend.read(_memories.stored_vectors, self.namespace, model)
        # A linear scan; off the event loop, as it is pure Python arithmetic.
        return await asyncio.to_thread(_scan, vector, stored, limit)

    async def forget(self, item_id: str) -> bool:
        """Delete the item `item_id` of this namespace; False if this namespace has none."""
        return await self.store._backend.write(_memories.delete_item, self.namespace, item_id)

    async def items(self, *, limit: int = 100) -> list[MemoryItem]:
        """The namespace's items, newest first."""
        rows = await self.store._backend.read(_memories.list_items, self.namespace, limit)
        return [_item(r) for r in rows]


def _scan(vector: list[float], stored: list[tuple[str, bytes]], limit: int) -> list[tuple[str, float]]:
    size = 4 * len(vector)
    scored = [(item_id, dot(vector, unpack(data))) for item_id, data in stored if len(data) == size]
    return heapq.nlargest(limit, [p for p in scored if p[1] > 0], key=lambda pair: pair[1])


def memory_tools(memory: Memory) -> Toolset:
    """Tools `remember`, `recall` and `forget` over `memory`, for an agent to keep facts across
    conversations. `remember` and `forget` are idempotent (a repeat changes nothing), `recall`
    is read-only."""

    async def remember(text: str) -> str:
        """Save a fact to long-term memory, to be recalled in later conversations. Saving the same
        text again changes nothing.

        Args:
            text: One self-contained fact, e.g. "Alice's order number is 1234".
        """
        item, created = await memory._save(text, None)
        return f"Remembered (id {item.id})." if created else f"Already remembered (id {item.id})."

    async def recall(query: str, limit: int = 5) -> str:
        """Search long-term memory for facts saved earlier.

        Args:
            query: What to look for, in plain words.
            limit: The most facts to return.
        """
        found = await memory.recall(query, limit=max(1, min(limit, 50)))
        if not found:
            return "No memories match."
        return "\n".join(f"[{item.id}] {item.text}" for item in found)

    async def forget(id: str) -> str:
        """Delete a fact from long-term memory.

        Args:
            id: The fact's id, as `recall` shows it in brackets.
        """
        if await memory.forget(id):
            return f"Forgot {id}."
        return f"No memory with id {id}; recall shows the ids."

    return Toolset(
        [
            Tool.from_function(remember, effect="idempotent"),
            Tool.from_function(recall, effect="read_only"),
            Tool.from_function(forget, effect="idempotent"),
        ]
    )
