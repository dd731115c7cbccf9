"""`benchmarks/planner.py --real`: plans written by a real server under the plan schema.

For each of N plan requests (the suite's prompts in turn, seed i for request i), an agent with a
`Planner` plans over the suite's toolset on the server, and its steps run as they stream in.
The run is stopped once the plan's own request has responded: the answer request that would
follow measures nothing here. Per request it records:

- whether the plan was valid: its text parsed and every step followed the plan format (a plan
  cut by `max_tokens` is not), and whether it was also sound (`Plan.check`: no unknown tool, no
  dependency on a step never planned or planned later);
- each step's dispatch time (`PlanStepStarted.at`) relative to the end of the plan's stream
  (when the model's stream delivered its final response): negative means the step started
  while the plan was still being decoded.

`quote_bias` adds a logit bias on the tokens that close a JSON string, a nudge for the
project's offline models (random or base weights), which under the schema alone may write an
unbounded string (a `$ref` path, a goal) until `max_tokens` cuts the plan.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from agents import Agent, ModelSettings, OpenAIChatModel
from agents.errors import AgentsError
from agents.events import ModelResponded, PlanStepFinished, PlanStepStarted, TextDelta
from agents.models.base import ModelRequest, ModelResponse, StreamItem
from agents.plan import Plan, Planner, PlanStream, Step
from benchmarks._planner_suite import Task, make_toolset

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
STRING_ENDS = ('"', '",', '"}', '"]')
"""Texts that close a JSON string; those the tokenizer has as one token get `quote_bias`."""


class StreamTimedModel(OpenAIChatModel):
    """The HTTP client, noting when each streamed response ended (its final `ModelResponse` arrived),
    and that response (also for a plan the run could not use: one cut by `max_tokens`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream_ends: list[tuple[float, ModelResponse]] = []

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        async for item in super().stream(request):
            if isinstance(item, ModelResponse):
                self.stream_ends.append((time.monotonic(), item))
            yield item


@dataclass
class PlanSample:
    """One plan request on the real server."""

    index: int
    task: str
    valid: bool
    sound: bool
    steps: int
    completion_tokens: int
    finish_reason: str | None
    plan_s: float  # from the run's start to the end of the plan's stream
    dispatch_s: list[float] = field(default_factory=list)  # each started step, relative to that end
    outcomes: dict[str, str] = field(default_factory=dict)  # step id -> done / failed / skipped
    problem: str | None = None


async def quote_bias(model: OpenAIChatModel, strength: float) -> dict[int, float]:
    """A logit bias of `strength` on the served model's tokens that close a JSON string (vLLM's /tokenize)."""
    bias: dict[int, float] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for text in STRING_ENDS:
            body = {"model": model.name, "prompt": text, "add_special_tokens": False}
            response = await client.post(f"{model.base_url.removesuffix('/v1')}/tokenize", json=body)
            response.raise_for_status()
            tokens = response.json()["tokens"]
            if len(tokens) == 1:
                bias[int(tokens[0])] = strength
    return bias


def _plan_of(text: str) -> tuple[Plan | None, str | None]:
    stream = PlanStream()
    try:
        stream.feed(text)
        return stream.close(), None
    except AgentsError as e:
        return None, str(e)


async def sample(
    model: StreamTimedModel, task: Task, index: int, *, max_tokens: int, bias: dict[int, float] | None
) -> PlanSample:
    """Plan `task` once on the server, run its steps as they stream, stop after the plan's response."""
    toolset = make_toolset(0.0)
    settings = ModelSettings(temperature=1.0, seed=index, max_tokens=max_tokens, logit_bias=bias or None)
    agent = Agent(model, tools=toolset, planner=Planner(max_replans=0), settings=settings)
    text, started, finished = "", [], {}
    error: str | None = None
    before = len(model.stream_ends)
    begun = time.monotonic()
    try:
        async with agent.run_stream(task.prompt) as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    text += event.text
                elif isinstance(event, PlanStepStarted):
                    started.append(event)
                elif isinstance(event, PlanStepFinished):
                    finished[event.step.id] = event.step
                elif isinstance(event, ModelResponded):
                    break  # the plan's request is done; the answer's is not measured
    except AgentsError as e:  # a plan the model could not finish (cut by max_tokens)
        error = f"{type(e).__name__}: {e}"
    ends = model.stream_ends[before:]
    end, response = ends[0] if ends else (time.monotonic(), None)
    plan, problem = _plan_of(text)
    unsound = plan.check(toolset) if plan is not None else []
    return PlanSample(
        index=index,
        task=task.name,
        valid=plan is not None,
        sound=plan is not None and not unsound,
        steps=len(plan.steps) if plan is not None else len(finished),
        completion_tokens=response.usage.output_tokens if response is not None else 0,
        finish_reason=response.finish_reason if response is not None else None,
        plan_s=end - begun,
        dispatch_s=[e.at - end for e in started],
        outcomes={i: _outcome(s) for i, s in finished.items()},
        problem=error or problem or ("; ".join(unsound) if unsound else None),
    )


def _outcome(step: Step) -> str:
    return step.status if step.status == "done" else f"{step.status}: {step.error}"


async def measure_real(
    base_url: str, tasks: list[Task], n: int, *, max_tokens: int, bias: float | None, model: str | None
) -> tuple[str, list[PlanSample]]:
    """N plan requests on the server's default (first listed) model, one after another."""
    client = (
        StreamTimedModel(model, base_url=base_url) if model else await StreamTimedModel.from_server(base_url)
    )
    assert isinstance(client, StreamTimedModel)
    try:
        logit_bias = await quote_bias(client, bias) if bias else None
        samples = [
            await sample(client, tasks[i % len(tasks)], i, max_tokens=max_tokens, bias=logit_bias)
            for i in range(n)
        ]
    finally:
        await client.aclose()
    return client.name, samples


def summary(samples: list[PlanSample]) -> dict[str, Any]:
    """The headline figures: shares of valid and sound plans, dispatch times relative to the stream end."""
    offsets = [d for s in samples for d in s.dispatch_s]
    firsts = [min(s.dispatch_s) for s in samples if s.dispatch_s]
    n = len(samples)
    return {
        "requests": n,
        "valid": sum(s.valid for s in samples) / n if n else None,
        "sound": sum(s.sound for s in samples) / n if n else None,
        "steps_started": len(offsets),
        "started_before_end": sum(d < 0 for d in offsets) / len(offsets) if offsets else None,
        "dispatch_median_s": statistics.median(offsets) if offsets else None,
        "first_dispatch_median_s": statistics.median(firsts) if firsts else None,
        "plan_s_median": statistics.median(s.plan_s for s in samples) if samples else None,
    }


def print_real(model: str, samples: list[PlanSample], bias: float | None) -> None:
    """The table of plan requests, then the summary."""
    nudge = f", quote bias {bias:g}" if bias else ", no bias"
    print(f"real server: model {model}{nudge}")
    head = f"{'#':>3} {'task':<18} {'valid':>5} {'sound':>5} {'steps':>5} {'tokens':>6} {'plan s':>7}"
    print(f"{head}  dispatch s")
    for s in samples:
        dispatch = " ".join(f"{d:+.2f}" for d in s.dispatch_s) or "-"
        row = f"{s.index:>3} {s.task:<18} {s.valid!s:>5} {s.sound!s:>5} {s.steps:>5} {s.completion_tokens:>6}"
        print(f"{row} {s.plan_s:>7.2f}  {dispatch}")
        if s.problem:
            print(f"    {s.problem[:160]}")
    figures = summary(samples)
    print()

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}%"

    def sec(x: float | None) -> str:
        return "-" if x is None else f"{x:+.2f} s"

    print(f"plans valid under the constraint     {pct(figures['valid'])} of {figures['requests']}")
    print(f"plans also sound (Plan.check)        {pct(figures['sound'])}")
    early = f"{pct(figures['started_before_end'])} of {figures['steps_started']}"
    print(f"steps started before the stream end  {early}")
    print(f"dispatch vs stream end, median       {sec(figures['dispatch_median_s'])}")
    print(f"first step vs stream end, median     {sec(figures['first_dispatch_median_s'])}")


__all__ = [
    "DEFAULT_BASE_URL",
    "PlanSample",
    "StreamTimedModel",
    "measure_real",
    "print_real",
    "quote_bias",
    "summary",
]
