"""History policies: what part of a session's stored history a run sends to the model.

A run with a session loads the stored messages (never system messages: the loop adds the
instructions) and passes them through one policy. Every policy cuts at turn boundaries: a
turn starts at a user message, so an assistant's tool calls stay with their results and a
cut history starts at a user message. A history that needs no cut is returned unchanged.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from agents.errors import ConfigError
from agents.memory._turns import flat, split_turns, transcript_line
from agents.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    TextPart,
    ToolResultMessage,
    UserMessage,
)
from agents.models.base import Model, ModelRequest, ModelSettings

__all__ = ["HistoryPolicy", "LastTurns", "MetaStore", "PolicyContext", "Summarize", "TokenBudget"]

log = logging.getLogger(__name__)

TokenCounter = Callable[[Sequence[Message]], int | Awaitable[int]]
"""Counts the tokens of some messages, sync or async (a local tokenizer, say)."""

SUMMARY_PREFIX = "Summary of the earlier conversation: "
SUMMARY_INSTRUCTIONS = (
    "You summarise conversations between a user and an assistant. Keep the facts, names, numbers, "
    "decisions and open questions the assistant needs to continue; drop small talk. Write plain "
    "prose, at most a short paragraph or two, in the language of the conversation."
)
_MEDIA_TOKENS = 256  # estimated tokens of an image or audio part
_MESSAGE_OVERHEAD = 4  # estimated tokens of a message's role markers
# Estimated markup tokens of each tool call and each tool result: measured on Gemma 4's template,
# a history of call/result turns took 1381 tokens and chars/4 alone gave 950 (20 turns, 20 calls).
_TOOL_OVERHEAD = 10


@runtime_checkable
class MetaStore(Protocol):
    """Per-session metadata, a JSON object; the `Store` is one."""

    async def get_meta(self, session_id: str) -> dict[str, Any]: ...

    async def set_meta(self, session_id: str, meta: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class PolicyContext:
    """What a policy may use besides the history: the run's model, and the session's metadata.

    `head` is the seq of the last stored message of the session.
    """

    model: Model
    session_id: str
    meta: MetaStore | None = None
    head: int = 0


@runtime_checkable
class HistoryPolicy(Protocol):
    """Chooses the messages a run sends from a session's history; cuts only between turns."""

    async def apply(self, history: list[Message], ctx: PolicyContext) -> list[Message]: ...


@runtime_checkable
class _CountsTokens(Protocol):
    async def count_tokens(self, messages: Sequence[Message]) -> int | None: ...


class LastTurns:
    """Keeps the last `n` turns."""

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ConfigError(f"LastTurns(n) keeps at least one turn; got n={n}.")
        self.n = n

    async def apply(self, history: list[Message], ctx: PolicyContext) -> list[Message]:
        turns = split_turns(history)
        return history if len(turns) <= self.n else flat(turns[-self.n :])


def estimate_tokens(messages: Sequence[Message], *, with_reasoning: bool = True) -> int:
    """An estimate, not a count: about 4 characters a token, a fixed 256 per image or audio part,
    and a few tokens per message, tool call and tool result for the template's markup."""
    total = 0
    for m in messages:
        chars = 0
        if isinstance(m, UserMessage) and not isinstance(m.content, str):
            chars = sum(len(p.text) for p in m.content if isinstance(p, TextPart))
            total += _MEDIA_TOKENS * sum(not isinstance(p, TextPart) for p in m.content)
        elif isinstance(m, UserMessage | SystemMessage):
            chars = len(m.content)
        elif isinstance(m, ToolResultMessage):
            chars, total = len(m.content), total + _TOOL_OVERHEAD
        elif isinstance(m, AssistantMessage):
            chars = len(m.text) + sum(len(c.name) + len(str(c.arguments)) for c in m.tool_calls)
            total += _TOOL_OVERHEAD * len(m.tool_calls)
            chars += len(m.reasoning or "") if with_reasoning else 0
        total += _MESSAGE_OVERHEAD + chars // 4
    return total


class TokenBudget:
    """Keeps the most recent whole turns whose tokens fit in `max_tokens`.

    Tokens are counted by `counter` when given, else by the model's `count_tokens` (the vLLM
    server's tokenizer), else estimated (`estimate_tokens`). Each turn is counted alone (a few
    template tokens more than in the whole prompt, so the sum errs on the safe side) and
    remembered by its content, so a later run counts only its new turns. The newest turn is
    always kept, even when it alone is over the budget: a run needs its prompt.
    """

    def __init__(
        self, max_tokens: int, *, counter: TokenCounter | None = None, cache_size: int = 4096
    ) -> None:
        if max_tokens < 1:
            raise ConfigError(f"TokenBudget(max_tokens) must be at least 1; got {max_tokens}.")
        self.max_tokens = max_tokens
        self.counter = counter
        self._cache: dict[tuple[str, str], int] = {}
        self._cache_size = cache_size

    async def apply(self, history: list[Message], ctx: PolicyContext) -> list[Message]:
        turns = split_turns(history)
        kept, used = 0, 0
        for turn in reversed(turns):
            used += await self._count(turn, ctx.model)
            if kept and used > self.max_tokens:
                break
            kept += 1
        return history if kept == len(turns) else flat(turns[-kept:])

    async def _count(self, turn: list[Message], model: Model) -> int:
        key = (model.name, _digest(turn))
        if (cached := self._cache.get(key)) is not None:
            return cached
        count: int | None = None
        if self.counter is not None:
            result = self.counter(turn)
            count = await result if inspect.isawaitable(result) else result
        elif isinstance(model, _CountsTokens):
            count = await model.count_tokens(turn)
        if count is None:
            # Not cached: the server may count it next time.
            return estimate_tokens(turn, with_reasoning=not model.profile.strip_thoughts_from_history)
        if len(self._cache) >= self._cache_size:
            del self._cache[next(iter(self._cache))]  # the oldest entry
        self._cache[key] = count
        return count


