"""The grammar compiler: its options, its errors, and (with the real xgrammar) what it accepts.

The oracle checks run in one subprocess of the vLLM environment (about 10 s, most of it
importing torch); they skip where that environment is missing.
"""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.gemma4 import ToolGrammar, compile_tool_grammar, parse_calls, render_call
from tests.unit.gemma4.strategies import SPECS, TOOLS, TOOLS_BY_NAME, calls, text
from tests.unit.gemma4.xgrammar_check import oracle_python, run_oracles
from tools.errors import ConfigError

# -- without xgrammar ------------------------------------------------------------------------


def test_request_fields_carry_grammar_and_optional_bias() -> None:
    ids = {"tool_call_start": 48, "tool_call_end": 49, "string_delim": 52}
    g = compile_tool_grammar(SPECS, marker_token_ids=ids, marker_bias=5.0)
    assert isinstance(g, ToolGrammar)
    assert g.request_fields() == {
        "structured_outputs": {"grammar": g.ebnf},
        "logit_bias": {"49": 5.0, "52": 5.0},
    }
    assert "Token(48)" in g.ebnf and "Token(52)" in g.ebnf and "<|tool_call>" not in g.ebnf
    assert g.tool_names == tuple(t["name"] for t in TOOLS)
    plain = compile_tool_grammar(SPECS)
    assert plain.request_fields() == {"structured_outputs": {"grammar": plain.ebnf}}
    assert '"<|tool_call>"' in plain.ebnf


def test_accepts_tool_objects_and_inner_specs() -> None:
    class FakeTool:
        name = "f"
        parameters: ClassVar[dict[str, Any]] = {"type": "object", "properties": {"a": {"type": "integer"}}}

    g = compile_tool_grammar([FakeTool(), TOOLS[0]])
    assert g.tool_names == ("f", "get_weather") and '"call:f"' in g.ebnf


