"""Persistent memory: sessions and durable runs in SQLite (default) or PostgreSQL.

store = await Store.open()                  # ~/.local/share/gemma-agents/store.db
head = await store.append("chat-1", [user("hi")])
history = (await store.history("chat-1")).messages
memory = Memory(store, "user:alice")      # long-term memory, see agents.memory.longterm
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
from agents.memory.longterm import Embedder, Memory, MemoryItem, OpenAIEmbedder, memory_tools
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
    "Embedder",
    "HistoryPolicy",
    "LastTurns",
    "Memory",
    "MemoryItem",
    "NotAStore",
    "OpenAIEmbedder",
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
    "memory_tools",
    "repair_history",
]
