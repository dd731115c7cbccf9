"""The `agents` command: `serve` a model with vLLM, `run` an agent once, `eval` a suite,
`local-model` (which model the embedded default server serves here, and why)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from agents import _localmodel, _shadow
from agents.agent import Agent
from agents.errors import AgentsError, ConfigError, UsageLimitExceeded, trace_of
from agents.events import (
    ModelResponded,
    ResponseCut,
    RunFinished,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.models.base import ModelSettings
from agents.models.openai import OpenAIChatModel
from agents.models.profiles import PROFILES
from agents.serve import DEFAULT_BASE_URL, DEFAULT_PORT, LOCAL_MODELS, ServerConfig, serve_forever
from agents.tool_modes import TOOL_MODES
from agents.usage import UsageLimits
from tools import Tool, Toolset

# The framework's own top-level packages: a user module of the same name cannot be imported by name.
_OURS = ("agents", "tools", "evals")


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


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _is_path(source: str) -> bool:
    return source.endswith(".py") or "/" in source or "\\" in source or source.startswith(("~", "."))


def _import_module(name: str, spec: str) -> ModuleType:
    if not all(part.isidentifier() for part in name.split(".")):
        raise ConfigError(
            f"--tools {spec!r}: {name!r} is neither a module name (package.module) nor a .py file."
        )
    # `python -m` puts the current folder first on the path; the `agents` script does not.
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
            raise ConfigError(
                f"--tools {spec!r}: no module {name!r} in {cwd} or on the Python path; "
                "name a module from the current folder (package.module:NAME) or a file (./file.py:NAME)."
            ) from e
        raise ConfigError(f"--tools {spec!r}: importing {name!r} failed: {_one_line(e)}") from e
    except (Exception, SystemExit) as e:  # the module's own code failed
        raise ConfigError(f"--tools {spec!r}: importing {name!r} raised {_one_line(e)}") from e


def _import_file(source: str, spec: str) -> ModuleType:
    path = Path(source).expanduser()
    if not path.is_file():
        raise ConfigError(f"--tools {spec!r}: there is no file {path} (looked from {Path.cwd()}).")
    if path.suffix != ".py":
        raise ConfigError(f"--tools {spec!r}: {path} is not a .py file.")
    path = path.resolve()
    # A private module name: the file may be called tools.py or agents.py, like our packages.
    name = f"_agents_cli_tools_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ConfigError(f"--tools {spec!r}: {path} cannot be loaded as a Python module.")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # pydantic and dataclasses look their module up while it runs
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # its own imports of neighbouring files, as `python file.py`
    try:
        loader_spec.loader.exec_module(module)
    except (Exception, SystemExit) as e:
        del sys.modules[name]
        raise ConfigError(f"--tools {spec!r}: running {path} raised {_one_line(e)}") from e
    return module


def load_tools(spec: str) -> Toolset:
    """The tools `--tools` names: `package.module:NAME` (a module on the path or in the current folder)
    or `path/to/file.py:NAME`; NAME is a Toolset, a tool (function or `Tool`), or a list of tools.

    Every problem is a one-line `ConfigError` that names the spec.
    """
    source, sep, attr = spec.rpartition(":")
    if not sep or not source or not attr.isidentifier():
        raise ConfigError(
            "--tools takes MODULE:NAME or FILE.py:NAME (e.g. examples.weather_agent:get_weather or "
            f"./my_tools.py:TOOLS), not {spec!r}."
        )
    module = _import_file(source, spec) if _is_path(source) else _import_module(source, spec)
    if not hasattr(module, attr):
        top = module.__name__.split(".")[0]
        hint = (
            f" Your ./{top}.py is hidden by the framework's own `{top}` package: pass it as a file, "
            f"./{top}.py:{attr}."
            if top in _OURS and (Path.cwd() / f"{top}.py").is_file()
            else ""
        )
        raise ConfigError(f"--tools {spec!r}: {module.__name__} has no attribute {attr!r}.{hint}")
    obj: Any = getattr(module, attr)
    if isinstance(obj, Toolset):
        return obj
    items = list(obj) if isinstance(obj, list | tuple) else [obj]
    if not items or not all(isinstance(x, Tool) or callable(x) for x in items):
        raise ConfigError(
            f"--tools {spec!r} names a {type(obj).__name__}; expected a Toolset, a tool "
            "(a function or a Tool), or a list of them."
        )
    try:
        return Toolset(items)
    except AgentsError:
        raise
    except Exception as e:
        raise ConfigError(f"--tools {spec!r}: cannot make tools of it: {_one_line(e)}") from e


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
    elif isinstance(event, ResponseCut):
        limit = f"max_tokens={event.max_tokens}" if event.max_tokens is not None else "its max_tokens"
        print(f"\n! the response was cut off at {limit}; raise --max-tokens if this repeats", flush=True)
    elif isinstance(event, RunFinished):
        output = event.output if isinstance(event.output, str) else json.dumps(event.output, default=str)
        print(f"\n= answer: {output}", flush=True)


def _limits(args: argparse.Namespace) -> UsageLimits:
    return UsageLimits(
        max_steps=args.max_steps,
        max_tool_calls=args.max_tool_calls,
        max_total_tokens=args.max_total_tokens,
        max_wall_time_s=args.timeout,
    )


async def _run_once(args: argparse.Namespace) -> int:
    # Everything local is checked before the server is contacted, so that a mistake in the
    # command line is not hidden behind "unreachable".
    toolset = load_tools(args.tools) if args.tools else Toolset()
    if args.tool_choice not in (None, "auto", "none", "required") and args.tool_choice not in toolset:
        raise ConfigError(
            f"--tool-choice {args.tool_choice!r} is neither auto, none, required nor a tool name; "
            f"tools: {toolset.names or 'none (pass --tools)'}."
        )
    settings = ModelSettings(temperature=args.temperature, seed=args.seed, max_tokens=args.max_tokens)
    limits = _limits(args)
    if args.model:
        model = OpenAIChatModel(args.model, base_url=args.base_url, profile=args.profile)
    else:
        model = await OpenAIChatModel.from_server(args.base_url, profile=args.profile)
    try:
        agent = Agent(
            model,
            tools=toolset,
            instructions=args.instructions,
            settings=settings,
            tool_mode=args.tool_mode,
            limits=limits,
        )
        print(
            f"model {model.name!r} at {model.base_url} (profile {model.profile.family}, "
            f"tool mode {args.tool_mode or model.profile.default_tool_mode})",
            flush=True,
        )
        stream = agent.run_stream(args.prompt, tool_choice=args.tool_choice)
        # --timeout is the run's max_wall_time_s, which also stops a request or tool in flight.
        try:
            async for event in stream:
                if args.verbose and isinstance(event, ModelResponded):
                    print(f"[step {event.step}] finish={event.response.finish_reason}", flush=True)
                _print_event(event)
        except UsageLimitExceeded as e:
            if e.limit != "max_wall_time_s":
                raise
            stopped = AgentsError(
                f"The run was stopped by --timeout after {args.timeout:g} s; raise --timeout for longer runs."
            )
            stopped.trace = e.trace
            raise stopped from None
        usage = stream.result.usage
        print(
            f"({usage.requests} requests, {usage.tool_calls} tool calls, {usage.input_tokens} prompt + "
            f"{usage.output_tokens} completion tokens)"
        )
    finally:
        await model.aclose()
    return 0


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(_run_once(args))


def _local_model(args: argparse.Namespace) -> int:
    choice = _localmodel.choose(_localmodel.probe_machine(), args.model)
    if args.format == "shell":
        print(choice.shell(), end="")
    elif args.format == "json":
        print(choice.json())
    else:
        print(f"{choice.served_name} on the {choice.device.upper()}, from {choice.model} ({choice.source})")
        print(choice.reason)
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agents", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "serve",
        help="start a vLLM server with the model profile's flags",
        description="Start a vLLM server in the foreground with the flags the model's profile needs.",
        epilog="Arguments after `--` go to `vllm serve` unchanged.",
    )
    s.add_argument("model", help=f"model directory, hub id, or a local model: {', '.join(LOCAL_MODELS)}")
    s.add_argument("--served-name", default=None, help="the model name clients use (default: the model)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}, as agents run)",
    )
    s.add_argument(
        "--profile",
        default=None,
        choices=sorted(PROFILES),
        help="model family profile (default: from the served name)",
    )
    s.add_argument("--max-model-len", type=int, default=4096, help="context length in tokens (default 4096)")
    s.add_argument("--cpu", action="store_true", help="force the CPU flags (detected otherwise)")
    s.add_argument("--vllm", default=None, help="path of the vllm executable (default: found)")
    s.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for /health (default 600)")
    s.set_defaults(func=_serve)

    r = sub.add_parser(
        "run",
        help="run an agent once and print its calls and answer",
        description="Run an agent once against a server and print its tool calls, results and answer.",
    )
    r.add_argument("prompt", help="the user's message")
    r.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help=f"the server (default {DEFAULT_BASE_URL}, where ./scripts/serve-local serves)",
    )
    r.add_argument("--model", default=None, help="served model name (default: the server's first)")
    r.add_argument(
        "--profile",
        default=None,
        choices=sorted(PROFILES),
        help="model family profile (default: from the model name)",
    )
    r.add_argument(
        "--tools",
        default=None,
        metavar="MODULE:NAME|FILE.py:NAME",
        help="a Toolset, tool or list of tools: from a module (the current folder included) or a file",
    )
    r.add_argument("--instructions", default=None, help="the system instructions")
    r.add_argument(
        "--tool-mode",
        choices=TOOL_MODES,
        default=None,
        help="how calls are made (default: the profile's)",
    )
    r.add_argument("--tool-choice", default=None, help="auto, none, required, or a tool name (default auto)")
    r.add_argument(
        "--temperature", type=float, default=None, help="sampling temperature (default: profile's)"
    )
    r.add_argument("--seed", type=int, default=None, help="sampling seed, for reproducible runs")
    r.add_argument(
        "--max-tokens",
        type=_positive_int,
        default=512,
        help="most tokens in one model response (default 512); raise it if calls or answers are cut off",
    )
    limits = r.add_argument_group("limits of the run (a run that reaches one stops with an error)")
    limits.add_argument(
        "--max-steps",
        type=_positive_int,
        default=UsageLimits.max_steps,
        help=f"most model requests (default {UsageLimits.max_steps})",
    )
    limits.add_argument("--max-tool-calls", type=_positive_int, default=None, help="most tool calls")
    limits.add_argument(
        "--max-total-tokens", type=_positive_int, default=None, help="most prompt + completion tokens in all"
    )
    limits.add_argument("--timeout", type=_positive_float, default=None, help="most seconds in all")
    r.add_argument("-v", "--verbose", action="store_true", help="also print each step's finish reason")
    r.set_defaults(func=_run)

    m = sub.add_parser(
        "local-model",
        help="which model the embedded default server serves on this machine, and why",
        description=(
            "Say which model ./scripts/serve-local and ./scripts/demo serve here: Gemma 4 E2B or E4B "
            "wherever its weights can be had (a local folder, the hub cache, or the hub), else the "
            "offline fallback. Honours HF_HUB_OFFLINE; probes the hub with a short timeout."
        ),
    )
    m.add_argument(
        "--model",
        default="auto",
        help="auto (default), tiny, 270m, e2b, e4b, a model folder, or a hub id (owner/name)",
    )
    m.add_argument(
        "--format",
        choices=("text", "shell", "json"),
        default="text",
        help="text for people (default), shell for `eval` in scripts, or json",
    )
    m.set_defaults(func=_local_model)

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
