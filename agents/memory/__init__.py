"""Persistent memory: sessions and durable runs in SQLite (default) or PostgreSQL.

store = await Store.open()                  # ~/.local/share/gemma-agents/store.db
head = await store.append("chat-1", [user("hi")])
history = (await store.history("chat-1")).messages
"""

from agents.memory._repair import repair_history
from agents.memory.errors import (
    NotAStore,
    RunConflict,
    SchemaTooNew,
    SessionConflict,
    StoreError,
    StoreUnavailable,
)
from agents.memory.history import HistoryPolicy, LastTurns, PolicyContext, Summarize, TokenBudget
from agents.memory.records import (
    Approve,
    Decision,
    Deny,
    Durability,
    Edit,
    RunEvent,
    RunRecord,
    RunStatus,
    RunWrite,
    RunWriteResult,
    SessionHistory,
    SessionInfo,
)
from agents.memory.store import Store

__all__ = [
    "Approve",
    "Decision",
    "Deny",
    "Durability",
    "Edit",
    "HistoryPolicy",
    "LastTurns",
    "NotAStore",
    "PolicyContext",
    "RunConflict",
    "RunEvent",
    "RunRecord",
    "RunStatus",
    "RunWrite",
    "RunWriteResult",
    "SchemaTooNew",
    "SessionConflict",
    "SessionHistory",
    "SessionInfo",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "Summarize",
    "TokenBudget",
    "repair_history",
]
