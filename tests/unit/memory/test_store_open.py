"""Opening a store: URLs and paths, the default location, SQLite settings, several writers."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from agents.memory import Store, StoreError, StoreUnavailable
from agents.memory._backend import default_url, hide_password, normalize_url
from agents.messages import user


def test_paths_and_urls_normalise() -> None:
    assert normalize_url("/tmp/x/store.db").render_as_string() == "sqlite:////tmp/x/store.db"
    assert normalize_url(Path("rel.db")).database == str(Path("rel.db").absolute())
    assert normalize_url("/tmp/odd?name#1.db").database == "/tmp/odd?name#1.db"
    assert normalize_url("postgresql://u:p@h/db").drivername == "postgresql+asyncpg"
    pg = normalize_url("postgresql://postgres:@/postgres?host=/run/pg")
    assert (pg.drivername, pg.query["host"]) == ("postgresql+asyncpg", "/run/pg")
    assert normalize_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite+aiosqlite:///a.db").drivername == "sqlite+aiosqlite"


def test_the_default_store_lives_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GEMMA_AGENTS_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_url() == f"sqlite:///{tmp_path / 'xdg' / 'gemma-agents' / 'store.db'}"
    monkeypatch.setenv("GEMMA_AGENTS_DATA_DIR", str(tmp_path / "own"))
    assert default_url() == f"sqlite:///{tmp_path / 'own' / 'gemma-agents' / 'store.db'}"
    monkeypatch.delenv("GEMMA_AGENTS_DATA_DIR")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_url() == f"sqlite:///{tmp_path / 'home' / '.local/share/gemma-agents/store.db'}"


async def test_open_without_url_makes_the_default_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GEMMA_AGENTS_DATA_DIR", str(tmp_path))
    async with Store.open() as store:
        assert await store.append("s", [user("x")]) == 1
    assert (tmp_path / "gemma-agents" / "store.db").is_file()


def test_passwords_are_hidden() -> None:
    assert hide_password("postgresql://ann:s3cret@db.example/x") == "postgresql://ann:***@db.example/x"
    assert hide_password("postgresql://ann:s3cret@[::1/x") == "postgresql://ann:***@[::1/x"


@pytest.mark.parametrize("synchronous", ["NORMAL", "FULL"])
async def test_sqlite_settings(tmp_path: Path, synchronous: str) -> None:
    async with Store.open(tmp_path / "s.db", synchronous=synchronous) as store:  # type: ignore[arg-type]

        def pragmas(conn: object) -> tuple[object, ...]:
            raw = conn.connection.dbapi_connection  # type: ignore[attr-defined]
            return tuple(raw.execute(f"PRAGMA {p}").fetchone()[0] for p in
                         ("journal_mode", "synchronous", "busy_timeout", "foreign_keys"))  # fmt: skip

        got = await store._backend.read(pragmas)
    assert got == ("wal", {"NORMAL": 1, "FULL": 2}[synchronous], 30000, 1)


async def test_two_stores_on_one_file_write_without_locking_errors(tmp_path: Path) -> None:
    # Each store has its own worker thread and connection, like two processes.
    db = tmp_path / "s.db"
    async with Store.open(db) as a, Store.open(f"sqlite+aiosqlite:///{db}") as b:
        heads = await asyncio.gather(*(s.append("shared", [user("m"), user("m")]) for s in [a, b] * 25))
        assert sorted(heads) == list(range(2, 101, 2))
        assert (await b.history("shared")).head == 100
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(*) FROM messages").fetchone() == (100,)
    raw.close()


async def test_the_url_shown_hides_the_password(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "s.db") as store:
        assert store.url == f"sqlite:///{tmp_path / 's.db'}"
        assert store.dialect == "sqlite"
        assert repr(store) == f"Store('{store.url}')"


@pytest.mark.parametrize("driver", ["sqlite", "sqlite+aiosqlite"])
async def test_a_closed_store_says_so(tmp_path: Path, driver: str) -> None:
    store = await Store.open(f"{driver}:///{tmp_path / 's.db'}")
    await store.aclose()
    await store.aclose()
    with pytest.raises(StoreError, match="closed"):
        await store.append("s", [user("x")])


async def test_a_missing_postgres_database_is_unavailable(postgres_url: str) -> None:
    missing = postgres_url.replace("/t", "/nosuchdb_t", 1)
    assert missing != postgres_url
    with pytest.raises(StoreUnavailable, match="nosuchdb"):
        await Store.open(missing)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite://"])
async def test_an_in_memory_store_keeps_its_data_while_open(url: str) -> None:
    async with Store.open(url) as store:
        await store.append("s", [user("a")])
        assert await store.append("s", [user("b")]) == 2
        assert (await store.history("s")).head == 2


def test_an_async_store_used_from_another_event_loop_says_so(tmp_path: Path) -> None:
    async def open_and_append() -> Store:
        store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
        await store.append("s", [user("one")])
        return store

    store = asyncio.run(open_and_append())
    with pytest.raises(StoreError, match="another event loop"):
        asyncio.run(store.append("s", [user("two")]))
    asyncio.run(store.aclose())
