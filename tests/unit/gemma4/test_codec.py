"""Rendering and one-shot parsing of Gemma 4's native format."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.gemma4 import (
    CallSegment,
    Gemma4ParseError,
    ParseError,
    RenderError,
    TextSegment,
    ThoughtSegment,
    extract_calls,
    parse,
    parse_calls,
    render_call,
    render_declaration,
    render_response,
    render_thought,
    render_value,
)
from tests.unit.gemma4.strategies import TOOLS, calls, json_values, plain_text, render_items, summary, text
from tools import ToolCall
from tools.errors import AgentsError

D = '<|"|>'


def calls_of(segments: list[Any]) -> list[tuple[str, Any]]:
    return [(s.call.name, s.call.arguments) for s in segments if isinstance(s, CallSegment)]


# -- examples pinned by the documented format ---------------------------------------------


def test_render_call_matches_documented_format() -> None:
    args = {"key": "text", "n": 42, "flag": True, "x": None, "lst": [1, "a"], "obj": {"k": "v"}}
    assert render_call("NAME", args) == (
        f"<|tool_call>call:NAME{{key:{D}text{D},n:42,flag:true,x:null,lst:[1,{D}a{D}],obj:{{k:{D}v{D}}}}}<tool_call|>"
    )


def test_parse_documented_call_gives_python_types() -> None:
    raw = (
        f"<|tool_call>call:NAME{{key:{D}text{D},n:42,f:-0.5e3,flag:true,x:null,"
        f"lst:[1,{D}a{D}],obj:{{k:{D}v{D}}}}}<tool_call|>"
    )
    [call] = parse_calls(raw, strict=True)
    assert call.name == "NAME"
    assert call.arguments == {
        "key": "text",
        "n": 42,
        "f": -500.0,
        "flag": True,
        "x": None,
        "lst": [1, "a"],
        "obj": {"k": "v"},
    }
    assert isinstance(call.arguments["n"], int) and isinstance(call.arguments["f"], float)
    assert call.id.startswith("call_") and len(call.id) > 10


def test_strings_hold_anything_but_the_delimiter() -> None:
    value = 'a "quoted" {b}: [c], d\n<tool_call|> <|tool_call> 中😀'
    [call] = parse_calls(render_call("f", {"s": value}), strict=True)
    assert call.arguments == {"s": value}
    with pytest.raises(RenderError, match="delimiter"):
        render_value(f"x{D}y")


def test_keys_that_are_not_identifiers_are_delimited() -> None:
    rendered = render_call("f", {"user-id": 1, "display name": 2, "a:b": 3})
    assert "user-id:1" in rendered and f"{D}display name{D}:2" in rendered and f"{D}a:b{D}:3" in rendered
    assert parse_calls(rendered, strict=True)[0].arguments == {"user-id": 1, "display name": 2, "a:b": 3}


def test_declaration_response_and_thought_rendering() -> None:
    spec = {"type": "function", "function": TOOLS[0]}
    decl = render_declaration(spec)
    assert decl.startswith(
        f"<|tool>declaration:get_weather{{description:{D}Weather for a city.{D},parameters:{{"
    )
    assert decl.endswith("}}<tool|>") and "enum:[" in decl
    assert render_response("f", {"temp": 21}) == "<|tool_response>response:f{temp:21}<tool_response|>"
    assert render_response("f", "ok") == f"<|tool_response>response:f{{value:{D}ok{D}}}<tool_response|>"
    assert render_thought("hmm") == "<|channel>thought\nhmm<channel|>"


def test_render_rejects_values_outside_json() -> None:
    for bad in (float("nan"), float("inf"), object(), {1: "a"}):
        with pytest.raises(RenderError):
            render_value(bad)


def test_segments_keep_order_of_text_thoughts_and_calls() -> None:
    raw = "Hi " + render_thought("plan") + render_call("a", {}) + render_call("b", {"x": 1}) + " bye"
    segments = parse(raw, strict=True)
    kinds = [type(s).__name__ for s in segments]
    assert kinds == ["TextSegment", "ThoughtSegment", "CallSegment", "CallSegment", "TextSegment"]
    assert segments[0] == TextSegment("Hi ") and segments[1] == ThoughtSegment("plan")
    assert calls_of(segments) == [("a", {}), ("b", {"x": 1})]


def test_lenient_reads_what_models_and_vllm_tolerate() -> None:
    raw = '<|tool_call> call: f { a : 1 , b:hello world,,c:[1, 2,],d:<|"|>x<|"|> , }<turn|>'
    text_, found = extract_calls(raw)
    assert text_ == "" and [(c.name, c.arguments) for c in found] == [
        ("f", {"a": 1, "b": "hello world", "c": [1, 2], "d": "x"})
    ]
    # `:name` without `call`, no end marker at the end of the output, a thought ended by a call
    raw2 = "<|channel>thought\nx<|tool_call>:g{n:-2}"
    assert calls_of(parse(raw2)) == [("g", {"n": -2})]
    # stray markers and a leaked delimiter never reach the text
    assert extract_calls(f"a{D}b<tool_call|>c<channel|>") == ("abc", [])


def test_strict_rejects_what_lenient_tolerates() -> None:
    for raw in (
        "<|tool_call>call:f{ a:1}<tool_call|>",
        "<|tool_call>call:f{a:x}<tool_call|>",
        "<|tool_call>call:f{a:1}",
        "<|tool_call>:f{}<tool_call|>",
        f"a{D}b",
        "<|tool_call>call:f{a:1,}<tool_call|>",
        "<|tool_call>call:f{a:1,a:2}<tool_call|>",
    ):
        with pytest.raises(Gemma4ParseError):
            parse(raw, strict=True)
        parse(raw)  # lenient reads each of them


@pytest.mark.parametrize(
    ("raw", "position", "expected"),
    [
        ("<|tool_call>call:f{a:1", 22, "'<tool_call|>'"),
        ("<|tool_call>call:f{a:01}<tool_call|>", 22, "after the value"),
        ('xx<|tool_call>call:f{a:<|"|>oops}<tool_call|>', 45, "closing '<|\"|>'"),
        ("<|tool_call>call:f{a:1}}<tool_call|>", 23, "'<tool_call|>' after the closing"),
        ("<|tool_call>call:f{a:[1 2]}<tool_call|>", 23, "after the value"),
        ("<|tool_call>call:{a:1}<tool_call|>", 17, "a tool name"),
    ],
)
def test_errors_say_where_and_what(raw: str, position: int, expected: str) -> None:
    with pytest.raises(Gemma4ParseError) as info:
        parse(raw, strict=True)
    err = info.value
    assert err.position == position, str(err)
    assert expected in err.expected, str(err)
    assert isinstance(err, ParseError) and isinstance(err, AgentsError)
    assert f"character {position}" in str(err)


def test_deep_nesting_is_a_parse_error_not_a_crash() -> None:
    raw = "<|tool_call>call:f{a:" + "[" * 5000 + "]" * 5000 + "}<tool_call|>"
    with pytest.raises(Gemma4ParseError, match="nesting"):
        parse(raw)


def test_integers_too_long_to_convert_are_parse_errors_or_text() -> None:
    # Python refuses int() of more than 4,300 digits with a ValueError; the codec must not leak it.
    digits = "7" * 5000
    raw = f"<|tool_call>call:f{{a:{digits},b:-{digits}}}<tool_call|>"
    with pytest.raises(Gemma4ParseError, match="digits"):
        parse(raw, strict=True)
    # Lenient reading keeps it as text, as it keeps a non-finite number.
    assert calls_of(parse(raw)) == [("f", {"a": digits, "b": "-" + digits})]
    assert calls_of(parse("<|tool_call>call:f{a:" + "7" * 4000 + "}<tool_call|>", strict=True)) == [
        ("f", {"a": int("7" * 4000)})
    ]


def test_extract_calls_without_calls_keeps_text() -> None:
    assert extract_calls("  just text ") == ("  just text ", [])


def test_custom_call_ids() -> None:
    ids = iter(["one", "two"])
    segs = parse(render_call("a", {}) + render_call("b", {}), call_id=lambda: next(ids))
    assert [s.call.id for s in segs if isinstance(s, CallSegment)] == ["one", "two"]


# -- properties ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(calls(grammar_safe=False))
def test_round_trip_schema_valid_arguments(call: tuple[str, dict[str, Any]]) -> None:
    name, args = call
    assert calls_of(parse(render_call(name, args), strict=True)) == [(name, args)]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(text(grammar_safe=False, max_size=10), json_values(grammar_safe=False), max_size=5))
def test_round_trip_any_json_object(args: dict[str, Any]) -> None:
    assert calls_of(parse(render_call("f", args), strict=True)) == [("f", args)]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            plain_text(), text(grammar_safe=False).map(lambda t: ("thought", t)), calls(grammar_safe=False)
        ),
        max_size=6,
    )
)
def test_round_trip_sequences_of_text_thoughts_and_calls(items: list[Any]) -> None:
    rendered, expected = render_items(items)
    assert summary(parse(rendered, strict=True)) == expected
    assert summary(parse(rendered, strict=False)) == expected


def test_tool_call_objects_render_like_their_arguments() -> None:
    from agents.gemma4.render import render_calls

    calls_ = [
        ToolCall(id="1", name="a", arguments={"x": 1}),
        ToolCall(id="2", name="b", arguments='{"y": "z"}'),
    ]
    assert render_calls(calls_) == render_call("a", {"x": 1}) + render_call("b", {"y": "z"})


PIECES = ["<|tool_call>", "<tool_call|>", "call:", "f", "{", "}", "[", "]", ":", ",", D, "<|channel>"]
PIECES += ["<channel|>", "<turn|>", "-", ".", "e", "1", "0", "true", "null", " ", "\n", "<", "|"]
PIECES += ["7" * 4400, "1e999", "[" * 100]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=3), max_size=40).map("".join), st.booleans())
def test_any_text_after_a_call_opener_raises_only_parse_errors(tail: str, strict: bool) -> None:
    with contextlib.suppress(ParseError):  # anything else fails the test
        parse("<|tool_call>call:f{a:" + tail, strict=strict)
