"""What the loop structure buys, apart from model quality: ReAct with parallel calls vs a streamed plan.

    python benchmarks/planner.py [--prefill-ms 0.05] [--decode-ms 5] [--tool-ms 300]
                                 [--base-url URL] [--json PATH]

Both strategies run against a perfect model: a latency-simulating replay (`benchmarks/_replay.py`)
that answers with each task's gold trajectory and costs `--prefill-ms` per prompt token and
`--decode-ms` per output token; every tool sleeps `--tool-ms`. So the differences are the loop's:
how many model requests, how many prompt tokens they resend, and how much of the model's and the
tools' time overlaps.

- ReAct ("react"): today's `Agent`, with all independent calls in one response (parallel calls);
  the targets are against this one. "react-1": the same loop with one call per response.
- plan: `Agent(..., planner=Planner())`, the whole plan-and-execute run as a user runs it: the
  replay writes the gold plan (`{"steps": [...]}`, later arguments as `{"$ref": "s1.path"}`), whose
  steps start as soon as each is complete in the stream; then the joiner answers
  (`{"finish": ...}`) or, on sequential tasks, writes the next one-step plan as its revision.

The suite (`benchmarks/_planner_suite.py`): three fan-outs (N independent lookups, then a summary),
three chains (each argument a field of the previous result) and three sequential tasks (each
argument read from the prose of the previous result). Targets of issue #11 for the plan against
ReAct: >=2x lower wall time on fan-outs, >=3x fewer requests on chains, >=3x fewer prompt tokens
overall, <=10% slower on sequential tasks.

`--real` instead asks a real server (`--base-url`, default the embedded default server at
http://127.0.0.1:8000/v1, its first model) for `--plans` N plans under the plan schema, and reports
the share of valid plans and each step's dispatch time relative to the end of the plan's stream
(`benchmarks/_planner_real.py`).

Default rates: `--base-url` measures them on a running OpenAI-compatible server instead (prefill:
the time of a long prompt minus a short one, per extra prompt token, with one output token;
decode: 129 output tokens minus 1, per token; the median of 3 each). The defaults were measured
that way on the tiny random Gemma 4 served on CPU by `scripts/serve-local --model tiny`; a GPU
server is faster in both, so read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents import Agent, AssistantMessage, ToolResultMessage
from agents.errors import AgentsError
from agents.models.base import ModelRequest, ModelResponse
from agents.plan import Planner
from benchmarks._planner_suite import KINDS, Task, make_toolset, suite
from benchmarks._replay import Rates, ReplayModel, summed
from tools import ToolCall

# Measured with --base-url on `scripts/serve-local --model tiny` (CPU, 2026-12-02; three runs:
# prefill 0.0035-0.0044 ms, decode 8.1-10.7 ms). A tiny model prefills almost for free; pass a
# larger --prefill-ms to weigh resent prompts as a real model would.
DEFAULT_PREFILL_MS = 0.0044
DEFAULT_DECODE_MS = 8.5
DEFAULT_TOOL_MS = 300.0

REACT_INSTRUCTIONS = (
    "Answer the user's question with the tools. Call every tool whose arguments you already know "
    "in one response; call a tool that needs an earlier result once you have seen that result."
)
STRATEGIES = ("react", "react-1", "plan")


class BenchError(AgentsError):
    """A gold run did not go as its trajectory says (a wrong call, a failed step)."""


@dataclass(frozen=True)
class Row:
    """One strategy on one task."""

    strategy: str
    kind: str
    task: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    tool_calls: int
    wall_s: float


# ReAct --------------------------------------------------------------------------------------


def react_answer(task: Task) -> Any:
    """The replay's answer for ReAct: the gold step after as many results as the model has seen."""
    ids = itertools.count(1)
    boundaries = list(itertools.accumulate(len(step) for step in task.react))

    def answer(request: ModelRequest) -> ModelResponse:
        seen = sum(isinstance(m, ToolResultMessage) for m in request.messages)
        if seen == (boundaries[-1] if boundaries else 0):
            return ModelResponse(text=task.answer)
        if seen not in [0, *boundaries[:-1]]:
            raise BenchError(f"{task.name}: the model saw {seen} results, between two gold steps.")
        step = task.react[[0, *boundaries].index(seen)]
        calls = [ToolCall(id=f"call_{next(ids)}", name=name, arguments=args) for name, args in step]
        return ModelResponse(tool_calls=calls, finish_reason="tool_calls")

    return answer


