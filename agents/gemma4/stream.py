"""Incremental parsing of streamed model text into text, thoughts and calls.

`StreamParser.feed(delta)` returns the events the new text completes; `close()` flushes the
rest. Text that might be the beginning of a marker (`<|tool`, `<|"|`...) is held back until
it is decided, so no piece of a marker is ever emitted as text or thought.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from agents.gemma4._syntax import (
    CALL_CLOSE,
    CALL_OPEN,
    STRING_DELIM,
    THOUGHT_CLOSE,
    THOUGHT_OPEN,
    THOUGHT_PREFIX,
    TURN_CLOSE,
)
from agents.gemma4._values import excerpt, read_call, read_head
from agents.gemma4.errors import Gemma4ParseError
from tools import ToolCall


@dataclass(frozen=True)
class TextDelta:
    """Plain text the model wrote outside calls and thoughts."""

    text: str


@dataclass(frozen=True)
class ThoughtDelta:
    """A piece of thinking block number `index` (the `thought\\n` prefix removed)."""

    index: int
    text: str


@dataclass(frozen=True)
class ThoughtFinished:
    """Thinking block number `index` is complete; `text` is all of it."""

    index: int
    text: str


@dataclass(frozen=True)
class CallStarted:
    """Call number `index` has begun and names tool `name`; its arguments are still coming."""

    index: int
    name: str


@dataclass(frozen=True)
class CallFinished:
    """Call number `index` is complete."""

    index: int
    call: ToolCall


StreamEvent = TextDelta | ThoughtDelta | ThoughtFinished | CallStarted | CallFinished

_TEXT_MARKERS = (CALL_OPEN, THOUGHT_OPEN, STRING_DELIM, CALL_CLOSE, THOUGHT_CLOSE)


def new_call_id() -> str:
    """A fresh call id in OpenAI's style."""
    return "call_" + uuid.uuid4().hex[:24]


def _held_back(buf: str, markers: tuple[str, ...]) -> int:
    """Length of the longest tail of `buf` that could still grow into one of `markers`."""
    longest = 0
    for marker in markers:
        for n in range(min(len(marker) - 1, len(buf)), longest, -1):
            if buf.endswith(marker[:n]):
                longest = n
                break
    return longest


