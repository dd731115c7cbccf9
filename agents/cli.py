"""The `agents` command: `serve` a model with vLLM, `run` an agent once, `eval` a suite."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Sequence
from typing import Any

from agents import _shadow
from agents.agent import Agent
from agents.errors import AgentsError, ConfigError, trace_of
from agents.events import ModelResponded, RunFinished, TextDelta, ToolCallFinished, ToolCallStarted
from agents.models.base import ModelSettings
from agents.models.openai import OpenAIChatModel
from agents.serve import LOCAL_MODELS, ServerConfig, serve_forever
from agents.tool_modes import TOOL_MODES
from tools import Toolset


def _serve(args: argparse.Namespace) -> int:
    config = ServerConfig(
        model=args.model,
        served_name=args.served_name,
        host=args.host,
        port=args.port,
        profile=args.profile,
        max_model_len=args.max_model_len,
        cpu=True if args.cpu else None,
        vllm=args.vllm,
        extra_args=list(args.vllm_args or []),
    )
    return serve_forever(config, timeout_s=args.timeout)


def load_tools(spec: str) -> Toolset:
    """`package.module:name` naming a Toolset, a tool, or a list of tools."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"--tools takes module:attribute (e.g. examples.weather:toolset), not {spec!r}.")
    try:
        obj: Any = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"Cannot load tools from {spec!r}: {e}") from e
    if isinstance(obj, Toolset):
        return obj
    return Toolset(list(obj) if isinstance(obj, list | tuple) else [obj])


def _print_event(event: Any) -> None:
    if isinstance(event, TextDelta):
        print(event.text, end="", flush=True)
    elif isinstance(event, ToolCallStarted):
        args = (
            event.call.arguments
            if isinstance(event.call.arguments, str)
            else json.dumps(event.call.arguments)
        )
        print(f"\n→ call {event.call.name}({args})", flush=True)
    elif isinstance(event, ToolCallFinished):
        print(f"← {event.result.status}: {event.result.content[:300]}", flush=True)
    elif isinstance(event, RunFinished):
        output = event.output if isinstance(event.output, str) else json.dumps(event.output, default=str)
        print(f"\n= answer: {output}", flush=True)


async def _run_once(args: argparse.Namespace) -> int:
    if args.model:
        model = OpenAIChatModel(args.model, base_url=args.base_url, profile=args.profile)
    else:
        model = await OpenAIChatModel.from_server(args.base_url, profile=args.profile)
    toolset = load_tools(args.tools) if args.tools else Toolset()
    settings = ModelSettings(temperature=args.temperature, seed=args.seed, max_tokens=args.max_tokens)
    agent = Agent(
        model, tools=toolset, instructions=args.instructions, settings=settings, tool_mode=args.tool_mode
    )
    print(
        f"model {model.name!r} at {model.base_url} (profile {model.profile.family}, "
        f"tool mode {args.tool_mode or model.profile.default_tool_mode})",
        flush=True,
    )
    stream = agent.run_stream(args.prompt, tool_choice=args.tool_choice)
    async for event in stream:
        if args.verbose and isinstance(event, ModelResponded):
            print(f"[step {event.step}] finish={event.response.finish_reason}", flush=True)
        _print_event(event)
    usage = stream.result.usage
    print(
        f"({usage.requests} requests, {usage.input_tokens} prompt + {usage.output_tokens} completion tokens)"
    )
    await model.aclose()
    return 0


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(_run_once(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agents", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="start a vLLM server with the model profile's flags")
    s.add_argument("model", help=f"model directory, hub id, or a local model: {', '.join(LOCAL_MODELS)}")
    s.add_argument("--served-name", default=None)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument(
        "--profile", default=None, help="model family profile (gemma4, generic); default: from the name"
    )
    s.add_argument("--max-model-len", type=int, default=4096)
    s.add_argument("--cpu", action="store_true", help="force CPU flags (detected otherwise)")
    s.add_argument("--vllm", default=None, help="path of the vllm executable")
    s.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for /health")
    s.epilog = "Arguments after `--` go to `vllm serve` unchanged."
    s.set_defaults(func=_serve)

    r = sub.add_parser("run", help="run an agent once and print its calls and answer")
    r.add_argument("prompt")
    r.add_argument("--base-url", default="http://127.0.0.1:8000/v1")
    r.add_argument("--model", default=None, help="served model name (default: the server's first)")
    r.add_argument("--profile", default=None)
    r.add_argument("--tools", default=None, help="module:attribute of a Toolset or list of tools")
    r.add_argument("--instructions", default=None)
    r.add_argument("--tool-mode", choices=TOOL_MODES, default=None)
    r.add_argument("--tool-choice", default=None, help="auto, none, required, or a tool name")
    r.add_argument("--temperature", type=float, default=None)
    r.add_argument("--seed", type=int, default=None)
    r.add_argument("--max-tokens", type=int, default=512)
    r.add_argument("-v", "--verbose", action="store_true")
    r.set_defaults(func=_run)

    # `evals` sits above `agents`, so its commands are found at run time, not imported here.
    _shadow.check("evals")  # a user's evals.py must be named, not taken for a missing harness
    try:
        evals_cli = importlib.import_module("evals.cli")
    except ImportError:
        pass
    else:
        evals_cli.register(sub)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line; for `serve`, everything after `--` is kept for `vllm serve`.

    (argparse's REMAINDER would also swallow the options that follow the model name.)
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    if passthrough and args.command != "serve":
        raise SystemExit(f"agents {args.command}: unexpected arguments after --: {passthrough}")
    args.vllm_args = passthrough
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return int(args.func(args))
    except AgentsError as e:
        print(f"error: {e}", file=sys.stderr)
        trace = trace_of(e)
        if trace is not None:
            print(
                f"(the run had made {len(trace.messages)} messages and {len(trace.events)} events)",
                file=sys.stderr,
            )
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
