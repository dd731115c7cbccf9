"""Evals under either strategy: `--strategy plan` runs each trial's agent with a Planner, scored
by the same checks; the strategy is recorded, and `compare` puts the two runs side by side."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from agents.models.base import ModelRequest, OutputSchema
from agents.testing import FunctionModel, ScriptedModel, call
from evals.checks import RequiredCalls, StateEquals
from evals.cli import main
from evals.matching import CallPattern
from evals.oracle import gold_plan_script, oracle_model
from evals.reports import compare
from evals.runner import EvalConfig, run_eval
from evals.store import RUN, SUMMARY, read_json, read_trials
from evals.strategy import as_answer, check_strategy
from evals.suites import load_suite
from evals.tasks import EnvSpec, GoldCall, Suite, Task
from tools.errors import ConfigError

SHOP = EnvSpec(
    name="shop",
    state={
        "products": {
            "M": {"name": "Mug", "price": 1.0, "stock": 0},
            "C": {"name": "Cap", "price": 5.0, "stock": 4},
        }
    },
)


def restock_task(task_id: str = "restock") -> Task:
    return Task.single(
        id=task_id,
        env=SHOP,
        prompt="Restock 3 mugs.",
        gold=[
            GoldCall(name="search_products", arguments={"query": "mug"}),
            GoldCall(name="restock", arguments={"sku": "M", "quantity": 3}),
        ],
        checks=[
            StateEquals(path=["products", "M", "stock"], expected=3),
            RequiredCalls(calls=[CallPattern(name="restock", args={"sku": ["M"], "quantity": [3]})]),
        ],
    )


def plan(*steps: dict[str, object]) -> str:
    return json.dumps({"steps": list(steps)})


def planning_model(*texts: str) -> FunctionModel:
    """Plans and then an answer, in order; the answer as the request asks for it (`as_answer`)."""
    replies = iter(texts)

    def respond(request: ModelRequest) -> str:
        text = next(replies)
        return text if text.startswith('{"steps"') else as_answer(request, text)

    return FunctionModel(respond)


async def test_oracle_plans_score_100_percent_with_fewer_requests(tmp_path: Path) -> None:
    suite = load_suite("multistep")
    react = await run_eval(suite, EvalConfig(out=tmp_path / "react", oracle=True), progress=io.StringIO())
    planned = await run_eval(
        suite, EvalConfig(out=tmp_path / "plan", oracle=True, strategy="plan"), progress=io.StringIO()
    )
    failures = [(r.task_id, r.error, r.verdicts) for r in read_trials(tmp_path / "plan") if not r.passed]
    assert planned["success_rate"] == 1.0, failures
    gold = sum(len(t.gold) for task in suite.tasks for t in task.turns)
    assert planned["tool_calls"] == react["tool_calls"] == gold
    assert planned["tool_call_validity"] == 1.0
    # One plan and one answer per turn, against a request per gold step and one answer.
    turns = sum(len(task.turns) for task in suite.tasks)
    assert planned["model_requests"] == 2 * turns < react["model_requests"]
    assert (planned["strategy"], react["strategy"]) == ("plan", "react")
    assert read_json(tmp_path / "plan" / RUN)["config"]["strategy"] == "plan"
    assert "| strategy | plan |" in (tmp_path / "plan" / "report.md").read_text()


def test_gold_plans_keep_the_gold_order_unless_the_turn_is_parallel() -> None:
    task = restock_task()
    first, answer = gold_plan_script(task)
    steps = json.loads(str(first))["steps"]
    assert [(s["id"], s["tool"], s["deps"]) for s in steps] == [
        ("s1", "search_products", []),
        ("s2", "restock", ["s1"]),
    ]
    assert answer == "Done."
    parallel = task.model_copy(update={"turns": [task.turns[0].model_copy(update={"gold_parallel": True})]})
    steps = json.loads(str(gold_plan_script(parallel)[0]))["steps"]
    assert [s["deps"] for s in steps] == [[], []]


async def test_a_plans_steps_are_scored_as_calls_with_their_references_resolved(tmp_path: Path) -> None:
    # The restock's sku is a reference into the search's result: the check sees the value "M".
    script = [
        plan(
            {"id": "s1", "tool": "search_products", "args": {"query": "mug"}},
            {"id": "s2", "tool": "restock", "args": {"sku": {"$ref": "s1.0.sku"}, "quantity": 3}},
            {"id": "s3", "tool": "restock", "args": {"sku": "NOPE", "quantity": 1}},
            {"id": "s4", "tool": "get_product", "args": {"sku": {"$ref": "s3"}}},
            {"id": "s5", "tool": "get_product", "args": {"sku": {"$ref": "s1.0.nope"}}},
        ),
        plan({"id": "s1", "tool": "get_product", "args": {"sku": "M"}}),
        "Restocked.",
    ]
    suite = Suite(name="one", tasks=[restock_task()])
    summary = await run_eval(
        suite,
        EvalConfig(out=tmp_path, strategy="plan"),
        model_factory=lambda t, i: planning_model(*script),
        progress=io.StringIO(),
    )
    (record,) = read_trials(tmp_path)
    assert record.passed, record.verdicts
    calls = [(c.name, c.arguments, c.status, c.step) for c in record.turns[0].calls]
    # s1 and s3 are independent and may start in either order; s2 and s5 wait for s1; s4 (on
    # the failed s3) is skipped and s5 fails on its reference: neither called its tool. The
    # revised plan is the second request.
    assert sorted(calls, key=repr) == sorted(
        [
            ("search_products", {"query": "mug"}, "ok", 1),
            ("restock", {"sku": "M", "quantity": 3}, "ok", 1),
            ("restock", {"sku": "NOPE", "quantity": 1}, "error", 1),
            ("get_product", {"sku": "M"}, "ok", 2),
        ],
        key=repr,
    )
    assert calls.index(("search_products", {"query": "mug"}, "ok", 1)) < calls.index(
        ("restock", {"sku": "M", "quantity": 3}, "ok", 1)
    )
    assert calls[-1][0] == "get_product"
    restocked = next(c for c in record.turns[0].calls if c.arguments == {"sku": "M", "quantity": 3})
    assert restocked.result == "M stock is now 3"
    failed = next(c for c in record.turns[0].calls if c.status == "error")
    assert "NOPE" in failed.result
    assert summary["model_requests"] == 3 and summary["tool_calls"] == 4


async def test_a_run_of_one_strategy_is_not_resumed_under_the_other(tmp_path: Path) -> None:
    suite = Suite(name="one", tasks=[restock_task()])
    await run_eval(suite, EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO())
    with pytest.raises(ConfigError, match="strategy was 'react', is now 'plan'"):
        await run_eval(suite, EvalConfig(out=tmp_path, oracle=True, strategy="plan"), progress=io.StringIO())
    # A run stored before strategies existed was a react run, and resumes as one.
    run = read_json(tmp_path / RUN)
    del run["fingerprint"]["settings"]["strategy"]
    (tmp_path / RUN).write_text(json.dumps(run))
    again = await run_eval(suite, EvalConfig(out=tmp_path, oracle=True, k=2), progress=io.StringIO())
    assert again["trials_run_now"] == 1


def test_unknown_strategy_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected one of react, plan"):
        EvalConfig(out=tmp_path, strategy="tree")  # type: ignore[arg-type]
    assert check_strategy("plan") == "plan"


async def test_compare_shows_both_strategies_side_by_side(tmp_path: Path) -> None:
    suite = Suite(name="one", tasks=[restock_task("a"), restock_task("b")])

    def react_model(task: Task, trial: int) -> ScriptedModel:
        return ScriptedModel(
            [call("search_products", query="mug"), call("restock", sku="M", quantity=3), "ok"]
        )

    def plan_model(task: Task, trial: int) -> FunctionModel:
        answers = [
            plan(
                {"id": "s1", "tool": "search_products", "args": {"query": "mug"}},
                {"id": "s2", "tool": "restock", "args": {"sku": {"$ref": "s1.0.sku"}, "quantity": 3}},
            ),
            "ok",
        ]
        return planning_model(*answers)

    a, b = tmp_path / "react", tmp_path / "plan"
    await run_eval(suite, EvalConfig(out=a), model_factory=react_model, progress=io.StringIO())
    await run_eval(
        suite, EvalConfig(out=b, strategy="plan"), model_factory=plan_model, progress=io.StringIO()
    )
    rows = {name: (x, y) for name, x, y, _ in compare(a, b).metrics}
    assert rows["strategy"] == ("react", "plan")
    assert rows["success_rate"] == (1.0, 1.0)
    assert rows["model_requests"] == (6, 4)
    ra, rb = read_trials(a), read_trials(b)
    assert rows["input_tokens"] == (
        sum(r.input_tokens or 0 for r in ra),
        sum(r.input_tokens or 0 for r in rb),
    )
    assert rows["output_tokens"] == (
        sum(r.output_tokens or 0 for r in ra),
        sum(r.output_tokens or 0 for r in rb),
    )
    assert all(isinstance(v, int) and v > 0 for v in rows["input_tokens"] + rows["output_tokens"])
    assert rows["wall_s"] == (read_json(a / SUMMARY)["wall_s"], read_json(b / SUMMARY)["wall_s"])
    mean_a = sum(r.latency_s for r in ra) / len(ra)
    assert rows["latency_mean_s"][0] == pytest.approx(mean_a)
    text = compare(a, b).markdown()
    for label in (
        "| strategy | react | plan |",
        "| model_requests | 6 | 4 |",
        "| input_tokens |",
        "| wall_s |",
    ):
        assert label in text


def test_cli_strategy_flag_names_the_default_out_and_compare_prints_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["multistep", "--oracle", "--limit", "2", "--strategy", "plan"]) == 0
    out = capsys.readouterr().out
    assert "strategy" in out and "plan" in out
    assert (tmp_path / "runs" / "multistep-oracle-plan" / SUMMARY).exists()
    assert main(["multistep", "--oracle", "--limit", "2"]) == 0
    assert (tmp_path / "runs" / "multistep-oracle" / SUMMARY).exists()
    capsys.readouterr()
    assert main(["compare", "runs/multistep-oracle", "runs/multistep-oracle-plan"]) == 0
    assert "| strategy | react | plan |" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # argparse names the choices
        main(["multistep", "--oracle", "--strategy", "nope"])
    assert "--strategy: invalid choice: 'nope'" in capsys.readouterr().err


def test_an_answer_to_a_joiner_is_a_finish_decision() -> None:
    plan_schema = {"type": "object", "properties": {"steps": {"type": "array"}}}
    finish = {"type": "object", "properties": {"finish": {"type": "string"}}, "required": ["finish"]}
    joiner = ModelRequest(messages=[], output_schema=OutputSchema("join", {"anyOf": [finish, plan_schema]}))
    planner = ModelRequest(messages=[], output_schema=OutputSchema("plan", plan_schema))
    plain = ModelRequest(messages=[])
    assert json.loads(as_answer(joiner, "Done.")) == {"finish": "Done."}
    assert as_answer(planner, "Done.") == as_answer(plain, "Done.") == "Done."


async def test_the_oracle_answers_a_joiner_with_a_finish_decision() -> None:
    finish = {"type": "object", "properties": {"finish": {"type": "string"}}}
    model = oracle_model(restock_task(), "plan")
    first = await model.request(ModelRequest(messages=[]))
    assert json.loads(first.text)["steps"][0]["tool"] == "search_products"  # a plan is never wrapped
    joined = await model.request(
        ModelRequest(messages=[], output_schema=OutputSchema("join", {"anyOf": [finish]}))
    )
    assert json.loads(joined.text) == {"finish": "Done."} and joined.usage.output_tokens == 0
