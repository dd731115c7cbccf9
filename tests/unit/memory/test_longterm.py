"""Long-term memory on SQLite (worker thread and aiosqlite) and PostgreSQL, with pgvector and
without it (a role that may not create the extension, as on many managed servers)."""

import hashlib
import itertools
import json
import math
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import pytest_asyncio
from alembic import command
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from agents.errors import ModelHTTPError, ModelResponseError, ModelUnreachable
from agents.memory import Embedder, Memory, MemoryItem, OpenAIEmbedder, Store, memory_tools
from agents.memory._migrate import alembic_config
from agents.memory._schema import SESSIONS
from agents.memory._vectors import normalise
from tools import RunContext, ToolCall

_roles = itertools.count(1)


def _no_superuser(server: Any, url: str) -> str:
    """`url` for a new role that owns the database but may not CREATE EXTENSION vector."""
    role = f"app{next(_roles)}"
    db = make_url(url).database
    server.psql(f"CREATE ROLE {role} LOGIN NOSUPERUSER; ALTER DATABASE {db} OWNER TO {role};")
    return make_url(url).set(username=role).render_as_string(hide_password=False)


@pytest_asyncio.fixture(
    loop_scope="function", params=["sqlite", "sqlite+aiosqlite", "postgresql", "postgresql-no-pgvector"]
)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param.startswith("postgresql"):
        url = request.getfixturevalue("postgres_url")
        if request.param == "postgresql-no-pgvector":
            url = _no_superuser(request.getfixturevalue("postgres_server"), url)
    else:
        url = f"{request.param}:///{tmp_path / 'store.db'}"
    s = await Store.open(url)
    yield s
    await s.aclose()


class BagOfWords:
    """A deterministic fake embedder: each word (after a tiny synonym table) hashed into one of
    1024 dimensions. Texts sharing words, or synonyms, point the same way."""

    SYNONYMS: ClassVar[dict[str, str]] = {"automobile": "car", "vehicle": "car", "beverage": "drink"}

    def __init__(self, name: str = "bag-of-words") -> None:
        self.name = name
        self.calls: list[list[str]] = []

    async def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        vectors = []
        for t in texts:
            v = [0.0] * 1024
            for w in re.findall(r"\w+", t.lower()):
                w = self.SYNONYMS.get(w, w)
                v[int.from_bytes(hashlib.sha256(w.encode()).digest()[:4], "big") % 1024] += 1.0
            vectors.append(v)
        return vectors


def _texts(items: list[MemoryItem]) -> list[str]:
    return [i.text for i in items]


async def test_recall_ranks_the_best_match_first(store: Store) -> None:
    memory = Memory(store, "user:alice")
    await memory.remember("Alice lives in Lisbon")
    await memory.remember("Alice drinks green tea every morning, tea with no sugar")
    await memory.remember("Bob repairs bicycles")
    await memory.remember("The office kettle makes tea slowly")

    found = await memory.recall("green tea")
    assert _texts(found)[0] == "Alice drinks green tea every morning, tea with no sugar"
    assert set(_texts(found)) == {found[0].text, "The office kettle makes tea slowly"}
    assert all(i.score is not None for i in found)
    assert [i.score for i in found] == sorted((i.score or 0.0 for i in found), reverse=True)
    assert _texts(await memory.recall("bicycles", limit=1)) == ["Bob repairs bicycles"]
    assert await memory.recall("submarine") == []
    assert len(await memory.recall("tea", limit=1)) == 1


async def test_every_query_is_scoped_to_its_namespace(store: Store) -> None:
    alice, bob = Memory(store, "user:alice"), Memory(store, "user:bob")
    a = await alice.remember("likes jazz records")
    await bob.remember("likes metal records")

    assert _texts(await alice.recall("records")) == ["likes jazz records"]
    assert _texts(await bob.recall("jazz")) == []
    assert _texts(await bob.items()) == ["likes metal records"]
    assert await bob.forget(a.id) is False
    assert _texts(await alice.items()) == ["likes jazz records"]


async def test_a_duplicate_returns_the_original_and_never_overwrites_it(store: Store) -> None:
    alice, bob = Memory(store, "user:alice"), Memory(store, "user:bob")
    first = await alice.remember("allergic to peanuts", meta={"source": "chat-1"})
    again = await alice.remember("allergic to peanuts", meta={"source": "chat-2"})
    assert again == first
    assert again.meta == {"source": "chat-1"}
    assert len(await alice.items()) == 1
    # Case or spacing differs: a different text, kept as its own item.
    assert (await alice.remember("Allergic to peanuts")).id != first.id

    theirs = await bob.remember("allergic to peanuts")
    assert theirs.id != first.id and theirs.namespace == "user:bob"
    assert await bob.forget(theirs.id) is True
    assert await bob.forget(theirs.id) is False
    assert (await alice.recall("peanuts", limit=5))[-1].id == first.id
    assert first.id in {i.id for i in await alice.items()}


