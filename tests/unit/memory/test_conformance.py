"""The store conformance suite on every shipped backend: SQLite on the worker thread,
SQLite through aiosqlite, and a real PostgreSQL (asyncpg)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agents.memory import Store
from agents.memory.conformance import *  # noqa: F403


@pytest_asyncio.fixture(loop_scope="function", params=["sqlite", "sqlite+aiosqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"{request.param}:///{tmp_path / 'store.db'}"
    s = await Store.open(url)
    assert s.dialect == request.param.split("+")[0]
    yield s
    await s.aclose()
