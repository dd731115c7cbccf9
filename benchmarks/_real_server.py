"""The eval runner against a real vLLM server: its token rate beside the server's saturated rate.

Used by `benchmarks/eval_throughput.py --real --base-url URL`. Three passes over the same
requests, so that the runner and the raw load ask the server for the same work:

1. The runner (`evals.runner.run_eval`) runs the first `--tasks` tasks of our multi-step suite at
   `--concurrency`, with the cache holding none of them yet. Its summary gives the prefix-cache
   hit rate (from the server's `/metrics`), and every request body it sent is kept.
2. Those bodies are sent again straight to `POST /chat/completions` with one bare httpx client,
   `--raw-concurrency` at once (`saturate`): the server's own saturated rate for this work, in
   prompt + completion tokens per second from the responses' usage.
3. The runner runs the same trials again (same seeds, so mostly the same requests, which the
   cache now holds, as it did for pass 2). Its rate, from the trials' usage, over the window from
   its first request to its last reply, ÷ pass 2's rate is the share of the server the runner uses.

Pass 1's rate is reported too, but pass 1 paid for cache misses that passes 2 and 3 did not.

All three passes carry one `cache_salt` made afresh for the run, so that what earlier runs (or
other users of the server) left in the cache does not count. Unless told not to, each step of a
Gemma 4 grammar-mode request is steered to exactly one call (`forced_call`): the tiny model of the
tests has random weights and would otherwise answer in text at once, and no trial would be multi-step.
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from agents import OpenAIChatModel
from agents.models.base import ModelRequest, ModelResponse, StreamItem
from agents.models.profiles import ModelProfile
from evals import prometheus
from evals.runner import EvalConfig, run_eval
from evals.suites import load_suite
from evals.tasks import Suite


@dataclass
class Load:
    """What one load on the server did: requests, tokens from their usage, and its window."""

    requests: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        return (self.prompt_tokens + self.completion_tokens) / self.wall_s if self.wall_s > 0 else 0.0

    def row(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failed": self.failed,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "wall_s": round(self.wall_s, 2),
            "tokens_per_s": round(self.tokens_per_s, 1),
            "requests_per_s": round(self.requests / self.wall_s, 2) if self.wall_s > 0 else 0.0,
        }


async def saturate(
    base_url: str, bodies: Sequence[bytes], concurrency: int, timeout_s: float = 600.0
) -> Load:
    """POST every body to `{base_url}/chat/completions`, `concurrency` at a time, with one httpx client.

    The bodies are sent as they are (JSON bytes). Tokens are summed from each 200 response's
    `usage`; any other status counts as failed. The window runs from the first send to the last reply.
    """
    load = Load()
    todo = iter(bodies)
    url = f"{base_url.rstrip('/')}/chat/completions"
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(timeout=timeout_s, limits=limits, headers=headers) as client:

        async def worker() -> None:
            for body in todo:  # one shared iterator: each body is sent once
                response = await client.post(url, content=body)
                load.requests += 1
                if response.status_code != 200:
                    load.failed += 1
                    continue
                usage = response.json().get("usage") or {}
                load.prompt_tokens += int(usage.get("prompt_tokens") or 0)
                load.completion_tokens += int(usage.get("completion_tokens") or 0)

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(min(concurrency, len(bodies))):
                group.create_task(worker())
        load.wall_s = time.perf_counter() - started
    return load


class Recorded:
    """The model, its requests timed (first request to last reply) and, when asked, their bodies kept."""

    def __init__(
        self, model: OpenAIChatModel, bodies: list[bytes] | None, force_calls: bool, cache_salt: str
    ) -> None:
        self.model = model
        self.bodies = bodies
        self.force_calls = force_calls
        self.cache_salt = cache_salt
        self.requests = 0
        self.response_tokens = 0  # from every response, to check the trials' usage against
        self.first: float | None = None
        self.last = 0.0
        self.cpu_first = self.cpu_last = 0.0  # this process's CPU time over the same window

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def profile(self) -> ModelProfile:
        return self.model.profile

    @property
    def wall_s(self) -> float:
        return self.last - self.first if self.first is not None else 0.0

    def _prepare(self, request: ModelRequest) -> ModelRequest:
        if self.force_calls:
            request = forced_call(request)
        # vLLM shares cached blocks only between requests of the same salt: a fresh salt per
        # benchmark run keeps the prompts of earlier runs (and of other users) out of its hit rate.
        extra = {**(request.settings.extra_body or {}), "cache_salt": self.cache_salt}
        request = replace(request, settings=replace(request.settings, extra_body=extra))
        if self.first is None:
            self.first = time.perf_counter()
            self.cpu_first = time.process_time()
        if self.bodies is not None:
            # The body the client sends, unstreamed, for the raw load (a benchmark may use the seam).
            body, _ = self.model._body(request, stream=False)
            self.bodies.append(body)
        return request

    def _end(self) -> None:
        self.requests += 1
        self.last = time.perf_counter()
        self.cpu_last = time.process_time()

    async def request(self, request: ModelRequest) -> ModelResponse:
        request = self._prepare(request)
        response = await self.model.request(request)
        self.response_tokens += response.usage.total_tokens
        self._end()
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        request = self._prepare(request)
        async for item in self.model.stream(request):
            yield item
        self._end()


_CALL_OPEN = re.compile(r"^g4_call_open ::= Token\((\d+)\)$", re.MULTILINE)
GEMMA_END_TOKENS = (1, 106)  # <eos> and <turn|>, Gemma's end-of-generation tokens


def forced_call(request: ModelRequest) -> ModelRequest:
    """`request` made to answer with one call, then stop, when its grammar is Gemma 4's.

    A model with random weights almost never opens a call of its own, and never stops after one,
    so every trial would end after one request, or on replies cut at the token limit. Here the
    token that opens a call is strongly favoured, the grammar allows one call (not several), and
    the end tokens are favoured less, so they win only once the call is closed. The grammar still
    decides what may be written, so the calls stay well formed; only the model's choice is steered.
    """
    grammar = (request.structured_outputs or {}).get("grammar")
    found = _CALL_OPEN.search(grammar) if isinstance(grammar, str) else None
    if found is None or request.structured_outputs is None:
        return request
    one_call = grammar.replace("g4_calls ::= g4_one_call+", "g4_calls ::= g4_one_call")
    bias = {**(request.settings.logit_bias or {}), int(found.group(1)): 60.0}
    bias.update(dict.fromkeys(GEMMA_END_TOKENS, 30.0))
    return replace(
        request,
        structured_outputs={**request.structured_outputs, "grammar": one_call},
        settings=replace(request.settings, logit_bias=bias),
    )


def multistep(tasks: int) -> Suite:
    """The first `tasks` tasks of our multi-step suite, taken evenly across its three environments."""
    suite = load_suite("multistep")
    by_env: dict[str, list[Any]] = {}
    for task in suite.tasks:
        by_env.setdefault(task.id.split("-")[0], []).append(task)
    picked: list[Any] = []
    while len(picked) < min(tasks, len(suite.tasks)):
        for group in by_env.values():
            if group and len(picked) < tasks:
                picked.append(group.pop(0))
    return Suite(
        name=suite.name, description=suite.description, instructions=suite.instructions, tasks=picked
    )


async def runner_pass(
    url: str,
    model_name: str,
    suite: Suite,
    concurrency: int,
    max_tokens: int,
    bodies: list[bytes] | None,
    force_calls: bool,
    cache_salt: str,
) -> dict[str, Any]:
    """One eval of `suite` at `concurrency`: tokens/s from the trials' usage, and the cache hit rate."""
    model = OpenAIChatModel(model_name, base_url=url, timeout_s=600)
    recorded = Recorded(model, bodies, force_calls, cache_salt)
    with tempfile.TemporaryDirectory(prefix="eval-throughput-real-") as out:
        config = EvalConfig(
            out=Path(out),
            concurrency=concurrency,
            max_tokens=max_tokens,
            timeout_s=600,
            model_name=model_name,
            base_urls=[url],  # the runner reads the prefix-cache counters of these endpoints
        )
        summary = await run_eval(suite, config, models=[recorded])  # type: ignore[list-item]
    await model.aclose()
    load = Load(
        requests=recorded.requests,
        failed=int(summary.get("infra_errors") or 0),
        prompt_tokens=int(summary.get("input_tokens") or 0),
        completion_tokens=int(summary.get("output_tokens") or 0),
        wall_s=recorded.wall_s,
    )
    hit_rate = summary.get("prefix_cache_hit_rate")
    return {
        **load.row(),
        "trials": len(suite.tasks),
        "model_requests_in_trials": summary.get("model_requests"),
        "tokens_in_responses": recorded.response_tokens,
        "runner_cpu_ms_per_request": round(
            (recorded.cpu_last - recorded.cpu_first) / recorded.requests * 1000, 2
        )
        if recorded.requests
        else None,
        "prefix_cache_hit_rate": None if hit_rate is None else round(float(hit_rate), 4),
    }


