"""One-shot parsing of model text into ordered segments: text, thoughts and calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.gemma4.stream import (
    CallFinished,
    StreamParser,
    TextDelta,
    ThoughtFinished,
    new_call_id,
)
from tools import ToolCall


@dataclass(frozen=True)
class TextSegment:
    """Text outside calls and thoughts."""

    text: str


@dataclass(frozen=True)
class ThoughtSegment:
    """One thinking block (without the `thought\\n` prefix)."""

    text: str


@dataclass(frozen=True)
class CallSegment:
    """One tool call, arguments parsed into Python values."""

    call: ToolCall


Segment = TextSegment | ThoughtSegment | CallSegment


def parse(text: str, *, strict: bool = False, call_id: Callable[[], str] = new_call_id) -> list[Segment]:
    """Model text as ordered segments; adjacent text is merged, empty text dropped.

    Raises `Gemma4ParseError` (position, found, expected) when a call or thought is malformed.
    `strict=True` accepts only the canonical format; the default also reads the variations
    models and vLLM's parser tolerate.
    """
    parser = StreamParser(strict=strict, call_id=call_id)
    events = parser.feed(text) + parser.close()
    segments: list[Segment] = []
    pending: list[str] = []

    def flush_text() -> None:
        if pending:
            joined = "".join(pending)
            pending.clear()
            if joined:
                segments.append(TextSegment(joined))

    for event in events:
        if isinstance(event, TextDelta):
            pending.append(event.text)
        elif isinstance(event, ThoughtFinished):
            flush_text()
            segments.append(ThoughtSegment(event.text))
        elif isinstance(event, CallFinished):
            flush_text()
            segments.append(CallSegment(event.call))
    flush_text()
    return segments


def parse_calls(text: str, *, strict: bool = False) -> list[ToolCall]:
    """Only the calls in `text`, in order."""
    return [s.call for s in parse(text, strict=strict) if isinstance(s, CallSegment)]


def extract_calls(text: str) -> tuple[str, list[ToolCall]]:
    """The visible text and the calls of a response whose calls the server left in the text.

    Lenient; thoughts are dropped (servers return them separately). When there are calls the
    text is stripped of surrounding whitespace, as vLLM does with `content`.
    """
    segments = parse(text, strict=False)
    calls = [s.call for s in segments if isinstance(s, CallSegment)]
    visible = "".join(s.text for s in segments if isinstance(s, TextSegment))
    return (visible.strip() if calls else visible), calls
