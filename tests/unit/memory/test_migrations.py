"""Opening databases: migrating old ones in place, refusing foreign or newer ones untouched."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, insert
from sqlalchemy.ext.asyncio import create_async_engine

from agents.memory import NotAStore, SchemaTooNew, Store, StoreUnavailable
from agents.memory._codec import dump_messages
from agents.memory._migrate import alembic_config
from agents.memory._schema import MESSAGES, SESSIONS, Base
from agents.messages import user


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _files(tmp_path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir())}


async def test_a_0001_database_is_upgraded_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        ((role, data),) = dump_messages([user("from 0001")])
        t = datetime(2026, 1, 1, tzinfo=UTC)
        conn.execute(insert(SESSIONS).values(id="s", head=1, meta={"k": 1}, created_at=t, updated_at=t))
        conn.execute(
            insert(MESSAGES).values(session_id="s", seq=1, role=role, run_id=None, data=data, created_at=t)
        )
    engine.dispose()

    async with await Store.open(db) as store:
        history = await store.history("s")
        assert [m.text for m in history.messages if hasattr(m, "text")] == ["from 0001"]
        assert await store.get_meta("s") == {"k": 1}
        assert await store.append("s", [user("new")]) == 2
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]


async def test_the_migrations_build_exactly_the_schema(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    await (await Store.open(db)).aclose()
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        # Tables the metadata does not declare (SQLite's FTS shadow tables) are not compared.
        def declared(obj: object, name: str, kind: str, reflected: bool, other: object) -> bool:
            return not (kind == "table" and reflected and other is None)

        opts = {"include_object": declared}
        assert compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata) == []
    engine.dispose()


async def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    async with await Store.open(db) as store:
        await store.append("s", [user("x")])
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.close()
    before = _files(tmp_path)
    with pytest.raises(SchemaTooNew, match=r"9999.*upgrade the package"):
        await Store.open(db)
    assert _files(tmp_path) == before


@pytest.mark.parametrize(
    "content",
    [b"just some text\n", b"SQLite format 3\x00" + bytes(range(256)) * 8],
    ids=["text", "corrupt-sqlite"],
)
async def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(content)
    with pytest.raises(NotAStore, match="left untouched"):
        await Store.open(db)
    assert _files(tmp_path) == {"notes.db": content}


async def test_another_apps_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        raw.execute("INSERT INTO users (name) VALUES ('ann')")
    raw.close()
    before = _files(tmp_path)
    with pytest.raises(NotAStore, match="users"):
        await Store.open(f"sqlite+aiosqlite:///{db}")
    with pytest.raises(NotAStore, match="users"):
        await Store.open(db)
    assert _files(tmp_path) == before


async def _pg_execute(url: str, sql: str) -> None:
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.begin() as conn:
        await conn.exec_driver_sql(sql)
    await engine.dispose()


async def test_another_apps_postgres_database_is_refused(postgres_url: str) -> None:
    await _pg_execute(postgres_url, "CREATE TABLE users (id int)")
    with pytest.raises(NotAStore, match="users"):
        await Store.open(postgres_url)


async def test_a_newer_postgres_schema_is_refused(postgres_url: str) -> None:
    async with await Store.open(postgres_url) as store:
        assert store.dialect == "postgresql"
        await store.append("s", [user("x")])
    await _pg_execute(postgres_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaTooNew, match="9999"):
        await Store.open(postgres_url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ann:s3cret@127.0.0.1:1/db",
        "nosuchdb://ann:s3cret@host/db",
        "postgresql://ann:s3cret@[::1/db",
    ],
    ids=["unreachable", "unknown-dialect", "malformed"],
)
async def test_an_unreachable_or_malformed_url_is_unavailable_with_the_password_hidden(url: str) -> None:
    with pytest.raises(StoreUnavailable) as info:
        await Store.open(url)
    assert "s3cret" not in str(info.value)
    assert "ann" in str(info.value)


async def test_a_path_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot create"):
        await Store.open(tmp_path / "file" / "store.db")