async def run_react(task: Task, rates: Rates, tool_s: float, *, serial: bool = False) -> Row:
    """Run the task with today's Agent on the replay; check every call succeeded.

    `serial`: one call per response (a loop without parallel calls), for comparison.
    """
    if serial:
        task = replace(task, react=[[call] for step in task.react for call in step])
    model = ReplayModel(react_answer(task), rates)
    agent = Agent(model, tools=make_toolset(tool_s), instructions=REACT_INSTRUCTIONS)
    return await _gold_row("react-1" if serial else "react", task, agent, model)


async def _gold_row(strategy: str, task: Task, agent: Agent[str], model: ReplayModel) -> Row:
    """Run `task` with `agent` on its replay `model`; check every call succeeded and the answer is gold."""
    started = time.perf_counter()
    result = await agent.run(task.prompt)
    wall = time.perf_counter() - started
    failed = [r for r in result.tool_results() if r.status != "ok"]
    if failed or result.output != task.answer:
        detail = failed[0].content if failed else f"output {result.output!r}"
        raise BenchError(f"{task.name} ({strategy}) did not follow its gold run: {detail}")
    requests, prompt, completion = summed(model.records)
    calls = len(result.tool_results())
    return Row(strategy, task.kind, task.name, requests, prompt, completion, calls, wall)


# Plan ---------------------------------------------------------------------------------------


def plan_answer(task: Task) -> Any:
    """The replay's answer for the plan: gold round k after k plans (a later round is the joiner's
    revised plan), then the joiner's `{"finish": answer}`."""

    def answer(request: ModelRequest) -> ModelResponse:
        done = sum(isinstance(m, AssistantMessage) for m in request.messages)
        if done < len(task.plan):
            return ModelResponse(text=task.plan_text(done))
        if request.output_schema is None or request.output_schema.name != "join":
            raise BenchError(f"{task.name} (plan): the answer was asked for without the joiner.")
        return ModelResponse(text=json.dumps({"finish": task.answer}))

    return answer


async def run_plan(task: Task, rates: Rates, tool_s: float) -> Row:
    """Run the task with `Agent(..., planner=Planner())` on the replay: the whole plan-and-execute
    run (plans streamed and dispatched mid-stream, reports, the joiner), as a user runs it."""
    model = ReplayModel(plan_answer(task), rates)
    agent = Agent(model, tools=make_toolset(tool_s), planner=Planner(max_replans=len(task.plan)))
    return await _gold_row("plan", task, agent, model)


# Rates from a server -----------------------------------------------------------------------


