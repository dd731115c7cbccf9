"""The JSON answer grammar, checked with the real xgrammar against pydantic as the oracle.

For random candidate answers (compact JSON, declared key order, some of them invalid), the
grammar accepts exactly those that pydantic validates. In a tool grammar with an answer schema,
the reply is calls or that JSON, never free text.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from agents.gemma4 import compile_tool_grammar, render_call
from agents.gemma4.json_grammar import compile_json_grammar
from agents.models.base import OutputSchema
from agents.models.profiles import GEMMA4
from tests.unit.gemma4.strategies import SPECS
from tests.unit.gemma4.xgrammar_check import oracle_python, run_oracles


class Loc(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class City(BaseModel):
    name: str
    population: int = Field(ge=0)
    kind: Literal["town", "city"] = "city"
    loc: Loc | None = None
    tags: list[str] = Field(default_factory=list, max_length=3)
    score: float = 0.0


class Tree(BaseModel):
    label: str = Field(max_length=5)
    kids: list[Tree] = []


_TEXT = st.text(st.characters(blacklist_characters="<|", blacklist_categories=("Cs",)), max_size=8)
_COORD = st.floats(-200, 200).map(lambda x: round(x, 3))
_CITY = st.fixed_dictionaries(
    {"name": st.one_of(_TEXT, st.integers()), "population": st.integers(-5, 10**7)},
    optional={
        "kind": st.sampled_from(["town", "city", "village"]),
        "loc": st.none() | st.fixed_dictionaries({"lat": _COORD, "lon": _COORD}),
        "tags": st.lists(_TEXT, max_size=5),
        "score": st.floats(-1e6, 1e6).map(lambda x: round(x, 2)) | st.integers(-100, 100),
    },
)
_TREE = st.recursive(
    st.fixed_dictionaries({"label": st.text(max_size=7).filter(lambda s: "<" not in s and "|" not in s)}),
    lambda kids: st.fixed_dictionaries(
        {"label": st.text('ab\\"é\n', max_size=7)}, optional={"kids": st.lists(kids, max_size=3)}
    ),
    max_leaves=6,
)


_ORDER = ["name", "population", "kind", "loc", "tags", "score", "lat", "lon", "label", "kids"]


def _ordered(value: Any) -> Any:
    """Keys in declared order (the grammar's order; hypothesis shuffles optional keys)."""
    if isinstance(value, dict):
        return {k: _ordered(value[k]) for k in sorted(value, key=_ORDER.index)}
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def _compact(value: Any) -> str:
    return json.dumps(_ordered(value), ensure_ascii=False, separators=(",", ":"))


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


def _valid(model: type[BaseModel], text: str) -> bool:
    try:
        model.model_validate_json(text, strict=True)
    except ValidationError:
        return False
    return True


@pytest.fixture(scope="module")
def oracle() -> dict[str, Any]:
    if oracle_python() is None:
        pytest.skip("xgrammar is not installed anywhere here")
    groups: list[tuple[type[BaseModel], list[str]]] = [
        (City, [_compact(d) for d in _collect(_CITY, 120)]),
        (Tree, [_compact(d) for d in _collect(_TREE, 60)]),
    ]
    jobs = [(compile_json_grammar(m.model_json_schema()), texts) for m, texts in groups]
    city = json.dumps({"name": "Oslo", "population": 700000}, separators=(",", ":"))
    call = render_call("get_weather", {"city": "Oslo", "days": 2})
    mixed = [call, "Sure. " + call, city, "Oslo has 700000 people.", '{"name":"Oslo"}']
    jobs.append((compile_tool_grammar(SPECS, answer_schema=City.model_json_schema()).ebnf, mixed))
    jobs.append(
        (compile_tool_grammar(SPECS, require_call=True, answer_schema=City.model_json_schema()).ebnf, mixed)
    )
    # What the agent sends: the profile's compiler, auto, with the run's output type (markers as
    # text: the oracle has no tokenizer).
    typed = replace(GEMMA4, marker_token_ids={}).compile_tool_grammar(
        SPECS, tool_choice="auto", answer=OutputSchema("City", City.model_json_schema())
    )
    jobs.append((typed.structured_outputs()["grammar"], mixed))
    verdicts, _ = run_oracles(jobs)
    return {"groups": groups, "verdicts": verdicts}


def test_answer_grammar_accepts_what_pydantic_validates(oracle: dict[str, Any]) -> None:
    problems = []
    counts = {True: 0, False: 0}
    for (model, texts), got in zip(oracle["groups"], oracle["verdicts"], strict=False):
        for text, accepted in zip(texts, got, strict=True):
            want = _valid(model, text)
            counts[want] += 1
            if want != accepted:
                problems.append(f"{model.__name__}: {text!r} should be {'accepted' if want else 'rejected'}")
    assert not problems, "\n".join(problems[:20])
    assert counts[True] > 40 and counts[False] > 40


def test_tool_grammar_with_answer_allows_calls_or_the_answer(oracle: dict[str, Any]) -> None:
    auto, required = oracle["verdicts"][2], oracle["verdicts"][3]
    assert auto == [True, True, True, False, False]
    assert required == [True, True, False, False, False]


def test_a_typed_run_under_auto_gets_calls_or_the_answer_and_no_prose(oracle: dict[str, Any]) -> None:
    # Prose before a call has no use when the answer is typed, and a small model's prose ran to
    # max_tokens (Gemma 3 270M in the demo: 3 requests instead of 2).
    assert oracle["verdicts"][4] == [True, False, True, False, False]