class StreamParser:
    """Turns Gemma 4 model text, fed in any chunking, into `StreamEvent`s.

    strict: only the canonical format (what `render` writes and the grammar allows); any
    deviation raises `Gemma4ParseError`. Lenient (strict=False) also reads what models and
    vLLM tolerate: whitespace inside calls, stray end markers (dropped), a stray `<|"|>` in
    text (dropped), a thought ended by a call, `<turn|>` or the end of the text ending a call.
    """

    def __init__(self, *, strict: bool = False, call_id: Callable[[], str] = new_call_id) -> None:
        self.strict = strict
        self._call_id = call_id
        self._buf = ""
        self._base = 0  # offset of _buf[0] in everything fed so far
        self._state = "text"
        self._thought_prefix_done = False
        self._thought_parts: list[str] = []
        self._thoughts = 0
        self._calls = 0
        self._call_started = False
        self._scan = 0  # inside a call: how far _buf has been scanned
        self._in_string = False
        self._string_at = 0  # inside a call: where the open string began (offset in _buf)
        self._closed = False

    # -- public --------------------------------------------------------------------

    def feed(self, delta: str) -> list[StreamEvent]:
        """Events completed by `delta`."""
        if self._closed:
            raise RuntimeError("StreamParser.feed() after close(); make a new parser for a new stream.")
        self._buf += delta
        return self._drain(final=False)

    def close(self) -> list[StreamEvent]:
        """The remaining events; raises `Gemma4ParseError` if the text ends inside a call (strict)."""
        if self._closed:
            return []
        events = self._drain(final=True)
        self._closed = True
        return events

    # -- machinery -------------------------------------------------------------------

    def _consume(self, n: int) -> str:
        piece, self._buf = self._buf[:n], self._buf[n:]
        self._base += n
        return piece

    def _error(self, at: int, expected: str, hint: str = "") -> Gemma4ParseError:
        return Gemma4ParseError(self._base + at, excerpt(self._buf, at), expected, hint)

    def _drain(self, final: bool) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        while True:
            if self._state == "text":
                progressed = self._text(events, final)
            elif self._state == "thought":
                progressed = self._thought(events, final)
            else:
                progressed = self._call(events, final)
            if not progressed:
                return events

    def _text(self, events: list[StreamEvent], final: bool) -> bool:
        buf = self._buf
        i = buf.find("<")
        if i < 0:
            if buf:
                events.append(TextDelta(self._consume(len(buf))))
            return False
        if i > 0:
            events.append(TextDelta(self._consume(i)))
            return True
        if buf.startswith(CALL_OPEN):
            self._consume(len(CALL_OPEN))
            self._state, self._call_started, self._scan, self._in_string = "call", False, 0, False
            return True
        if buf.startswith(THOUGHT_OPEN):
            self._consume(len(THOUGHT_OPEN))
            self._state, self._thought_prefix_done, self._thought_parts = "thought", False, []
            return True
        for stray in (STRING_DELIM, CALL_CLOSE, THOUGHT_CLOSE):
            if buf.startswith(stray):
                if self.strict:
                    raise self._error(
                        0, "text, <|tool_call> or <|channel>", f"{stray!r} cannot stand in text."
                    )
                self._consume(len(stray))  # vLLM leaks or absorbs these; neither is text
                return True
        if not final and any(m.startswith(buf) for m in _TEXT_MARKERS):
            return False  # maybe the start of a marker: wait for more
        events.append(TextDelta(self._consume(1)))
        return True

    def _thought(self, events: list[StreamEvent], final: bool) -> bool:
        if not self._thought_prefix_done:
            if self._buf.startswith(THOUGHT_PREFIX):
                self._consume(len(THOUGHT_PREFIX))
            elif THOUGHT_PREFIX.startswith(self._buf) and not final:
                return False
            elif self.strict:
                raise self._error(0, repr(THOUGHT_PREFIX) + " after <|channel>")
            self._thought_prefix_done = True
        ends = (THOUGHT_CLOSE,) if self.strict else (THOUGHT_CLOSE, CALL_OPEN)
        hits = [(self._buf.find(m), m) for m in ends]
        found = [(i, m) for i, m in hits if i >= 0]
        if found:
            i, marker = min(found)
            if i:
                self._emit_thought(events, self._consume(i))
            if marker == THOUGHT_CLOSE:
                self._consume(len(marker))  # a call opener stays: the text state reads it
            self._finish_thought(events)
            return True
        if final:
            if self.strict:
                raise self._error(len(self._buf), repr(THOUGHT_CLOSE) + " closing the thought")
            if self._buf:
                self._emit_thought(events, self._consume(len(self._buf)))
            self._finish_thought(events)
            return True
        safe = len(self._buf) - _held_back(self._buf, ends)
        if safe:
            self._emit_thought(events, self._consume(safe))
        return False

    def _emit_thought(self, events: list[StreamEvent], text: str) -> None:
        self._thought_parts.append(text)
        events.append(ThoughtDelta(self._thoughts, text))

    def _finish_thought(self, events: list[StreamEvent]) -> None:
        events.append(ThoughtFinished(self._thoughts, "".join(self._thought_parts)))
        self._thoughts += 1
        self._state = "text"

    def _call(self, events: list[StreamEvent], final: bool) -> bool:
        buf = self._buf
        if not self._call_started:
            brace = buf.find("{")
            if brace >= 0 and STRING_DELIM not in buf[:brace]:
                name = read_head(buf[: brace + 1], self._base, strict=self.strict)
                events.append(CallStarted(self._calls, name))
                self._call_started = True
        end, end_marker = self._find_call_end(final)
        if end < 0:
            if not final:
                return False
            if self._in_string:
                raise self._error(
                    len(buf),
                    f"a closing {STRING_DELIM!r} for the string opened at character "
                    f"{self._base + self._string_at}",
                    "An unclosed string swallows everything after it, the end marker included.",
                )
            if self.strict:
                raise self._error(len(buf), repr(CALL_CLOSE) + " closing the call")
            end, end_marker = len(buf), ""  # the model stopped without the end marker
        name, args = read_call(buf[:end], self._base, strict=self.strict)
        if not self._call_started:
            events.append(CallStarted(self._calls, name))
        self._consume(end + len(end_marker))
        events.append(CallFinished(self._calls, ToolCall(id=self._call_id(), name=name, arguments=args)))
        self._calls += 1
        self._state = "text"
        return True

    def _find_call_end(self, final: bool) -> tuple[int, str]:
        """Where the call's end marker starts (outside strings), or -1 if it has not arrived."""
        buf = self._buf
        ends = (CALL_CLOSE,) if self.strict else (CALL_CLOSE, TURN_CLOSE)
        j = self._scan
        while True:
            if self._in_string:
                k = buf.find(STRING_DELIM, j)
                if k < 0:
                    self._scan = max(j, len(buf) - len(STRING_DELIM) + 1)
                    return -1, ""
                self._in_string, j = False, k + len(STRING_DELIM)
                continue
            k = buf.find("<", j)
            if k < 0:
                self._scan = len(buf)
                return -1, ""
            if buf.startswith(STRING_DELIM, k):
                self._in_string, self._string_at, j = True, k, k + len(STRING_DELIM)
                continue
            for marker in ends:
                if buf.startswith(marker, k):
                    self._scan = k
                    return k, marker
            if not final and any(m.startswith(buf[k:]) for m in (STRING_DELIM, *ends)):
                self._scan = k  # a marker may be arriving
                return -1, ""
            j = k + 1