async def measure_rates(base_url: str) -> Rates:
    """Prefill and decode seconds per token of the server at `base_url` (OpenAI-compatible)."""
    import httpx

    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=120) as client:
        model = (await client.get("/models")).json()["data"][0]["id"]

        async def timed(words: int, max_tokens: int) -> tuple[float, int, int]:
            body = {
                "model": model,
                "prompt": "the cat sat on the mat " * (words // 6 + 1),
                "max_tokens": max_tokens,
                "temperature": 0,
                "ignore_eos": True,
            }
            started = time.perf_counter()
            response = await client.post("/completions", json=body)
            response.raise_for_status()
            usage = response.json()["usage"]
            return time.perf_counter() - started, usage["prompt_tokens"], usage["completion_tokens"]

        await timed(50, 1)  # warm-up
        prefill, decode = [], []
        for _ in range(3):
            short, long_ = await timed(50, 1), await timed(2000, 1)
            prefill.append((long_[0] - short[0]) / (long_[1] - short[1]))
            one, many = await timed(50, 1), await timed(50, 129)
            decode.append((many[0] - one[0]) / (many[2] - one[2]))
    return Rates(max(statistics.median(prefill), 0.0), max(statistics.median(decode), 0.0))


# Report -------------------------------------------------------------------------------------


async def measure(tasks: list[Task], rates: Rates, tool_s: float) -> list[Row]:
    """One row per task and strategy, run one after another (timings must not share the loop)."""
    rows = [await run_react(t, rates, tool_s) for t in tasks]
    rows += [await run_react(t, rates, tool_s, serial=True) for t in tasks]
    rows += [await run_plan(t, rates, tool_s) for t in tasks]
    return rows


def by_kind(rows: list[Row]) -> dict[tuple[str, str], dict[str, float]]:
    """Sums of requests, tokens and wall time per (strategy, kind), and per strategy over all."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    for r in rows:
        for key in ((r.strategy, r.kind), (r.strategy, "all")):
            s = out.setdefault(key, {"tasks": 0, "requests": 0, "prompt": 0, "completion": 0, "wall_s": 0.0})
            s["tasks"] += 1
            s["requests"] += r.requests
            s["prompt"] += r.prompt_tokens
            s["completion"] += r.completion_tokens
            s["wall_s"] += r.wall_s
    return out


def _order(item: tuple[tuple[str, str], Any]) -> tuple[int, int]:
    (strategy, kind), _ = item
    return (STRATEGIES.index(strategy), [*KINDS, "all"].index(kind))


def _print(rows: list[Row]) -> None:
    print(
        f"{'strategy':<8} {'kind':<11} {'task':<18} {'requests':>8} {'prompt':>8} {'compl.':>7} {'wall s':>7}"
    )
    for r in rows:
        figures = f"{r.requests:>8} {r.prompt_tokens:>8} {r.completion_tokens:>7} {r.wall_s:>7.2f}"
        print(f"{r.strategy:<8} {r.kind:<11} {r.task:<18} {figures}")
    print()
    sums = by_kind(rows)
    print(f"{'strategy':<8} {'kind':<11} {'requests':>8} {'prompt':>8} {'compl.':>7} {'wall s':>7}")
    for (strategy, kind), s in sorted(sums.items(), key=_order):
        figures = f"{s['requests']:>8.0f} {s['prompt']:>8.0f} {s['completion']:>7.0f} {s['wall_s']:>7.2f}"
        print(f"{strategy:<8} {kind:<11} {figures}")
    if ("plan", "all") not in sums:
        return
    print()

    def ratio(kind: str, field: str) -> float:
        return sums[("react", kind)][field] / max(sums[("plan", kind)][field], 1e-9)

    targets = [
        ("fan-out wall time", "fan-out", "wall_s", ">= 2.0"),
        ("chain requests", "chain", "requests", ">= 3.0"),
        ("prompt tokens overall", "all", "prompt", ">= 3.0"),
        ("sequential wall time", "sequential", "wall_s", ">= 0.91"),
    ]
    for name, kind, field, target in targets:
        if ("plan", kind) in sums:  # --kind may have left the kind out
            print(f"{name + ', ReAct/plan':<36} {ratio(kind, field):>6.2f}  (target {target})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--prefill-ms", type=float, default=DEFAULT_PREFILL_MS, help="ms per prompt token")
    parser.add_argument("--decode-ms", type=float, default=DEFAULT_DECODE_MS, help="ms per output token")
    parser.add_argument("--tool-ms", type=float, default=DEFAULT_TOOL_MS, help="ms per tool call")
    parser.add_argument("--base-url", help="measure prefill and decode rates on this server (…/v1)")
    parser.add_argument("--kind", choices=KINDS, action="append", help="only tasks of this kind")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    real = parser.add_argument_group("--real: plans on a real server (see benchmarks/_planner_real.py)")
    real.add_argument("--real", action="store_true", help="measure plans on --base-url instead of the replay")
    real.add_argument("--plans", type=int, default=10, help="plan requests (default 10)")
    real.add_argument("--model", help="served model name (default: the server's first)")
    real.add_argument("--max-tokens", type=int, default=512, help="per plan (default 512)")
    real.add_argument("--quote-bias", type=float, help="logit bias on the tokens that close a JSON string")
    args = parser.parse_args(argv)
    if args.real:
        return _main_real(args)
    rates = Rates(args.prefill_ms / 1000, args.decode_ms / 1000)
    if args.base_url:
        rates = asyncio.run(measure_rates(args.base_url))
    prefill, decode = rates.prefill_s * 1000, rates.decode_s * 1000
    print(
        f"rates: prefill {prefill:.4f} ms/token, decode {decode:.2f} ms/token, tools {args.tool_ms:g} ms/call"
    )
    tasks = [t for t in suite() if not args.kind or t.kind in args.kind]
    rows = asyncio.run(measure(tasks, rates, args.tool_ms / 1000))
    _print(rows)
    if args.json:
        payload = {"rates": asdict(rates), "tool_s": args.tool_ms / 1000, "rows": [asdict(r) for r in rows]}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


def _main_real(args: argparse.Namespace) -> int:
    from benchmarks._planner_real import DEFAULT_BASE_URL, measure_real, print_real, summary

    tasks = [t for t in suite() if not args.kind or t.kind in args.kind]
    name, samples = asyncio.run(
        measure_real(
            args.base_url or DEFAULT_BASE_URL,
            tasks,
            args.plans,
            max_tokens=args.max_tokens,
            bias=args.quote_bias,
            model=args.model,
        )
    )
    print_real(name, samples, args.quote_bias)
    if args.json:
        payload = {"model": name, "quote_bias": args.quote_bias, **summary(samples)}
        payload["samples"] = [asdict(s) for s in samples]
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
