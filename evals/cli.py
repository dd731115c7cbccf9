"""`agents eval`: run a suite, rebuild a run's report, compare two runs, list suites.

    agents eval SUITE --base-url URL [--base-url URL2 ...] --model NAME -k 4 --concurrency 16 --out DIR
    agents eval SUITE --oracle --out DIR          # replay the gold answers; no server needed
    agents eval SUITE --strategy plan ...         # the agent plans, then executes (default: react)
    agents eval report DIR                        # summary.json, report.md, report.html from trials.jsonl
    agents eval SUITE --store URL --eval-id ID --base-url URL ...  # one of several runners of one eval
    agents eval report [DIR] --store URL --eval-id ID  # a shared eval's reports (DIR: runs/ID)
    agents eval compare A B [--all-tasks]         # two runs side by side (e.g. react vs plan), task by task
    agents eval SUITE --agent module:factory ...  # another framework's agent (see evals.frameworks)
    agents eval list                              # the registered suites

Also `python -m evals ...` with the same arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.errors import AgentsError
from agents.models.base import Model
from agents.models.openai import OpenAIChatModel
from agents.tool_modes import TOOL_MODES
from evals.reports import compare, rebuild
from evals.reports.markdown import headline
from evals.runner import EvalConfig, run_eval
from evals.shared import SharedEval, export_eval
from evals.strategy import STRATEGIES
from evals.suites import available_suites, describe_suite, load_suite
from tools.errors import ConfigError

_COMMANDS = {"report": 1, "compare": 2, "list": 0}


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    width = max(len(k) for k, _ in headline(summary))
    for key, value in headline(summary):
        print(f"{key:<{width}}  {value}")
    print(f"reports: {out / 'report.md'}, {out / 'report.html'}")


def _list_suites() -> None:
    infos = [describe_suite(name) for name in available_suites()]
    width = max((len(i.name) for i in infos), default=4)
    print(f"{'suite':<{width}}  {'tasks':>5}  description")
    for info in infos:
        count = "-" if info.tasks is None else str(info.tasks)
        note = f" (unavailable: {info.problem})" if info.problem else ""
        print(f"{info.name:<{width}}  {count:>5}  {info.description}{note}")


def _default_out(suite: str, model: str | None, oracle: bool, strategy: str = "react") -> Path:
    tail = "" if strategy == "react" else f"-{strategy}"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{suite}-{'oracle' if oracle else model or 'model'}{tail}")
    return Path("runs") / name


async def _models(args: argparse.Namespace) -> list[Model]:
    urls = args.base_url or ["http://127.0.0.1:8000/v1"]
    if args.model:
        return [OpenAIChatModel(args.model, base_url=u, profile=args.profile) for u in urls]
    return [await OpenAIChatModel.from_server(u, profile=args.profile) for u in urls]


async def _run(args: argparse.Namespace) -> int:
    suite = load_suite(args.suite).select(tags=args.tags, limit=args.limit)
    if not suite.tasks:
        raise ConfigError(f"No task of suite {args.suite!r} is left after --tags/--limit.")
    models: list[Model] = [] if args.oracle else await _models(args)
    model_name = None if args.oracle else models[0].name
    out = Path(args.out) if args.out else _default_out(suite.name, model_name, args.oracle, args.strategy)
    if args.eval_id and not args.out:  # a shared eval's reports: the same folder as `eval report`'s default
        out = Path("runs") / re.sub(r"[^A-Za-z0-9_.-]+", "_", args.eval_id)
    config = EvalConfig(
        out=out,
        k=args.k,
        concurrency=args.concurrency,
        seed=args.seed,
        timeout_s=args.timeout,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        oracle=args.oracle,
        model_name=model_name,
        base_urls=[] if args.oracle else list(args.base_url or ["http://127.0.0.1:8000/v1"]),
        tool_mode=args.tool_mode,
        strategy=args.strategy,
        agent=args.agent,
    )
    shared = None
    if args.store or args.eval_id:
        if not (args.store and args.eval_id):
            raise ConfigError(
                "A shared eval needs both --store URL and --eval-id ID (the same on every runner)."
            )
        shared = SharedEval(args.store, args.eval_id, lease_s=args.lease)
        if args.runner:
            shared.runner = args.runner
    try:
        summary = await run_eval(suite, config, models=models, shared=shared)
    finally:
        for m in models:
            if isinstance(m, OpenAIChatModel):
                await m.aclose()
    _print_summary(summary, out)
    return 0


def _shared_report(args: argparse.Namespace) -> int:
    """`eval report [DIR] --store URL --eval-id ID`: the shared eval copied into DIR, then reported."""
    if not (args.store and args.eval_id) or len(args.paths) > 1:
        raise ConfigError(
            "`eval report [DIR] --store URL --eval-id ID` takes both options and at most one DIR."
        )
    out = Path(args.paths[0]) if args.paths else Path("runs") / re.sub(r"[^A-Za-z0-9_.-]+", "_", args.eval_id)
    asyncio.run(export_eval(args.store, args.eval_id, out))
    _print_summary(rebuild(out), out)
    return 0


def run_command(args: argparse.Namespace) -> int:
    """The `eval` command's handler (`args.func`)."""
    command = args.suite
    if command == "report" and (args.store or args.eval_id):
        return _shared_report(args)
    if command in _COMMANDS and len(args.paths) != _COMMANDS[command]:
        raise ConfigError(f"`eval {command}` takes {_COMMANDS[command]} directories, got {len(args.paths)}.")
    if command == "list":
        _list_suites()
        return 0
    if command == "report":
        out = Path(args.paths[0])
        _print_summary(rebuild(out), out)
        return 0
    if command == "compare":
        print(compare(Path(args.paths[0]), Path(args.paths[1])).markdown(all_tasks=args.all_tasks), end="")
        return 0
    if args.paths:
        raise ConfigError(f"Unexpected arguments after the suite name: {' '.join(args.paths)}.")
    return asyncio.run(_run(args))


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `eval` command to a parent parser's sub-commands (agents/cli.py calls this)."""
    p = subparsers.add_parser(
        "eval",
        help="run an eval suite, or: eval report DIR, eval compare A B, eval list",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "suite", help="a registered suite (eval list), a .json/.yaml/.py file, or report/compare/list"
    )
    p.add_argument("paths", nargs="*", help="the run directories of `report` and `compare`")
    p.add_argument(
        "--base-url", action="append", help="an OpenAI-compatible endpoint; repeat for several replicas"
    )
    p.add_argument("--model", default=None, help="served model name (default: the first the server lists)")
    p.add_argument("--profile", default=None, help="model family profile (default: from the model name)")
    p.add_argument("-k", type=int, default=1, help="trials per task (default 1)")
    p.add_argument("--concurrency", type=int, default=8, help="trials in flight (default 8)")
    p.add_argument(
        "--out",
        default=None,
        help="run directory (default runs/SUITE-MODEL, or runs/EVAL_ID); re-running resumes",
    )
    p.add_argument("--oracle", action="store_true", help="replay the gold answers instead of asking a model")
    p.add_argument("--limit", type=int, default=None, help="only the first N tasks")
    p.add_argument("--tags", nargs="+", default=None, help="only tasks with any of these tags")
    p.add_argument("--seed", type=int, default=0, help="seed of trial 0; trial i uses seed+i")
    p.add_argument("--temperature", type=float, default=None, help="default: the model profile's")
    p.add_argument("--max-tokens", type=int, default=512, help="per model response (default 512)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per trial (default 600)")
    p.add_argument(
        "--tool-mode",
        choices=TOOL_MODES,
        default=None,
        help="how calls are asked for and read (default: the model profile's; grammar for Gemma 4)",
    )
    p.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="react",
        help="react: call by call (the step loop); plan: plan the calls first, then execute (default react)",
    )
    p.add_argument(
        "--agent",
        default=None,
        help="run another framework's agent: module:factory (see evals.frameworks; "
        "evals.adapters.builtin:factory is ours, evals.adapters.pydantic_ai:factory PydanticAI's)",
    )
    p.add_argument(
        "--store",
        default=None,
        help="share the eval with other runners through this store (postgresql://... or sqlite:///...)",
    )
    p.add_argument("--eval-id", default=None, help="the shared eval's name, the same on every runner")
    p.add_argument(
        "--lease",
        type=float,
        default=60.0,
        help="seconds a dead runner's trials stay claimed before others take them (default 60)",
    )
    p.add_argument(
        "--all-tasks",
        action="store_true",
        help="compare: every common task side by side, not only the changed",
    )
    p.add_argument("--runner", default=None, help="this runner's name in the store (default host:pid:random)")
    p.set_defaults(func=run_command)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m evals ...`: the `eval` command on its own."""
    parser = argparse.ArgumentParser(prog="python -m evals")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["eval", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args))
    except AgentsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