HOSTILE = [
    *['"', '"tea', "tea*", "*", "NEAR(tea coffee", "NEAR(", "-tea", "-", "text:tea", ":", "tea AND"],
    *["OR", "NOT tea", "(tea", "tea)", "^tea", "'tea'", "tea & coffee | !milk", "<->", "", "   "],
    *["_", "__init__", "tea_", "\\", "%", "tea;--", "{tea}", "[tea]", "tea\x00"],
]


async def test_queries_with_search_syntax_are_plain_words(store: Store) -> None:
    memory = Memory(store, "user:alice")
    await memory.remember("tea and coffee, no milk")
    await memory.remember("a cake with text: on it")
    for query in HOSTILE:
        found = await memory.recall(query)
        assert isinstance(found, list), query
        words = re.findall(r"\w+", query.lower())
        if "tea" in words:
            assert "tea and coffee, no milk" in _texts(found), query
        if not words:
            assert found == [], query


async def test_semantic_recall_finds_meaning_the_words_miss(store: Store) -> None:
    embedder = BagOfWords()
    memory = Memory(store, "user:alice", embedder=embedder)
    car = await memory.remember("my car is a red hatchback")
    await memory.remember("the garden has three apple trees")
    await memory.remember("lunch is at noon")

    assert await Memory(store, "user:alice").recall("automobile") == []  # no shared word
    found = await memory.recall("automobile")
    assert found[0].id == car.id
    assert found[0].score is not None and found[0].score > 0
    # Both rankings agree here: words and meaning put the same item first.
    assert (await memory.recall("apple trees"))[0].text == "the garden has three apple trees"
    # Another namespace's vectors are not searched.
    assert await Memory(store, "user:bob", embedder=embedder).recall("automobile") == []
    # Vectors of another model are never compared with this one's.
    assert (await Memory(store, "user:alice", embedder=BagOfWords("other")).recall("automobile")) == []

    expected = "pgvector" if store.url.startswith("postgresql") and "app" not in store.url else "bytes"
    assert memory._kind == expected


async def test_a_duplicate_fills_in_a_missing_embedding(store: Store) -> None:
    plain = await Memory(store, "n").remember("the vehicle is parked outside")
    again = await Memory(store, "n", embedder=BagOfWords()).remember("the vehicle is parked outside")
    assert again == plain
    found = await Memory(store, "n", embedder=BagOfWords()).recall("automobile")
    assert [i.id for i in found] == [plain.id]


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.hypot(*a) / math.hypot(*b)


async def test_the_vector_scan_scores_cosine_similarity(tmp_path: Path) -> None:
    embedder = BagOfWords()
    async with await Store.open(tmp_path / "s.db") as store:
        memory = Memory(store, "n", embedder=embedder)
        for text in ["red car", "red apple", "blue sky"]:
            await memory.remember(text)
        (query,) = await embedder.embed(["red car fast"])
        scores = await memory._nearest(normalise(query), 3)  # one ranking alone, before fusion
        assert len(scores) == 2  # "blue sky" shares no word: similarity 0, no match
        for item_id, score in scores:
            (text,) = [i.text for i in await memory.items() if i.id == item_id]
            (vector,) = await embedder.embed([text])
            assert score == pytest.approx(_cosine(query, vector), abs=1e-6)


