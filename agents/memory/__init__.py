"""Sessions, durable runs and long-term memory (issue #10); this branch adds the history policies."""

from agents.memory.history import HistoryPolicy, LastTurns, PolicyContext, Summarize, TokenBudget

__all__ = ["HistoryPolicy", "LastTurns", "PolicyContext", "Summarize", "TokenBudget"]
