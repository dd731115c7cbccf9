"""Number and integer ranges in the grammar, checked with the real xgrammar.

For random bounds, every value inside must be writable and values clearly outside must not.
(Before: `minimum 0, maximum 0.5` compiled to `"0" ("." "0"{1,17})?`, so only 0 could be
written; with 0.1..2.0, 0.7 could not.) Also: ranges are shared rules, and the EBNF of a large
toolset stays small.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from agents.gemma4 import compile_tool_grammar, render_call
from tests.unit.gemma4.xgrammar_check import oracle_python, run_oracles


def _tool(schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": "f", "parameters": {"type": "object", "properties": {"x": schema}, "required": ["x"]}}


def _plain(v: float) -> bool:
    """Written without an exponent (the grammar writes bounded numbers in fixed-point)."""
    return "e" not in json.dumps(v) and "E" not in json.dumps(v)


def _number_cases(rnd: random.Random) -> tuple[dict[str, Any], list[tuple[float, bool]]]:
    scale = rnd.choice([1, 10, 1000, 1e6])
    lo = round(rnd.uniform(-scale, scale), rnd.randint(0, 4))
    hi = round(lo + rnd.choice([0.0, rnd.uniform(0, 1), rnd.uniform(0, scale)]), rnd.randint(0, 4))
    hi = max(hi, lo)
    schema: dict[str, Any] = {"type": "number"}
    side = rnd.random()
    if side > 0.15:
        schema["minimum"] = lo
    if side < 0.85:
        schema["maximum"] = hi
    cases: list[tuple[float, bool]] = []
    for _ in range(12):
        v = round(rnd.uniform(lo, hi), rnd.randint(0, 7))
        v = min(max(v, lo), hi)
        cases.append((v, True))
    cases += [(lo, True), (hi, True)]
    for _ in range(6):
        gap = round(rnd.choice([1e-6, 1e-3, 0.5, 3.0, scale]) * rnd.uniform(1, 2), 6)
        if "minimum" in schema:
            cases.append((round(lo - gap, 7), False))
        if "maximum" in schema:
            cases.append((round(hi + gap, 7), False))
    if "minimum" not in schema:
        cases.append((round(hi - rnd.uniform(0, 1e4), 3), True))
    if "maximum" not in schema:
        cases.append((round(lo + rnd.uniform(0, 1e4), 3), True))
    outside = [c for c in cases if not c[1]]
    lo_ok = "minimum" not in schema
    hi_ok = "maximum" not in schema
    # A value "outside" on an open side is inside.
    fixed = [(v, True) if (v < lo and lo_ok) or (v > hi and hi_ok) else (v, ok) for v, ok in outside]
    cases = [c for c in cases if c[1]] + fixed
    return schema, [(float(v), ok) for v, ok in cases if _plain(float(v))]


def _integer_cases(rnd: random.Random) -> tuple[dict[str, Any], list[tuple[int, bool]]]:
    scale = rnd.choice([10, 1000, 10**6, 10**15])
    lo = rnd.randint(-scale, scale)
    hi = lo + rnd.randint(0, rnd.choice([3, scale]))
    schema: dict[str, Any] = {"type": "integer", "minimum": lo, "maximum": hi}
    if rnd.random() < 0.3:
        schema = {"type": "integer", "exclusiveMinimum": lo - 1, "exclusiveMaximum": hi + 1}
    cases = [(rnd.randint(lo, hi), True) for _ in range(12)] + [(lo, True), (hi, True)]
    for gap in (1, 2, 9, 10, rnd.randint(1, scale), scale * 10):
        cases += [(lo - gap, False), (hi + gap, False)]
    return schema, cases


@pytest.fixture(scope="module")
def verdicts() -> list[tuple[str, list[tuple[Any, bool]], list[bool]]]:
    if oracle_python() is None:
        pytest.skip("xgrammar is not installed anywhere here")
    rnd = random.Random(20261202)
    fixed = [
        (
            {"type": "number", "minimum": 0, "maximum": 0.5},
            [(0.25, True), (0.5, True), (0.0, True), (0.51, False)],
        ),
        ({"type": "number", "minimum": 0.1, "maximum": 2.0}, [(0.7, True), (1.999, True), (0.09, False)]),
        (
            {"type": "integer", "minimum": 0, "maximum": 500},
            [(0, True), (500, True), (501, False), (-1, False)],
        ),
    ]
    groups: list[tuple[dict[str, Any], list[tuple[Any, bool]]]] = list(fixed)
    groups += [_number_cases(rnd) for _ in range(40)]
    groups += [_integer_cases(rnd) for _ in range(25)]
    jobs = []
    for schema, cases in groups:
        g = compile_tool_grammar([_tool(schema)], allow_text=False, require_call=True)
        jobs.append((g.ebnf, [render_call("f", {"x": v}) for v, _ in cases]))
    got, _ = run_oracles(jobs)
    return [(json.dumps(s), c, v) for (s, c), v in zip(groups, got, strict=True)]


def test_values_inside_the_bounds_are_writable_and_outside_not(
    verdicts: list[tuple[str, list[tuple[Any, bool]], list[bool]]],
) -> None:
    problems = [
        f"{schema}: {value!r} should be {'accepted' if want else 'rejected'}"
        for schema, cases, got in verdicts
        for (value, want), accepted in zip(cases, got, strict=True)
        if want != accepted
    ]
    assert not problems, "\n".join(problems[:20])
    assert sum(len(c) for _, c, _ in verdicts) > 1000


def _many_tools(n: int) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": f"tool_{i}",
                "parameters": {
                    "type": "object",
                    "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 500}},
                    "required": ["n"],
                },
            },
        }
        for i in range(n)
    ]


def test_a_range_used_by_many_tools_is_one_small_rule() -> None:
    g = compile_tool_grammar(_many_tools(40))
    assert len(g.ebnf) < 12_000  # was 341 KB: each tool listed 501 literals
    assert g.ebnf.count("::= ([0-9] |") == 1


def test_compiled_grammars_are_cached_by_content() -> None:
    a = compile_tool_grammar(_many_tools(5), require_call=True)
    b = compile_tool_grammar(json.loads(json.dumps(_many_tools(5))), require_call=True)
    assert a is b
    assert compile_tool_grammar(_many_tools(5), require_call=False) is not a


def test_default_limits_bound_strings_and_arrays_without_a_maximum() -> None:
    if oracle_python() is None:
        pytest.skip("xgrammar is not installed anywhere here")
    props = {
        "s": {"type": "string"},
        "t": {"type": "string", "maxLength": 8},
        "xs": {"type": "array", "items": {"type": "integer"}},
    }
    tool = {"name": "f", "parameters": {"type": "object", "properties": props}}
    g = compile_tool_grammar([tool], require_call=True, allow_text=False, max_string_length=5, max_items=2)
    cases = [
        ({"s": "abcde"}, True),
        ({"s": "abcdef"}, False),
        ({"t": "abcdefgh"}, True),  # the schema's own maximum wins
        ({"xs": [1, 2]}, True),
        ({"xs": [1, 2, 3]}, False),
    ]
    unbounded = compile_tool_grammar([tool], require_call=True, allow_text=False)
    (got, free), _ = run_oracles(
        [
            (g.ebnf, [render_call("f", a) for a, _ in cases]),
            (unbounded.ebnf, [render_call("f", a) for a, _ in cases]),
        ]
    )
    assert got == [ok for _, ok in cases]
    assert all(free)
