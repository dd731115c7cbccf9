"""Bring a database to the code's schema with Alembic, or refuse it untouched.

Refusals come before any write: a file that is not SQLite, a database holding other tables and
no `alembic_version` (`NotAStore`), or a revision this code does not know (`SchemaTooNew`).
SQLite files are checked read-only with the plain driver first, because opening them through
the store's engine would switch them to WAL (a write).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, func, inspect, select, table

from agents.memory.errors import NotAStore, SchemaTooNew, StoreUnavailable

__all__ = ["check_sqlite_file", "known_revisions", "migrate"]

_MIGRATIONS = Path(__file__).parent / "migrations"
_SQLITE_HEADER = b"SQLite format 3\x00"
_PG_LOCK_KEY = 0x6A656D6D61  # one store migration at a time per PostgreSQL database


def alembic_config(conn: Connection | None = None) -> Config:
    """An Alembic config for the package's migrations, bound to `conn` when given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@cache
def known_revisions() -> frozenset[str]:
    """Every revision id shipped with this code."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(s.revision for s in script.walk_revisions())


@cache
def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _verdict(shown_url: str, tables: set[str], versions: Iterable[str]) -> None:
    if "alembic_version" in tables:
        unknown = [v for v in versions if v not in known_revisions()]
        if unknown:
            raise SchemaTooNew(shown_url, unknown[0], sorted(known_revisions()))
    elif tables:
        listed = ", ".join(sorted(tables)[:5])
        raise NotAStore(shown_url, f"it holds other tables ({listed}) and no alembic_version")


def check_sqlite_file(path: Path, shown_url: str) -> None:
    """Refuse a file that is not a store, read-only; make the parent folder for a new one."""
    if not path.exists() or path.stat().st_size == 0:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(shown_url, f"cannot create {path.parent} ({e})") from None
        return
    try:
        with path.open("rb") as f:
            header = f.read(len(_SQLITE_HEADER))
    except OSError as e:
        raise StoreUnavailable(shown_url, f"cannot read {path} ({e})") from None
    if header != _SQLITE_HEADER:
        raise NotAStore(shown_url, "the file is not a SQLite database")
    # immutable: no -wal/-shm files made; only when no writer has a WAL open (then those exist).
    immutable = "" if Path(f"{path}-wal").exists() else "&immutable=1"
    try:
        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro{immutable}", uri=True)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            versions: list[str] = []
            if "alembic_version" in tables:
                versions = [r[0] for r in db.execute("SELECT version_num FROM alembic_version")]
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise NotAStore(shown_url, f"SQLite cannot read it ({e})") from None
    _verdict(shown_url, tables - {"sqlite_sequence"}, versions)


def migrate(conn: Connection, shown_url: str, upgrade: bool) -> None:
    """Check the database in `conn`'s transaction, then upgrade it to head (if `upgrade`)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    tables = set(inspect(conn).get_table_names())
    versions: list[str] = []
    if "alembic_version" in tables:
        versions = list(
            conn.execute(select(column("version_num")).select_from(table("alembic_version"))).scalars()
        )
    _verdict(shown_url, tables - {"sqlite_sequence"}, versions)
    if upgrade and versions != [head_revision()]:
        command.upgrade(alembic_config(conn), "head")
