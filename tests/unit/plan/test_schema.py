"""The plan schema: example plans validated with jsonschema, as the server's decoder would hold them."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from agents.plan import Plan, plan_output_schema, plan_schema
from tools import Toolset


class Filter(BaseModel):
    field: str
    value: int


def search(query: str, limit: int = 5) -> list[str]:
    """Search the web."""
    return [query] * limit


def lookup(ids: list[int], where: Filter) -> dict[str, Any]:
    """Look rows up."""
    return {"ids": ids, "where": where.field}


TOOLS = Toolset([search, lookup])


def validator(max_steps: int = 16) -> jsonschema.Draft202012Validator:
    schema = plan_schema(TOOLS, max_steps=max_steps)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


VALID = {
    "steps": [
        {"id": "s1", "tool": "search", "args": {"query": "gemma"}},
        {"id": "s2", "tool": "search", "args": {"query": {"$ref": "s1.0"}, "limit": 2}, "deps": ["s1"]},
        {
            "id": "s3",
            "tool": "lookup",
            "args": {"ids": [1, {"$ref": "s2.result.0"}], "where": {"field": "a", "value": {"$ref": "s1"}}},
        },
        {"id": "s4", "tool": "lookup", "args": {"ids": {"$ref": "s3.ids"}, "where": {"$ref": "s3.where"}}},
        {"id": "s5", "goal": "summarise what was found", "deps": ["s3", "s4"]},
    ]
}


def errors(plan: dict[str, Any], max_steps: int = 16) -> list[str]:
    return [e.message for e in validator(max_steps).iter_errors(plan)]


def test_a_valid_plan_validates_and_parses_as_a_plan() -> None:
    assert errors(VALID) == []
    assert [s.id for s in Plan.model_validate(VALID).steps] == ["s1", "s2", "s3", "s4", "s5"]


def with_step(step: dict[str, Any]) -> dict[str, Any]:
    return {"steps": [VALID["steps"][0], step]}


@pytest.mark.parametrize(
    "step",
    [
        {"id": "s2", "tool": "serch", "args": {"query": "x"}},  # wrong tool name
        {"id": "s2", "tool": "search", "args": {"query": 3}},  # wrong type
        {"id": "s2", "tool": "search", "args": {}},  # required argument missing
        {"id": "s2", "tool": "search", "args": {"query": "x", "extra": 1}},  # unknown argument
        {"id": "s2", "tool": "lookup", "args": {"ids": ["a"], "where": {"field": "a", "value": 1}}},
        {"id": "s2", "tool": "search", "args": {"query": {"$ref": "step1"}}},  # malformed ref
        {"id": "s2", "tool": "search", "args": {"query": {"$ref": "s1", "x": 1}}},  # ref with extra keys
        {"id": "s2", "tool": "search", "args": {"query": {"ref": "s1"}}},  # not a ref at all
        {"id": "x2", "tool": "search", "args": {"query": "x"}},  # bad id
        {"id": "s2", "tool": "search", "args": {"query": "x"}, "deps": ["one"]},  # bad dep
        {"id": "s2", "tool": "search", "args": {"query": "x"}, "goal": "both"},  # tool and goal
        {"id": "s2", "goal": ""},  # empty goal
    ],
)
def test_bad_steps_are_rejected(step: dict[str, Any]) -> None:
    assert errors(with_step(step)) != []


def test_a_whole_args_object_cannot_be_a_ref() -> None:
    assert errors(with_step({"id": "s2", "tool": "search", "args": {"$ref": "s1"}})) != []


def test_step_count_is_bounded() -> None:
    plan = {"steps": [{"id": f"s{i}", "goal": "g"} for i in range(1, 4)]}
    assert errors(plan, max_steps=3) == []
    assert errors(plan, max_steps=2) != []
    assert errors({"steps": []}) != []


class Node(BaseModel):
    name: str
    children: list[Node] = []


def walk(tree: Node) -> int:
    """Count nodes."""
    return 1 + sum(walk(c) for c in tree.children)


def test_recursive_tool_types_keep_their_defs_at_the_root() -> None:
    schema = plan_schema(Toolset([walk]))
    assert any(name.startswith("walk.") for name in schema["$defs"])
    check = jsonschema.Draft202012Validator(schema)
    tree = {"name": "a", "children": [{"name": "b", "children": [{"name": {"$ref": "s1.x"}}]}]}
    assert list(check.iter_errors({"steps": [{"id": "s2", "tool": "walk", "args": {"tree": tree}}]})) == []
    bad = {"name": "a", "children": [{"children": []}]}
    assert list(check.iter_errors({"steps": [{"id": "s2", "tool": "walk", "args": {"tree": bad}}]})) != []


def test_output_schema_wraps_the_plan_schema() -> None:
    out = plan_output_schema(TOOLS, max_steps=4)
    assert out.name == "plan"
    assert out.schema == plan_schema(TOOLS, max_steps=4)


class Answer(BaseModel):
    best: Filter
    note: str


def test_the_joiner_schema_takes_an_answer_under_the_output_type_or_a_revised_plan() -> None:
    from agents.output import OutputSpec
    from agents.plan.schema import joiner_schema

    answer = OutputSpec.of(Answer).schema
    schema = joiner_schema(plan_schema(TOOLS), answer).schema
    jsonschema.Draft202012Validator.check_schema(schema)
    check = jsonschema.Draft202012Validator(schema)
    assert check.is_valid({"finish": {"best": {"field": "a", "value": 1}, "note": "x"}})
    assert check.is_valid(VALID)  # a revised plan
    assert not check.is_valid({"finish": {"best": {"field": "a", "value": "one"}, "note": "x"}})
    assert not check.is_valid({"finish": "text"}) and not check.is_valid({"replan": "why"})
    # The answer's $defs move to the root, renamed so that they cannot meet a tool's.
    assert list(schema["$defs"]) == ["answer.Filter"]
    text = jsonschema.Draft202012Validator(joiner_schema(plan_schema(TOOLS), None).schema)
    assert text.is_valid({"finish": "Snow."}) and not text.is_valid({"finish": 3})


def test_bounds_for_small_models_end_free_strings_and_arrays_only() -> None:
    schema = plan_schema(TOOLS, max_steps=3, max_string_length=8, max_items=2)
    jsonschema.Draft202012Validator.check_schema(schema)
    check = jsonschema.Draft202012Validator(schema)
    one = {"id": "s1", "tool": "search", "args": {"query": "tea"}}
    assert check.is_valid({"steps": [one, {"id": "s2", "goal": "find tea", "deps": ["s1"]}]})
    assert not check.is_valid({"steps": [{"id": "s1", "goal": "a goal longer than eight"}]})
    assert not check.is_valid({"steps": [{**one, "args": {"query": "x" * 9}}]})
    assert not check.is_valid({"steps": [{"id": "s2", "goal": "g", "deps": ["s1", "s1", "s1"]}]})
    # References and ids keep their own (bounded) patterns; the plan keeps max_steps.
    assert check.is_valid({"steps": [{**one, "args": {"query": {"$ref": "s1.items.0.name"}}}]})
    assert not check.is_valid({"steps": [one] * 4})
    assert not check.is_valid({"steps": [{**one, "id": "s12345"}]})
