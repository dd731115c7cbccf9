"""benchmarks/planner.py keeps working: its ReAct gold runs, its replay model, its report."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from agents.messages import UserMessage
from agents.models.base import ModelRequest, ModelResponse, TextDelta
from benchmarks import planner
from benchmarks._planner_suite import KINDS, Task, suite
from benchmarks._replay import Rates, ReplayModel, completion_tokens, prompt_tokens

FAST = Rates(prefill_s=1e-6, decode_s=1e-5)


def _first_of_each_kind() -> list[Task]:
    tasks = suite()
    return [next(t for t in tasks if t.kind == kind) for kind in KINDS]


def test_suite_has_three_tasks_of_each_kind_with_a_gold_plan_per_round() -> None:
    tasks = suite()
    assert sorted(t.kind for t in tasks) == sorted(KINDS * 3)
    for t in tasks:
        planned = sum(len(r["steps"]) for r in t.plan)
        assert planned == t.calls, t.name
        if t.kind == "sequential":
            assert len(t.plan) == t.calls  # one round per call: each needs the last result read
        else:
            assert len(t.plan) == 1


@pytest.mark.parametrize("task", _first_of_each_kind(), ids=lambda t: t.kind)
async def test_react_gold_run_makes_the_gold_requests_and_calls(task: Task) -> None:
    row = await planner.run_react(task, FAST, tool_s=0.001)
    assert row.requests == len(task.react) + 1  # one per gold step, then the answer
    assert row.tool_calls == task.calls
    assert row.prompt_tokens > 0 and row.completion_tokens > 0
    if task.kind == "fan-out":
        assert row.requests == 2  # all lookups in one response
    serial = await planner.run_react(task, FAST, tool_s=0.001, serial=True)
    assert serial.requests == task.calls + 1
    assert serial.tool_calls == task.calls


async def test_a_wrong_gold_argument_fails_the_run() -> None:
    task = next(t for t in suite() if t.kind == "chain")
    (name, args), *_ = task.react[1]
    wrong = replace(task, react=[task.react[0], [(name, {**args, "user_id": "u-0"})], *task.react[2:]])
    with pytest.raises(planner.BenchError, match="did not follow its gold run"):
        await planner.run_react(wrong, FAST, tool_s=0.001)


async def test_replay_counts_tokens_and_takes_prefill_then_decode_time() -> None:
    text = "x" * 400  # 100 tokens
    model = ReplayModel(lambda r: ModelResponse(text=text), Rates(prefill_s=0.0001, decode_s=0.0005))
    request = ModelRequest(messages=[UserMessage(content="y" * 4000)])
    started = time.perf_counter()
    response = await model.request(request)
    elapsed = time.perf_counter() - started
    assert response.usage.output_tokens == completion_tokens(response) == 100
    assert response.usage.input_tokens == prompt_tokens(request) >= 1000
    assert elapsed >= 0.0001 * 1000 + 0.0005 * 100
    assert [(r.prompt_tokens, r.completion_tokens) for r in model.records] == [(prompt_tokens(request), 100)]


async def test_replay_streams_token_sized_chunks_at_the_decode_rate() -> None:
    model = ReplayModel(lambda r: ModelResponse(text="abcd" * 50), Rates(prefill_s=0.0, decode_s=0.002))
    request = ModelRequest(messages=[UserMessage(content="go")])
    arrivals: list[float] = []
    chunks: list[str] = []
    started = time.perf_counter()
    async for item in model.stream(request):
        if isinstance(item, TextDelta):
            chunks.append(item.text)
            arrivals.append(time.perf_counter() - started)
    assert chunks == ["abcd"] * 50
    assert arrivals[0] < arrivals[-1] - 0.05  # spread over the decode, not all at the end
    assert arrivals[-1] >= 50 * 0.002
    assert len(model.records) == 1


def test_main_reports_react_and_says_whether_the_plan_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "rows.json"
    args = [
        "--tool-ms",
        "1",
        "--decode-ms",
        "0.01",
        "--prefill-ms",
        "0.0001",
        "--kind",
        "chain",
        "--json",
        str(out),
    ]
    assert planner.main(args) == 0
    assert "plan" in capsys.readouterr().out
    rows = json.loads(out.read_text())["rows"]
    assert {r["kind"] for r in rows} == {"chain"}
    assert [r["requests"] for r in rows if r["strategy"] == "react"] == [6, 6, 5]
    assert [r["requests"] for r in rows if r["strategy"] == "react-1"] == [6, 6, 5]  # a chain is serial
    assert [r["requests"] for r in rows if r["strategy"] == "plan"] == [2, 2, 2]


@pytest.mark.parametrize("task", suite(), ids=lambda t: t.name)
async def test_plan_gold_run_goes_through_the_agent_api(task: Task) -> None:
    rates = planner.Rates(prefill_s=0.0, decode_s=0.0)
    row = await planner.run_plan(task, rates, tool_s=0.0)
    # One request per gold round (later rounds are the joiner's revisions) and one to finish.
    assert row.requests == len(task.plan) + 1 and row.tool_calls == sum(len(r["steps"]) for r in task.plan)