async def served_model(url: str) -> str:
    """The first model the server lists."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        response = await client.get(f"{url}/models")
        response.raise_for_status()
    return str(response.json()["data"][0]["id"])


async def measure_real(
    url: str, tasks: int, concurrency: int, raw_concurrency: Sequence[int], max_tokens: int, force_calls: bool
) -> dict[str, Any]:
    """The three passes (module docstring); the figures of each, and the ratios."""
    model_name = await served_model(url)
    suite = multistep(tasks)
    bodies: list[bytes] = []
    salt = f"eval-throughput-{uuid.uuid4().hex}"
    step = "[eval-throughput --real]"
    cold = await runner_pass(url, model_name, suite, concurrency, max_tokens, bodies, force_calls, salt)
    print(
        f"{step} runner, cold cache: {cold['tokens_per_s']} tok/s, {len(bodies)} requests",
        file=sys.stderr,
        flush=True,
    )
    raw = []
    for c in raw_concurrency:
        before = await prometheus.scrape(url)
        load = await saturate(url, bodies, c)
        hit = prometheus.hit_rate([before], [await prometheus.scrape(url)])
        raw.append(
            {"concurrency": c, **load.row(), "prefix_cache_hit_rate": None if hit is None else round(hit, 4)}
        )
        print(f"{step} raw httpx at {c}: {load.tokens_per_s:.1f} tok/s", file=sys.stderr, flush=True)
    warm = await runner_pass(url, model_name, suite, concurrency, max_tokens, None, force_calls, salt)
    print(f"{step} runner, warm cache: {warm['tokens_per_s']} tok/s", file=sys.stderr, flush=True)
    saturated = max(r["tokens_per_s"] for r in raw)
    return {
        "model": model_name,
        "suite": f"multistep (first {len(suite.tasks)} tasks, k=1)",
        "concurrency": concurrency,
        "max_tokens": max_tokens,
        "forced_calls": force_calls,
        "runner_cold": cold,
        "raw": raw,
        "runner_warm": warm,
        "saturated_tokens_per_s": saturated,
        "runner_share_of_saturated": round(warm["tokens_per_s"] / saturated, 3) if saturated else None,
        "prefix_cache_hit_rate": cold["prefix_cache_hit_rate"],
    }


def real_table(report: dict[str, Any]) -> str:
    """The real-server figures as a Markdown table, then the two target figures."""
    lines = [
        "| load | in flight | requests | prompt tok | completion tok | wall s | tok/s | prefix-cache hit "
        "| runner CPU ms/request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def add(name: str, c: int, r: dict[str, Any], hit: float | None) -> None:
        shown = "-" if hit is None else f"{hit:.1%}"
        cpu = r.get("runner_cpu_ms_per_request")
        cpu_shown = "-" if cpu is None else f"{cpu:.2f}"
        lines.append(
            f"| {name} | {c} | {r['requests']:,} | {r['prompt_tokens']:,} | {r['completion_tokens']:,} | "
            f"{r['wall_s']:.1f} | {r['tokens_per_s']:,.0f} | {shown} | {cpu_shown} |"
        )

    c = report["concurrency"]
    add("runner, cold cache", c, report["runner_cold"], report["runner_cold"]["prefix_cache_hit_rate"])
    for r in report["raw"]:
        add("raw httpx, same bodies", r["concurrency"], r, r["prefix_cache_hit_rate"])
    add("runner, warm cache", c, report["runner_warm"], report["runner_warm"]["prefix_cache_hit_rate"])
    share = report["runner_share_of_saturated"]
    hit = report["prefix_cache_hit_rate"]
    lines.append("")
    lines.append(
        f"runner (warm) ÷ saturated: {'-' if share is None else f'{share:.1%}'} at concurrency {c} "
        f"(target ≥ 90%); prefix-cache hit rate, cold pass: {'-' if hit is None else f'{hit:.1%}'} "
        "(target ≥ 80%)"
    )
    return "\n".join(lines)
