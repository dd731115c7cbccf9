"""Profiles: the per-family facts and the name table."""

from __future__ import annotations

from agents.models import GEMMA4, GEMMA4_LOCAL, GENERIC, profile_for


def test_name_table() -> None:
    assert profile_for("google/gemma-4-31B-it") is GEMMA4
    assert profile_for("tiny") is GEMMA4_LOCAL
    assert profile_for("gemma3-270m") is GEMMA4_LOCAL
    assert profile_for("meta-llama/Llama-3.1-8B-Instruct") is GENERIC


def test_gemma4_splits_thoughts_and_reads_calls_from_text() -> None:
    assert GEMMA4.thought_splitter is not None and GEMMA4.text_call_parser is not None
    raw = '<|channel>thought\nmull it over<channel|>Hi <|tool_call>call:f{a:<|"|>x<|"|>,n:2}<tool_call|>'
    text, thoughts = GEMMA4.thought_splitter(raw)
    assert thoughts == "mull it over"
    visible, calls = GEMMA4.text_call_parser(text)
    assert visible == "Hi"
    assert [(c.name, c.arguments) for c in calls] == [("f", {"a": "x", "n": 2})]
    assert GEMMA4.thought_splitter("no thoughts") == ("no thoughts", None)


def test_local_profile_differs_only_by_the_grammar_nudges() -> None:
    assert GEMMA4.grammar_marker_bias is None and GEMMA4_LOCAL.grammar_marker_bias
    assert GEMMA4.grammar_max_string_length is None and GEMMA4_LOCAL.grammar_max_string_length
    assert GEMMA4_LOCAL.tool_grammar is GEMMA4.tool_grammar is not None
    assert GEMMA4_LOCAL.server_args == GEMMA4.server_args
    assert GEMMA4_LOCAL.default_tool_mode == "grammar"