def _transport(handler: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def test_openai_embedder_speaks_the_embeddings_api() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url == "http://embed.test/v1/embeddings"
        body = json.loads(request.content)
        seen.append(body)
        data = [{"embedding": [float(i), 1.0], "index": i} for i in range(len(body["input"]))]
        return httpx.Response(200, json={"data": list(reversed(data)), "model": body["model"]})

    async with _transport(handler) as client:
        embedder = OpenAIEmbedder("http://embed.test", "e5-small", client=client)
        assert isinstance(embedder, Embedder) and embedder.name == "e5-small"
        assert await embedder.embed(["a", "b", "c"]) == [[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]
        assert await embedder.embed([]) == []
    assert seen == [{"model": "e5-small", "input": ["a", "b", "c"]}]


@pytest.mark.parametrize(
    ("response", "error", "match"),
    [
        (httpx.Response(404, json={"error": {"message": "model x not found"}}), ModelHTTPError, "model x"),
        (httpx.Response(200, json={"object": "list"}), ModelResponseError, "OpenAI shape"),
        (httpx.Response(200, text="not json"), ModelResponseError, "OpenAI shape"),
        (httpx.Response(200, json={"data": [{"embedding": [1.0], "index": 0}]}), ModelResponseError, "1 emb"),
    ],
    ids=["http-404", "no-data", "not-json", "too-few"],
)
async def test_openai_embedder_errors_say_what_went_wrong(
    response: httpx.Response, error: type[Exception], match: str
) -> None:
    async with _transport(lambda request: response) as client:
        with pytest.raises(error, match=match):
            await OpenAIEmbedder("http://embed.test/v1", "m", client=client).embed(["a", "b"])


async def test_openai_embedder_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with _transport(refuse) as client:
        with pytest.raises(ModelUnreachable, match=r"embed\.test"):
            await OpenAIEmbedder("http://embed.test", "m", client=client).embed(["a"])


async def test_memory_tools_through_the_toolset(store: Store) -> None:
    memory = Memory(store, "agent:support")
    toolset = memory_tools(memory)
    assert {t.name: t.effect for t in toolset} == {
        "remember": "idempotent",
        "recall": "read_only",
        "forget": "idempotent",
    }
    assert all(t.description for t in toolset)
    ctx = RunContext(deps=None)
    calls = [
        ToolCall("1", "remember", {"text": "customer 42 prefers email"}),
        ToolCall("2", "remember", {"text": "customer 42 prefers email"}),
    ]
    first, second = await toolset.run_calls(calls, ctx)
    assert first.status == "ok" and second.status == "ok"
    (item,) = await memory.items()
    assert {first.content, second.content} == {
        f"Remembered (id {item.id}).",
        f"Already remembered (id {item.id}).",
    }

    (found,) = await toolset.run_calls(
        [ToolCall("3", "recall", {"query": "how to contact customer 42?"})], ctx
    )
    assert found.content == f"[{item.id}] customer 42 prefers email"
    (gone,) = await toolset.run_calls([ToolCall("4", "forget", {"id": item.id})], ctx)
    assert gone.content == f"Forgot {item.id}."
    (again,) = await toolset.run_calls([ToolCall("5", "forget", {"id": item.id})], ctx)
    assert again.status == "ok" and "No memory" in again.content
    (none,) = await toolset.run_calls([ToolCall("6", "recall", {"query": "email", "limit": 3})], ctx)
    assert none.content == "No memories match."


def _make_0001(conn: Any) -> None:
    command.upgrade(alembic_config(conn), "0001")
    conn.execute(insert(SESSIONS).values(id="kept", head=0, meta={"k": 1}, created_at=_T, updated_at=_T))


_T = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_0001_database_gains_memories_in_place(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        engine = create_engine(url)
        with engine.begin() as conn:
            _make_0001(conn)
        engine.dispose()
    else:
        url = request.getfixturevalue("postgres_url")
        aengine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
        async with aengine.begin() as aconn:
            await aconn.run_sync(_make_0001)
        await aengine.dispose()

    async with await Store.open(url) as store:
        assert await store.get_meta("kept") == {"k": 1}
        memory = Memory(store, "user:alice", embedder=BagOfWords())
        item = await memory.remember("migrated databases remember too")
        assert [i.id for i in await memory.recall("migrated")] == [item.id]
        assert [i.id for i in await memory.recall("databases remember")] == [item.id]


async def test_the_text_index_follows_forget_and_survives_vacuum(tmp_path: Path) -> None:
    # The FTS5 index points at memories.n, an INTEGER PRIMARY KEY: VACUUM renumbers plain rowids.
    async with await Store.open(tmp_path / "s.db") as store:
        memory = Memory(store, "n")
        items = [await memory.remember(f"note {i} about {'tea' if i % 2 else 'coffee'}") for i in range(40)]
        for item in items[:30]:
            assert await memory.forget(item.id)
    raw = sqlite3.connect(tmp_path / "s.db")
    raw.execute("VACUUM")
    raw.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    raw.close()
    async with await Store.open(tmp_path / "s.db") as store:
        memory = Memory(store, "n")
        found = await memory.recall("tea", limit=50)
        assert sorted(i.id for i in found) == sorted(i.id for i in items[30:] if "tea" in i.text)
        assert all("tea" in i.text for i in found)
