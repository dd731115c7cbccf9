"""Plan data: references parsed out of arguments, a step's needs, and `Plan.check`."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from agents.plan import Plan, PlanError, Ref, Step
from tools import Toolset


def search(query: str) -> list[str]:
    """Search."""
    return [query]


def plan(*steps: dict[str, Any]) -> Plan:
    return Plan.model_validate({"steps": list(steps)})


def test_ref_parse_splits_step_and_path_and_drops_result_sugar() -> None:
    assert Ref.parse("s1").step == "s1"
    assert Ref.parse("s1").path == ()
    assert Ref.parse("s12.rows.0.id").path == ("rows", "0", "id")
    assert Ref.parse("s1.result.rows.0").path == Ref.parse("s1.rows.0").path == ("rows", "0")


@pytest.mark.parametrize("text", ["", "x1", "s", "s1.", "s1..a", "1", "sa.b", ".s1"])
def test_ref_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(PlanError, match="Malformed reference"):
        Ref.parse(text)


def test_refs_are_parsed_anywhere_in_args_and_dumped_back() -> None:
    raw = {
        "id": "s3",
        "tool": "t",
        "args": {"a": {"$ref": "s1"}, "b": [1, {"c": {"$ref": "s2.x"}}], "d": {"e": 1}},
    }
    step = Step.model_validate(raw)
    assert step.args["a"] == Ref.parse("s1")
    assert step.args["b"][1]["c"] == Ref.parse("s2.x")
    assert step.args["d"] == {"e": 1}  # an object with other keys is a value, not a ref
    assert [r.ref for r in step.refs()] == ["s1", "s2.x"]
    assert step.model_dump(include={"id", "tool", "args"}) == raw


def test_needs_are_deps_then_ref_steps_without_repeats() -> None:
    step = Step.model_validate(
        {"id": "s4", "tool": "t", "args": {"a": {"$ref": "s2"}, "b": {"$ref": "s1.x"}}, "deps": ["s1", "s3"]}
    )
    assert step.needs == ["s1", "s3", "s2"]


@pytest.mark.parametrize(
    "raw",
    [
        {"id": "s1"},  # neither tool nor goal
        {"id": "s1", "tool": "t", "goal": "g"},  # both
        {"id": "step1", "tool": "t"},  # id pattern
        {"id": "s1", "tool": "t", "deps": ["first"]},  # dep is not an id
        {"id": "s1", "tool": "t", "args": {"a": {"$ref": "nope"}}},  # malformed ref
    ],
)
def test_malformed_steps_are_validation_errors(raw: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Step.model_validate(raw)


def test_runtime_fields_are_not_in_the_step_schema() -> None:
    props = Step.model_json_schema()["properties"]
    assert set(props) == {"id", "tool", "args", "goal", "deps"}


def test_check_accepts_a_sound_plan() -> None:
    sound = plan(
        {"id": "s1", "tool": "search", "args": {"query": "a"}},
        {"id": "s2", "tool": "search", "args": {"query": "b"}},
        {"id": "s3", "goal": "compare", "deps": ["s1"], "args": {}},
        {"id": "s4", "tool": "search", "args": {"query": {"$ref": "s2.0"}}, "deps": ["s3"]},
    )
    assert sound.check(Toolset([search])) == []


def test_check_finds_duplicate_ids() -> None:
    problems = plan({"id": "s1", "goal": "a"}, {"id": "s1", "goal": "b"}).check()
    assert problems == ["step id s1 is used twice (steps 1 and 2)"]


def test_check_finds_unknown_ids_in_deps_and_refs() -> None:
    problems = plan({"id": "s1", "tool": "t", "args": {"x": {"$ref": "s7.a"}}, "deps": ["s9"]}).check()
    assert problems == ["step s1 depends on unknown step s9", "step s1 depends on unknown step s7"]


def test_check_finds_cycles_and_self_and_forward_references() -> None:
    cyclic = plan(
        {"id": "s1", "tool": "t", "args": {"x": {"$ref": "s2"}}},
        {"id": "s2", "goal": "g", "deps": ["s1"]},
        {"id": "s3", "goal": "h", "deps": ["s3"]},
    )
    problems = cyclic.check()
    assert len(problems) == 2
    assert problems[0].startswith("step s1 depends on s2, which comes later")
    assert problems[1] == "step s3 depends on itself"


def test_check_with_a_toolset_finds_unknown_tools() -> None:
    problems = plan({"id": "s1", "tool": "serch", "args": {}}).check(Toolset([search]))
    assert problems == ["step s1 calls unknown tool 'serch'; tools: search"]
