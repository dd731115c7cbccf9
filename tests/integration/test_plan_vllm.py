"""Plan and execute on a real vLLM server (the tiny random Gemma 4): the server writes the plan
under the plan schema, the plan parses and validates, and every step it planned ends done,
failed or skipped with a reason; then the run answers. A few requests only (CPU vLLM is slow).

The random weights under the schema alone often write a string (a reference's path, a sub-goal)
until max_tokens cuts the plan, so the requests carry a logit bias on the tokens that close a
JSON string (`benchmarks._planner_real.quote_bias`, the tokens asked of the server). The share
of valid plans with and without it is what `benchmarks/planner.py --real` reports.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Literal

import pytest

from agents import Agent, ModelSettings, OpenAIChatModel
from agents.events import ModelResponded, PlanStepFinished, PlanStepPlanned, PlanStepStarted, TextDelta
from agents.plan import Planner, PlanStream, Step

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks import planner as bench
from benchmarks._planner_real import quote_bias

Region = Literal["north", "south", "east", "west"]
_TOTALS = {"north": 475.0, "south": 425.0, "east": 350.0, "west": 435.0}


def total(region: Region) -> dict[str, float]:
    """Total sales of a region.

    Args:
        region: The region.
    """
    return {"total": _TOTALS[region]}


def change(before: float, after: float) -> float:
    """The change from before to after, in percent.

    Args:
        before: The earlier value.
        after: The later value.
    """
    return round(100 * (after - before) / before, 1)


@pytest.mark.parametrize("seed", [0, 1])
async def test_a_plan_written_under_the_schema_validates_and_is_executed(tiny_url: str, seed: int) -> None:
    model = await OpenAIChatModel.from_server(tiny_url)
    bias = await quote_bias(model, 8.0)
    assert bias, "the server's tokenizer has single tokens that close a JSON string"
    settings = ModelSettings(temperature=1.0, seed=seed, max_tokens=256, logit_bias=bias)
    agent = Agent(
        model, tools=[total, change], planner=Planner(max_steps=4, max_replans=0), settings=settings
    )
    text = ""
    responses = []
    planned: list[Step] = []
    started: set[str] = set()
    finished: dict[str, Step] = {}
    try:
        async with agent.run_stream("By how much did the north's sales differ from the west's?") as stream:
            async for event in stream:
                if isinstance(event, TextDelta) and not responses:
                    text += event.text  # the plan's own text, streamed before its response ends
                elif isinstance(event, PlanStepPlanned):
                    planned.append(event.step)
                elif isinstance(event, PlanStepStarted):
                    started.add(event.step.id)
                elif isinstance(event, PlanStepFinished):
                    finished[event.step.id] = event.step
                elif isinstance(event, ModelResponded):
                    responses.append(event.response)
    finally:
        await model.aclose()

    plan = PlanStream()
    plan.feed(text)
    whole = plan.close()  # parses, and every step follows the plan format
    assert json.loads(text)["steps"], text
    assert 1 <= len(whole.steps) <= 4
    assert [s.id for s in planned] == [s.id for s in whole.steps]
    assert responses[0].finish_reason != "length", "the plan was cut by max_tokens"
    for step in planned:
        assert step.tool in ("total", "change") or step.goal, step
        end = finished[step.id]
        assert end.status in ("done", "failed", "skipped"), end
        if end.status == "done":
            assert step.id in started and end.error is None
        else:
            assert end.error, f"step {step.id} {end.status} without a reason"
    assert set(finished) == {s.id for s in planned}
    assert len(responses) == 2 and isinstance(stream.result.output, str)  # the plan, then the answer
    assert stream.result.usage.requests == 2


def test_the_benchmark_measures_plans_on_the_real_server(tiny_url: str, tmp_path: Path) -> None:
    out = tmp_path / "real.json"
    args = ["--real", "--base-url", tiny_url, "--plans", "3", "--max-tokens", "256", "--quote-bias", "8"]
    assert bench.main([*args, "--json", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["model"] == "tiny" and figures["requests"] == 3 and len(figures["samples"]) == 3
    for s in figures["samples"]:
        if s["valid"]:
            assert s["finish_reason"] != "length" and s["steps"] >= 1
        else:
            assert s["problem"], s  # why it is not a plan
        assert len(s["dispatch_s"]) <= s["steps"]
        assert all(-s["plan_s"] <= d < 30 for d in s["dispatch_s"]), s  # within the run's time
    assert 0 <= figures["valid"] <= 1 and figures["valid"] == sum(s["valid"] for s in figures["samples"]) / 3
