"""The store's errors, under `agents.errors.AgentsError`.

StoreError
├── StoreUnavailable   the URL is malformed, or the server/file cannot be reached
├── NotAStore          the file or database holds something else; left untouched
├── SchemaTooNew       made by a newer gemma-agents; left untouched
├── SessionConflict    `expected_head` did not match the session's head
└── RunConflict        the run was advanced by another writer (or its id is taken)
"""

from __future__ import annotations

from tools.errors import AgentsError

__all__ = ["NotAStore", "RunConflict", "SchemaTooNew", "SessionConflict", "StoreError", "StoreUnavailable"]


class StoreError(AgentsError):
    """A store operation failed; the message says why and what to do."""


class StoreUnavailable(StoreError):
    """The store at `url` (password hidden) cannot be opened."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(
            f"Store {url} is unavailable: {reason}. Check the URL (a SQLAlchemy URL such as "
            "sqlite:///path/store.db or postgresql://user:pass@host/db, or a file path) and that the "
            "server is running and reachable."
        )


class NotAStore(StoreError):
    """The target exists but is not a gemma-agents store (another app's data, or a corrupt file)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(
            f"{url} is not a gemma-agents store: {reason}. It was left untouched; point the store at a "
            "new file or an empty database."
        )


class SchemaTooNew(StoreError):
    """The database's schema revision is unknown to this version of the code."""

    def __init__(self, url: str, revision: str, known: list[str]) -> None:
        self.url = url
        self.revision = revision
        super().__init__(
            f"Store {url} has schema revision {revision!r}, made by a newer gemma-agents "
            f"(this one knows {', '.join(known) or 'none'}). It was left untouched; upgrade the package."
        )


class SessionConflict(StoreError):
    """An append expected the session's head at `expected`, but it was at `actual`."""

    def __init__(self, session_id: str, expected: int, actual: int) -> None:
        self.session_id = session_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"Session {session_id!r}: expected head {expected}, found {actual}; another writer appended "
            "first. Nothing was written; reload the history and retry."
        )


class RunConflict(StoreError):
    """A run write expected `expected` as the run's version, but found `actual` (None: id taken)."""

    def __init__(self, run_id: str, expected: int | None, actual: int | None) -> None:
        self.run_id = run_id
        self.expected = expected
        self.actual = actual
        if expected is None:
            msg = f"Run {run_id!r} already exists; pick a new run id."
        else:
            msg = (
                f"Run {run_id!r}: expected version {expected}, found {actual}; another writer advanced "
                "the run (a cancelled or stale worker?). Nothing was written; reload the run."
            )
        super().__init__(msg)
