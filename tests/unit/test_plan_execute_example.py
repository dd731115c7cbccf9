"""examples/plan_execute.py's parts without a server: the database and its tools, the report
folder that refuses hostile names, and a scripted plan wired by references through them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from agents import Agent
from agents.events import PlanStepFinished
from agents.models.base import ModelRequest, ModelResponse, ModelSettings, OutputSchema
from agents.plan import Planner, Step
from agents.testing import FunctionModel
from tools import RunContext

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from examples import plan_execute as ex


@pytest.fixture
def desk(tmp_path: Path) -> ex.Desk:
    desk = ex.Desk(db=tmp_path / "sales.db", out=tmp_path)
    ex.make_database(desk.db)
    return desk


def ctx(desk: ex.Desk) -> RunContext[ex.Desk]:
    return RunContext(deps=desk)


def test_the_database_answers_the_question(desk: ex.Desk) -> None:
    assert ex.list_tables(ctx(desk)) == ["managers", "sales"]
    assert ex.describe_table(ctx(desk), "sales") == [
        "region TEXT",
        "year INTEGER",
        "product TEXT",
        "amount REAL",
    ]
    ranked = ex.sales_by_region(ctx(desk), 2025)
    assert [(r["region"], r["total"]) for r in ranked] == [
        ("north", 475.0),
        ("west", 435.0),
        ("south", 425.0),
        ("east", 350.0),
    ]
    assert ranked[0] == {"region": "north", "year": 2025, "total": 475.0}
    north = [ex.region_total(ctx(desk), "north", y)["total"] for y in (2024, 2025)]
    assert north == [400.0, 475.0] and ex.percent_change(*north) == 18.8
    with pytest.raises(ValueError, match="from nothing"):
        ex.percent_change(0, 1)


def test_the_database_is_read_only_to_the_tools(desk: ex.Desk) -> None:
    with pytest.raises(Exception, match="readonly"):
        desk.query("DELETE FROM sales")
    assert len(desk.query("SELECT * FROM sales")) == 24


@pytest.mark.parametrize(
    "name",
    [
        "../escape.md",
        "/etc/passwd.md",
        "sub/report.md",
        "..\\x.md",
        ".md",
        ".hidden.md",
        "report.txt",
        "a\0.md",
    ],
)
def test_hostile_report_names_are_refused(desk: ex.Desk, name: str) -> None:
    with pytest.raises(ex.PathRefused, match="Refused report name"):
        ex.write_report(ctx(desk), name, "t", ["x"])
    assert sorted(p.name for p in desk.out.iterdir()) == ["sales.db"]


def test_a_symlink_out_of_the_folder_is_refused(desk: ex.Desk, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    os.symlink(outside, desk.out / "link.md")
    with pytest.raises(ex.PathRefused, match="leads out of the report folder"):
        ex.write_report(ctx(desk), "link.md", "t", ["x"])
    assert not outside.exists()


def test_a_report_is_written_in_the_folder(desk: ex.Desk) -> None:
    path = ex.write_report(ctx(desk), "sales.md", "Sales", ["west first", "north +18.8%"])
    assert Path(path) == desk.out.resolve() / "sales.md"
    assert Path(path).read_text() == "# Sales\n\n- west first\n- north +18.8%\n"


PLAN = {
    "steps": [
        {"id": "s1", "tool": "list_tables", "args": {}},
        {"id": "s2", "tool": "sales_by_region", "args": {"year": 2025}},
        {"id": "s3", "tool": "region_total", "args": {"region": "north", "year": 2024}},
        {"id": "s4", "tool": "region_total", "args": {"region": "north", "year": 2025}},
        {
            "id": "s5",
            "tool": "percent_change",
            "args": {"before": {"$ref": "s3.total"}, "after": {"$ref": "s4.total"}},
        },
        {
            "id": "s6",
            "tool": "write_report",
            "args": {
                "filename": "sales.md",
                "title": "Sales 2025",
                "lines": [{"$ref": "s2.0.region"}, {"$ref": "s5"}],
            },
            "deps": ["s1"],
        },
        {"id": "s7", "tool": "write_report", "args": {"filename": "../up.md", "title": "x", "lines": []}},
    ]
}


async def test_a_plan_wired_by_references_runs_through_the_tools(desk: ex.Desk) -> None:
    answers = iter([json.dumps(PLAN), "The north sold most, and grew 18.8%."])

    def respond(request: ModelRequest) -> ModelResponse:
        return ModelResponse(text=next(answers))

    agent = Agent(FunctionModel(respond), tools=ex.TOOLS, planner=Planner(max_replans=0))
    result = await agent.run(ex.QUESTION, deps=desk)
    steps: dict[str, Step] = {e.step.id: e.step for e in result.events if isinstance(e, PlanStepFinished)}
    assert {i: s.status for i, s in steps.items()} == {
        **{f"s{i}": "done" for i in range(1, 7)},
        "s7": "failed",
    }
    assert steps["s5"].result == 18.8
    assert (desk.out / "sales.md").read_text() == "# Sales 2025\n\n- north\n- 18.8\n"
    assert "Refused report name '../up.md'" in (steps["s7"].error or "")
    assert not (desk.out.parent / "up.md").exists()
    assert ex.describe(steps["s5"]) == "s5 percent_change(before=$s3.total, after=$s4.total) after s3, s4"
    assert ex.describe(steps["s6"]).startswith(
        's6 write_report(filename=sales.md, title=Sales 2025, lines=[{"$ref"'
    )
    assert ex.describe(steps["s6"]).endswith(") after s1, s2, s5")


def test_offline_models_are_named_plainly() -> None:
    assert "offline fallback" in (ex.offline_note("gemma3-270m") or "")
    assert "random" in (ex.offline_note("tiny") or "")
    assert ex.offline_note("google/gemma-4-E4B-it") is None


def test_the_nudge_goes_only_to_requests_under_a_schema() -> None:
    model = ex.NudgedModel("tiny", base_url="http://127.0.0.1:9/v1")
    plan = ModelRequest(messages=[], output_schema=OutputSchema("plan", {"type": "object"}))
    answer = ModelRequest(messages=[], settings=ModelSettings(max_tokens=5))
    assert model._nudged(plan) is plan  # no bias asked for: nothing changes
    model.bias = {236775: 8.0}
    assert model._nudged(plan).settings.logit_bias == {236775: 8.0}
    assert model._nudged(answer) is answer
    both = ModelRequest(
        messages=[], output_schema=plan.output_schema, settings=ModelSettings(logit_bias={1: -1.0})
    )
    assert model._nudged(both).settings.logit_bias == {1: -1.0, 236775: 8.0}
