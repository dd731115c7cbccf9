"""Streaming parser: any chunking gives the one-shot result; no marker piece leaks; fuzzing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.gemma4 import (
    CallFinished,
    CallStarted,
    Gemma4ParseError,
    StreamEvent,
    StreamParser,
    TextDelta,
    ThoughtDelta,
    ThoughtFinished,
    parse,
    render_call,
)
from tests.unit.gemma4.strategies import calls, plain_text, render_items, summary, text

MARKER_PIECES = [
    "<|tool_call>",
    "<tool_call|>",
    '<|"|>',
    "<|channel>",
    "<channel|>",
    "<turn|>",
    "<",
    "|",
    ">",
    '"',
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "call:",
    " ",
    "\n",
    "x",
    "1",
    "-",
    ".",
    "e",
    "true",
]


def chunked(s: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(s) + 1) for c in cuts})
    pieces, last = [], 0
    for p in [*points, len(s)]:
        pieces.append(s[last:p])
        last = p
    return pieces


def run_stream(pieces: list[str], *, strict: bool) -> list[StreamEvent]:
    parser = StreamParser(strict=strict)
    events: list[StreamEvent] = []
    for piece in pieces:
        events += parser.feed(piece)
    return events + parser.close()


def segments_from_events(events: list[StreamEvent]) -> list[Any]:
    out: list[Any] = []
    for e in events:
        if isinstance(e, TextDelta):
            if out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + e.text)
            else:
                out.append(("text", e.text))
        elif isinstance(e, ThoughtFinished):
            out.append(("thought", e.text))
        elif isinstance(e, CallFinished):
            out.append(("call", (e.call.name, e.call.arguments)))
    return out


items = st.lists(
    st.one_of(
        plain_text(), text(grammar_safe=False).map(lambda t: ("thought", t)), calls(grammar_safe=False)
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(items, st.lists(st.integers(0, 10_000), max_size=12), st.booleans())
def test_any_chunking_gives_the_one_shot_result(item_list: list[Any], cuts: list[int], strict: bool) -> None:
    rendered, expected = render_items(item_list)
    events = run_stream(chunked(rendered, cuts), strict=strict)
    assert segments_from_events(events) == expected == summary(parse(rendered, strict=strict))
    for e in events:
        if isinstance(e, TextDelta):
            assert e.text and "<|" not in e.text and "|>" not in e.text  # no piece of a marker
        if isinstance(e, ThoughtDelta):
            assert e.text and "<channel|>" not in e.text
    # every call is announced with its name before it finishes, in order
    started = [(e.index, e.name) for e in events if isinstance(e, CallStarted)]
    finished = [(e.index, e.call.name) for e in events if isinstance(e, CallFinished)]
    assert started == finished
    for index, _ in finished:
        assert events.index(
            next(e for e in events if isinstance(e, CallStarted) and e.index == index)
        ) < events.index(next(e for e in events if isinstance(e, CallFinished) and e.index == index))


@pytest.mark.parametrize("strict", [True, False])
def test_character_by_character_holds_back_marker_prefixes(strict: bool) -> None:
    rendered = "Hi <b>" + render_call("f", {"a": "x"}) + " a|b <c"
    parser = StreamParser(strict=strict)
    seen: list[StreamEvent] = []
    for ch in rendered:
        seen += parser.feed(ch)
    tail = parser.close()
    text_before_close = "".join(e.text for e in seen if isinstance(e, TextDelta))
    assert text_before_close == "Hi <b> a|b "  # "<c" might still become a marker
    assert "".join(e.text for e in tail if isinstance(e, TextDelta)) == "<c"
    assert [e.name for e in seen if isinstance(e, CallStarted)] == ["f"]


def test_call_started_comes_as_soon_as_the_name_is_known() -> None:
    parser = StreamParser()
    assert parser.feed("<|tool_call>call:get_wea") == []
    assert parser.feed("ther{city:<|") == [CallStarted(0, "get_weather")]
    assert parser.feed('"|>Par') == []
    [done] = parser.feed('is<|"|>}<tool_call|>')
    assert isinstance(done, CallFinished) and done.call.arguments == {"city": "Paris"}


def test_thought_deltas_stream_and_strip_prefix() -> None:
    parser = StreamParser(strict=True)
    events = (
        parser.feed("<|channel>thou")
        + parser.feed("ght\nab")
        + parser.feed("c<chan")
        + parser.feed("nel|>ok")
    )
    assert events == [ThoughtDelta(0, "ab"), ThoughtDelta(0, "c"), ThoughtFinished(0, "abc"), TextDelta("ok")]


def test_feed_after_close_is_a_usage_error() -> None:
    parser = StreamParser()
    parser.close()
    with pytest.raises(RuntimeError):
        parser.feed("x")


def test_stream_error_positions_count_everything_fed() -> None:
    parser = StreamParser(strict=True)
    parser.feed("abc")
    with pytest.raises(Gemma4ParseError) as info:
        parser.feed("<|tool_call>call:f{a:?}<tool_call|>")
    assert info.value.position == 3 + len("<|tool_call>call:f{a:")


# -- mutation fuzzing: only the codec's own error, never another exception ----------------

mutation = st.tuples(
    st.sampled_from(["delete", "insert", "replace"]), st.integers(0, 10_000), st.sampled_from(MARKER_PIECES)
)


def mutate(s: str, ops: list[tuple[str, int, str]]) -> str:
    for op, at, piece in ops:
        i = at % (len(s) + 1)
        if op == "delete":
            s = s[:i] + s[i + 1 + at % 3 :]
        elif op == "insert":
            s = s[:i] + piece + s[i:]
        else:
            s = s[:i] + piece + s[i + len(piece) :]
    return s


@settings(max_examples=250, deadline=None)
@given(
    st.lists(calls(grammar_safe=False), min_size=1, max_size=3),
    st.lists(mutation, min_size=1, max_size=4),
    st.lists(st.integers(0, 10_000), max_size=5),
    st.booleans(),
)
def test_mutated_calls_raise_only_parse_errors(
    call_list: list[tuple[str, dict[str, Any]]],
    ops: list[tuple[str, int, str]],
    cuts: list[int],
    strict: bool,
) -> None:
    rendered = mutate("".join(render_call(n, a) for n, a in call_list), ops)
    try:
        one_shot = summary(parse(rendered, strict=strict))
    except Gemma4ParseError:
        one_shot = None
    try:
        streamed = segments_from_events(run_stream(chunked(rendered, cuts), strict=strict))
    except Gemma4ParseError:
        streamed = None
    assert streamed == one_shot  # streaming agrees with one-shot parsing, errors included
