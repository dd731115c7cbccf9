"""Alembic migrations of the store, run by `Store.open` (see `agents.memory._migrate`)."""
