"""Share of responses that hold a valid tool call, and decode speed, for each tool mode.

    python benchmarks/tool_call_validity.py [--base-url URL ...] [--requests 40] [--json PATH]

For every server (default: the local tiny and 270M servers of scripts/serve-local), the same
prompts over the eight-tool toolbox (examples/toolbox.py) are sent in each mode:

  unconstrained  server mode, tool_choice auto: plain decoding, the baseline for speed
  server         server mode, tool_choice required (vLLM does not enforce it for Gemma 4)
  json           our JSON mode (JSON-schema constrained {"tool_calls": [...]}) , call required
  grammar        our Gemma 4 grammar (native calls, schema-exact), call required

Each response is asked for one call (parallel calls off), so that max_tokens cuts none in two.
A response is valid when it was not cut by max_tokens (vLLM returns a cut call's fragment as
a call; the client reports it cut), holds at least one call, and every call names a tool of the
toolbox with arguments our registry validates; for server and grammar modes the calls must
also have come back from vLLM's gemma4 parser as `tool_calls`. Speed is completion tokens per
second of request time, the modes interleaved round by round so that load drifts hit all
alike; `grammar/unconstrained` is the ratio of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents import tool_modes
from agents.errors import AgentsError
from agents.messages import SystemMessage, UserMessage
from agents.models import ModelRequest, ModelSettings, OpenAIChatModel
from agents.models.profiles import ToolMode
from examples.toolbox import toolbox
from tools import ToolCall, Toolset
from tools.errors import ToolError

PROMPTS = [
    "What's the weather in Lisbon for the next 3 days, in fahrenheit?",
    "Find markdown and python files about 'parser'.",
    "Schedule 'Design review' on Wednesday with Ana (ana@example.com) and Bo.",
    "Order two mugs and one cap, express please.",
    "Set the office to 21.5 degrees.",
    "Tell Sam 'running late, start without me' with high priority.",
    "How many miles is 42 km?",
    "Turn on dark mode for users 7 and 12.",
]
MODES: dict[str, tuple[ToolMode, str]] = {
    "unconstrained": ("server", "auto"),
    "server": ("server", "required"),
    "json": ("json", "required"),
    "grammar": ("grammar", "required"),
}


@dataclass
class ModeStats:
    requests: int = 0
    valid: int = 0
    server_parsed: int = 0
    truncated: int = 0  # cut by max_tokens
    errors: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @property
    def valid_share(self) -> float:
        return self.valid / self.requests if self.requests else 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.seconds if self.seconds else 0.0


def all_valid(calls: list[ToolCall], toolset: Toolset) -> bool:
    if not calls:
        return False
    try:
        for c in calls:
            toolset.validate(c)
    except ToolError:
        return False
    return True


async def one(
    model: OpenAIChatModel, mode: str, prompt: str, seed: int, max_tokens: int, stats: ModeStats
) -> None:
    toolset = toolbox()
    tool_mode, choice = MODES[mode]
    base = ModelRequest(
        messages=[SystemMessage(content="Use the tools to act on the request."), UserMessage(content=prompt)],
        settings=ModelSettings(temperature=1.0, seed=seed, max_tokens=max_tokens, parallel_tool_calls=False),
    )
    request = tool_modes.prepare(
        tool_mode, base, specs=toolset.specs(), tool_choice=choice, profile=model.profile, parallel=False
    )
    started = time.monotonic()
    try:
        response = await model.request(request)
    except AgentsError as e:
        stats.requests += 1
        stats.errors += 1
        if len(stats.examples) < 3:
            stats.examples.append(f"error: {e}"[:200])
        return
    elapsed = time.monotonic() - started
    got = tool_modes.extract(tool_mode, response, model.profile, request)
    stats.requests += 1
    stats.seconds += elapsed
    stats.latencies.append(elapsed)
    stats.completion_tokens += response.usage.output_tokens
    from_server = bool(response.tool_calls)
    stats.server_parsed += from_server
    cut = response.finish_reason == "length"  # the client reports a call cut by max_tokens as such
    stats.truncated += cut
    ok = not cut and all_valid(got.calls, toolset) and (from_server or tool_mode == "json")
    stats.valid += ok
    if not ok and len(stats.examples) < 3:
        stats.examples.append((response.text or str(response.tool_calls))[:200])


async def bench_server(base_url: str, n: int, concurrency: int, max_tokens: int) -> dict[str, ModeStats]:
    model = await OpenAIChatModel.from_server(base_url)
    # Only the modes the model's profile can serve (a generic model has no grammar).
    stats = {
        mode: ModeStats() for mode, (tool_mode, _) in MODES.items() if tool_mode in model.profile.tool_modes
    }
    done = 0
    while done < n:
        batch = min(concurrency, n - done)
        for mode in stats:  # interleaved: every mode sees the same load in each round
            await asyncio.gather(
                *[
                    one(model, mode, PROMPTS[(done + i) % len(PROMPTS)], done + i, max_tokens, stats[mode])
                    for i in range(batch)
                ]
            )
        done += batch
        print(f"  {model.name}: {done}/{n} per mode", file=sys.stderr, flush=True)
    await model.aclose()
    return stats


def table(results: dict[str, dict[str, ModeStats]]) -> str:
    lines = [
        "| server model | mode | valid calls | parsed by vLLM | cut by max_tokens | errors | tokens/s "
        "| vs unconstrained | p50 s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, by_mode in results.items():
        base = by_mode["unconstrained"].tokens_per_s
        for mode, s in by_mode.items():
            ratio = f"{s.tokens_per_s / base:.2f}" if base else "-"
            p50 = statistics.median(s.latencies) if s.latencies else 0.0
            lines.append(
                f"| {name} | {mode} | {s.valid}/{s.requests} ({s.valid_share:.0%}) | {s.server_parsed} | "
                f"{s.truncated} | {s.errors} | {s.tokens_per_s:.1f} | {ratio} | {p50:.2f} |"
            )
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--base-url", action="append", default=None, help="repeatable; default: local tiny and 270m"
    )
    ap.add_argument("--requests", type=int, default=40, help="requests per mode and server")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    urls = args.base_url or ["http://127.0.0.1:8011/v1", "http://127.0.0.1:8012/v1"]
    results: dict[str, dict[str, ModeStats]] = {}
    for url in urls:
        try:
            model = asyncio.run(OpenAIChatModel.from_server(url))
        except AgentsError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(f"benchmarking {model.name} at {url} (profile {model.profile.family})", file=sys.stderr)
        results[model.name] = asyncio.run(bench_server(url, args.requests, args.concurrency, args.max_tokens))
    print(table(results))
    for name, by_mode in results.items():
        for mode, s in by_mode.items():
            for example in s.examples:
                print(f"  invalid example, {name}/{mode}: {example!r}", file=sys.stderr)
    if args.json:
        payload: dict[str, Any] = {
            name: {
                mode: {**asdict(s), "valid_share": s.valid_share, "tokens_per_s": s.tokens_per_s}
                for mode, s in by_mode.items()
            }
            for name, by_mode in results.items()
        }
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