class Summarize:
    """Keeps the last `keep_last` turns and replaces the older ones by a summary the model writes.

    The summary is merged into the first kept user message ("Summary of the earlier
    conversation: ...", then that message), not sent as a message of its own: two user
    messages in a row break templates that want the roles to alternate (Gemma's). The
    summariser gets a plain request with no tools and sees the dropped turns as a transcript:
    no thoughts, images as "[image]", tool results cut to 500 characters.

    With a meta store (`ctx.meta`) the summary is kept in the session's meta under "summary"
    with how many messages it covers, and a later run summarises only the turns dropped since,
    together with the old summary. Without one, every run summarises all dropped turns.
    """

    def __init__(
        self,
        keep_last: int = 4,
        *,
        model: Model | None = None,
        max_summary_tokens: int = 256,
        instructions: str = SUMMARY_INSTRUCTIONS,
    ) -> None:
        if keep_last < 1:
            raise ConfigError(f"Summarize(keep_last) keeps at least one turn; got {keep_last}.")
        self.keep_last = keep_last
        self.model = model
        self.max_summary_tokens = max_summary_tokens
        self.instructions = instructions

    async def apply(self, history: list[Message], ctx: PolicyContext) -> list[Message]:
        turns = split_turns(history)
        if len(turns) <= self.keep_last:
            return history
        dropped, kept = flat(turns[: -self.keep_last]), turns[-self.keep_last :]
        meta = await ctx.meta.get_meta(ctx.session_id) if ctx.meta is not None else {}
        old = meta.get("summary")
        summary: str | None = None
        covered = 0
        if isinstance(old, dict) and _covers(old, dropped):
            summary, covered = str(old["text"]), int(old["upto"])
        if covered < len(dropped):
            summary = await self._summarise(summary, dropped[covered:], ctx) or summary
            if ctx.meta is not None and summary is not None:
                record = {"upto": len(dropped), "digest": _digest(dropped), "head": ctx.head, "text": summary}
                await ctx.meta.set_meta(ctx.session_id, {**meta, "summary": record})
        first = kept[0][0]
        if summary is None or not isinstance(first, UserMessage):
            return flat(kept)
        return [_with_summary(first, summary), *kept[0][1:], *flat(kept[1:])]

    async def _summarise(self, old: str | None, new: list[Message], ctx: PolicyContext) -> str | None:
        transcript = "\n".join(transcript_line(m) for m in new)
        if old:
            prompt = f"The summary so far:\n{old}\n\nThe conversation since:\n{transcript}"
        else:
            prompt = f"The conversation:\n{transcript}"
        request = ModelRequest(
            messages=[
                SystemMessage(content=self.instructions),
                UserMessage(content=f"{prompt}\n\nWrite the updated summary."),
            ],
            settings=ModelSettings(max_tokens=self.max_summary_tokens),
            thinking=False,
        )
        response = await (self.model or ctx.model).request(request)
        text = response.text.strip()
        if not text:
            # The run goes on with the old summary (or none) rather than fail over a summary.
            log.warning("The summariser answered no text (finish_reason=%s)", response.finish_reason)
        return text or None


def _digest(messages: Sequence[Message]) -> str:
    # Of the repr, not the JSON: pydantic's JSON of image bytes fails unless they are UTF-8.
    return hashlib.sha256(repr(list(messages)).encode()).hexdigest()


def _covers(record: dict[str, Any], dropped: list[Message]) -> bool:
    """Whether a stored summary is of the first messages of `dropped` (not of another history)."""
    upto = record.get("upto")
    if not isinstance(upto, int) or not isinstance(record.get("text"), str) or not 0 < upto <= len(dropped):
        return False
    return record.get("digest") == _digest(dropped[:upto])


def _with_summary(first: UserMessage, summary: str) -> UserMessage:
    lead = f"{SUMMARY_PREFIX}{summary}\n\n"
    if isinstance(first.content, str):
        return UserMessage(content=lead + first.content)
    return UserMessage(content=[TextPart(text=lead), *first.content])