@pytest.mark.parametrize(
    ("tools", "kwargs", "match"),
    [
        ([], {}, "empty toolset"),
        (SPECS, {"tool_name": "nope"}, "not in the toolset"),
        ([TOOLS[0], TOOLS[0]], {}, "unique"),
        ([{"name": "f", "parameters": {"type": "object", "properties": {"a:b": {}}}}], {}, "holds ':'"),
        ([{"name": "f", "parameters": {"properties": {"a": {"enum": ["<|x"]}}}}], {}, "'<|'"),
        ([{"name": "f", "parameters": {"$ref": "#/$defs/X"}}], {}, "points nowhere"),
        (SPECS, {"marker_token_ids": {"bogus": 1}}, "Unknown marker"),
    ],
)
def test_configuration_errors_are_clear(tools: list[Any], kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        compile_tool_grammar(tools, **kwargs)


def test_recursive_refs_compile() -> None:
    tree = {
        "type": "object",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
        "properties": {"root": {"$ref": "#/$defs/Node"}},
    }
    g = compile_tool_grammar([{"name": "tree", "parameters": tree}])
    assert g.ebnf.count("g4_ref_") >= 2


# -- with xgrammar (and vLLM's parser) as oracles -------------------------------------------

OPTIONS: list[dict[str, Any]] = [
    {},
    {"require_call": True},
    {"parallel": False},
    {"allow_text": False},
    {"allow_text": False, "require_call": True, "parallel": False},
    {"allow_thought": True},
]


def _collect(strategy: st.SearchStrategy[Any], n: int) -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def gather(x: Any) -> None:
        found.append(x)

    gather()
    return found


def _invalid_variants() -> list[tuple[str, str]]:
    """(why, call text) for calls the schemas forbid."""

    def w(**a: Any) -> str:
        return render_call("get_weather", a)

    return [
        ("wrong enum", w(city="x", unit="kelvin", days=1)),
        ("missing required", w(city="x")),
        ("integer as string", w(city="x", days="3")),
        ("string as integer", w(city=3, days=3)),
        ("out of range", w(city="x", days=15)),
        ("unknown property", w(city="x", days=2, extra=1)),
        ("float for integer", w(city="x", days=2.5)),
        ("unknown tool", render_call("get_weather2", {"city": "x", "days": 1})),
        ("too few items", render_call("search_files", {"query": "q", "paths": []})),
        ("too many items", render_call("search_files", {"query": "q", "paths": ["a"] * 5})),
        ("string too long", render_call("search_files", {"query": "q" * 41, "paths": ["a"]})),
        ("const", render_call("set_thermostat", {"temperature": 20, "mode": "cool"})),
        ("number above maximum", render_call("set_thermostat", {"temperature": 35.5, "mode": "heat"})),
        ("number below minimum", render_call("set_thermostat", {"temperature": 4.99, "mode": "heat"})),
        ("number far out", render_call("set_thermostat", {"temperature": 2.9e27, "mode": "heat"})),
        (
            "negative below minimum",
            render_call(
                "create_event", {"title": "t", "attendees": [], "location": {"lat": -90.5, "lon": 0}}
            ),
        ),
        ("below minimum", render_call("search_files", {"query": "q", "paths": ["a"], "max_results": -1})),
        (
            "nested missing required",
            render_call("create_event", {"title": "t", "attendees": [{"email": "e"}]}),
        ),
        ("ref enum", render_call("plot", {"series": [[1]], "options": {"color": "pink"}})),
        ("null not allowed", render_call("get_weather", {"city": None, "days": 1})),
        ("marker in string", render_call("get_weather", {"city": "a<tool_call|>b", "days": 1})),
        ("spaces", render_call("get_weather", {"city": "x", "days": 1}).replace(",", ", ")),
    ]


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    if oracle_python() is None:
        pytest.skip("xgrammar is not installed anywhere here")
    valid = _collect(st.lists(calls(grammar_safe=True), min_size=1, max_size=3), 60)
    texts = _collect(text(grammar_safe=True), 40)
    jobs: list[tuple[str, list[str]]] = []
    expect: list[list[tuple[str, bool]]] = []
    for options in OPTIONS:
        g = compile_tool_grammar(SPECS, **options)
        cases: list[tuple[str, bool]] = []
        for i, call_list in enumerate(valid):
            if options.get("parallel") is False:
                call_list = call_list[:1]
            rendered = "".join(render_call(n, a) for n, a in call_list)
            if options.get("allow_text", True):
                rendered = texts[i % len(texts)] + rendered + texts[(i + 7) % len(texts)]
            if options.get("allow_thought") and i % 2:
                rendered = "<|channel>thought\n" + texts[i % len(texts)] + "<channel|>" + rendered
            cases.append((rendered, True))
        for _why, bad in _invalid_variants():
            cases.append((bad, False))
        no_call_ok = not options.get("require_call")
        cases.append(("Just an answer.", no_call_ok))
        cases.append(("", no_call_ok))
        cases.append(("text <|tool_call> spelled in text", False))
        cases.append(("a |> b", False))
        two = render_call("noop", {}) + render_call("noop", {})
        cases.append((two, options.get("parallel", True)))
        text_and_call = "Sure: " + render_call("noop", {})
        cases.append((text_and_call, options.get("allow_text", True)))
        jobs.append((g.ebnf, [c for c, _ in cases]))
        expect.append(cases)
    named = compile_tool_grammar(SPECS, tool_name="noop")
    named_cases = [
        (render_call("noop", {}), True),
        (render_call("get_weather", {"city": "x", "days": 1}), False),
        ("no call", False),
    ]
    jobs.append((named.ebnf, [c for c, _ in named_cases]))
    expect.append(named_cases)
    tokens = compile_tool_grammar(
        SPECS,
        marker_token_ids={
            "tool_call_start": 48,
            "tool_call_end": 49,
            "string_delim": 52,
            "thought_start": 100,
            "thought_end": 101,
        },
        allow_thought=True,
    )
    jobs.append((tokens.ebnf, []))  # compiles; token-level matching needs a tokenizer
    expect.append([])
    agree = [(n, a) for calls_ in valid for n, a in calls_ if n in AGREEING_TOOLS]
    bodies = [
        (
            render_call(n, a)[len(f"<|tool_call>call:{n}{{") : -len("<tool_call|>")] + "}",
            TOOLS_BY_NAME[n]["parameters"].get("properties", {}),
        )
        for n, a in agree
    ]
    verdicts, vllm = run_oracles(jobs, bodies)
    return {"jobs": jobs, "expect": expect, "verdicts": verdicts, "agree": agree, "vllm": vllm}


# Tools whose schemas avoid what vLLM 0.32's type correction misses ($ref, free-form objects,
# containers inside anyOf, strings in unions with number/boolean/null types).
AGREEING_TOOLS = {"get_weather", "search_files", "create_event", "send_message", "noop"}


def test_grammar_accepts_valid_and_rejects_invalid_calls(oracle: dict[str, Any]) -> None:
    problems = []
    for cases, verdicts in zip(oracle["expect"], oracle["verdicts"], strict=True):
        for (case, want), got in zip(cases, verdicts, strict=True):
            if want != got:
                problems.append(f"expected {'accept' if want else 'reject'}: {case[:160]!r}")
    assert not problems, "\n".join(problems[:20])
    assert sum(len(c) for c in oracle["expect"]) > 400


def test_everything_the_grammar_accepts_here_parses_strictly(oracle: dict[str, Any]) -> None:
    for cases, verdicts in zip(oracle["expect"], oracle["verdicts"], strict=True):
        for (case, _), accepted in zip(cases, verdicts, strict=True):
            if accepted:
                parse_calls(case, strict=True)  # raises if the grammar let something malformed through


def test_vllm_parser_reads_grammar_calls_as_we_do(oracle: dict[str, Any]) -> None:
    if oracle["vllm"] is None:
        pytest.skip("vLLM is not importable in the oracle environment")
    assert len(oracle["agree"]) > 30  # 41 with the derandomized sample
    for (name, args), theirs in zip(oracle["agree"], oracle["vllm"], strict=True):
        ours = parse_calls(render_call(name, args), strict=True)[0].arguments
        assert json.loads(json.dumps(ours)) == theirs, (name, args)


def test_bad_grammar_inputs_do_not_mutate_specs() -> None:
    before = copy.deepcopy(SPECS)
    compile_tool_grammar(SPECS, require_call=True)
    assert before == SPECS
