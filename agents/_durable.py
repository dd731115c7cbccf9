"""Sessions and durable runs for `Agent`: load a session into a run, give the run its journal,
and rebuild a stored run so that it can go on (`Agent.resume`)."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from agents.errors import ConfigError
from agents.messages import AssistantMessage, Message

if TYPE_CHECKING:
    from agents._run import RunState
    from agents.memory import HistoryPolicy, RunRecord, Store

# The journal (agents._journal) and the rebuilding of unfinished calls (agents._resume) are
# imported by the functions that use them: an agent without a store never needs either.

log = logging.getLogger(__name__)

Durability = Literal["event", "step", "end"]
"""When a durable run writes: every event, every step, or only at its end (see agents._journal)."""
DURABILITY: tuple[Durability, ...] = ("event", "step", "end")


class StoreHandle:
    """The agent's store: a `Store` given as it is, or a URL opened once per event loop."""

    def __init__(self, store: Store | str | os.PathLike[str] | None) -> None:
        self._given: Store | None = None
        self._url: str | None = None
        if isinstance(store, str | os.PathLike):
            self._url = os.fspath(store)
        elif store is not None:
            # Imported only for a store object: agents.memory brings SQLAlchemy and Alembic
            # (about half a second and 30 MB), which an agent without a store never needs.
            from agents.memory import Store

            self._given = store if isinstance(store, Store) else None
            self._url = None if isinstance(store, Store) else os.fspath(store)
        self._opened: dict[asyncio.AbstractEventLoop, Store] = {}

    @property
    def configured(self) -> bool:
        return self._given is not None or self._url is not None

    async def get(self) -> Store | None:
        if self._given is not None or self._url is None:
            return self._given
        from agents.memory import Store

        loop = asyncio.get_running_loop()
        if loop not in self._opened:
            self._opened[loop] = await Store.open(self._url)
        return self._opened[loop]

    async def aclose(self) -> None:
        """Close the store this loop opened from a URL (a `Store` given is the caller's to close)."""
        opened = self._opened.pop(asyncio.get_running_loop(), None)
        if opened is not None:
            await opened.aclose()


@dataclass(frozen=True)
class Durable:
    """How an agent's runs use its store."""

    handle: StoreHandle
    durability: Durability
    history: HistoryPolicy | None
    agent: str


async def attach(state: RunState[Any], d: Durable, session: str | None) -> None:
    """Put the session's history before the run's messages, and give the run its journal."""
    store = await d.handle.get()
    if store is None:
        if session is not None:
            raise ConfigError(
                "session= needs a store: Agent(..., store=Store.open(...) or a database URL/path)."
            )
        return
    from agents._journal import Journal, run_config
    from agents.memory import RunRecord, SessionHistory

    if session is not None and state.new_from:
        raise ConfigError("Pass session= or message_history=, not both: the session holds the history.")
    session_id = session if session is not None else f"run:{state.run_id}"
    # A run's own session is new: nothing to read (one transaction fewer per run).
    loaded = await store.history(session_id) if session is not None else SessionHistory([], 0)
    history: list[Message] = loaded.messages
    if d.history is not None and history:
        history = await _apply_policy(d.history, history, state, session_id, store, loaded.head)
    state.messages = [*history, *state.messages[state.new_from :]]
    state.new_from = len(history)
    record = RunRecord(
        id=state.run_id,
        session_id=session_id,
        agent=d.agent,
        status="running",
        config=run_config(state, d.agent, d.durability),
        checkpoint={},
        start_head=loaded.head,
    )
    state.journal = Journal(store, record, d.durability, head=loaded.head)


async def reopen(state: RunState[Any], d: Durable, record: RunRecord, *, claim: bool = True) -> None:
    """Give a rebuilt run its stored messages, progress and unfinished batch, and its journal
    (`claim`: and record the resume, which a second process resuming the same run loses)."""
    from agents._journal import Journal
    from agents._resume import batch, unfinished_calls
    from agents.memory import StoreError, repair_history

    store = await d.handle.get()
    assert store is not None
    stored = (await store.history(record.session_id, repair=False)).messages
    ckpt = record.checkpoint
    end = int(ckpt.get("head", record.start_head))
    if len(stored) > end:
        raise StoreError(
            f"Run {record.id} cannot go on: its session {record.session_id!r} has {len(stored) - end} "
            "message(s) written after the run's last write (another run used the session meanwhile). "
            "Start a new run on the session instead."
        )
    history, _ = repair_history(stored[: record.start_head])
    if d.history is not None and history:
        history = await _apply_policy(d.history, history, state, record.session_id, store, record.start_head)
    own = stored[record.start_head : end]
    state.messages, state.new_from = [*history, *own], len(history)
    _restore_progress(state, ckpt)
    if not claim:
        return
    _check_config(state, record, d)
    durability = str(record.config.get("durability", d.durability))
    calls = unfinished_calls(own)
    if calls:
        events = [(e.kind, e.data) for e in await store.events(record.id)]
        state.resume = batch(calls, events, run_id=record.id, toolset=state.toolset, durability=durability)
    journal = Journal(store, record, durability, head=end, version=record.version)  # type: ignore[arg-type]
    journal.written = len(own)
    journal.events.append(("resumed", {}))
    state.journal = journal
    if durability != "end":
        await journal.flush(state)  # claims the run: a second resumer now fails with RunConflict


async def _apply_policy(
    policy: HistoryPolicy,
    history: list[Message],
    state: RunState[Any],
    session_id: str,
    store: Store,
    head: int,
) -> list[Message]:
    from agents.memory import PolicyContext

    return await policy.apply(history, PolicyContext(state.model, session_id, store, head))


def _check_config(state: RunState[Any], record: RunRecord, d: Durable) -> None:
    """Say what differs from the agent that started the run: a run may move to another model,
    but changed tools may not take the stored calls as they were made."""
    from agents._journal import run_config

    now = run_config(state, d.agent, d.durability)
    for key, what in (("tools", "its tools"), ("model", "its model"), ("output_type", "its output type")):
        if record.config.get(key) != now[key]:
            log.warning(
                "run %s resumes with %s changed (%s, was %s)",
                record.id,
                what,
                now[key],
                record.config.get(key),
            )


def _restore_progress(state: RunState[Any], ckpt: dict[str, Any]) -> None:
    from agents._journal import restore

    restore(state, ckpt)
    made_calls = any(
        isinstance(m, AssistantMessage) and m.tool_calls for m in state.messages[state.new_from :]
    )
    if made_calls and state.reset_tool_choice:
        state.tool_choice = "auto"  # as the run had it after its first batch
