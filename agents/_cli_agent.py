"""What `agents run`, `agents chat` and `agents runs resume` share: the tools of `--tools` (and the
model of `agents chat --model-from`), the agent flags, the agent they make, and how a run's events
are printed."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from agents._durable import Durability
from agents.agent import Agent
from agents.errors import AgentsError, ConfigError, UsageLimitExceeded
from agents.events import ResponseCut, RunFinished, TextDelta, ToolCallFinished, ToolCallStarted
from agents.models.base import Model, ModelSettings
from agents.models.openai import OpenAIChatModel
from agents.models.profiles import PROFILES
from agents.serve import DEFAULT_BASE_URL
from agents.tool_modes import TOOL_MODES
from agents.usage import RunUsage, UsageLimits
from tools import Tool, Toolset

# The framework's own top-level packages: a user module of the same name cannot be imported by name.
_OURS = ("agents", "tools", "evals")


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _is_path(source: str) -> bool:
    return source.endswith(".py") or "/" in source or "\\" in source or source.startswith(("~", "."))


def _import_module(name: str, spec: str, flag: str) -> ModuleType:
    if not all(part.isidentifier() for part in name.split(".")):
        raise ConfigError(
            f"{flag} {spec!r}: {name!r} is neither a module name (package.module) nor a .py file."
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
                f"{flag} {spec!r}: no module {name!r} in {cwd} or on the Python path; "
                "name a module from the current folder (package.module:NAME) or a file (./file.py:NAME)."
            ) from e
        raise ConfigError(f"{flag} {spec!r}: importing {name!r} failed: {_one_line(e)}") from e
    except (Exception, SystemExit) as e:  # the module's own code failed
        raise ConfigError(f"{flag} {spec!r}: importing {name!r} raised {_one_line(e)}") from e


def _import_file(source: str, spec: str, flag: str) -> ModuleType:
    path = Path(source).expanduser()
    if not path.is_file():
        raise ConfigError(f"{flag} {spec!r}: there is no file {path} (looked from {Path.cwd()}).")
    if path.suffix != ".py":
        raise ConfigError(f"{flag} {spec!r}: {path} is not a .py file.")
    path = path.resolve()
    # A private module name: the file may be called tools.py or agents.py, like our packages.
    name = f"_agents_cli_tools_{path.stem}"
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise ConfigError(f"{flag} {spec!r}: {path} cannot be loaded as a Python module.")
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[name] = module  # pydantic and dataclasses look their module up while it runs
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # its own imports of neighbouring files, as `python file.py`
    try:
        loader_spec.loader.exec_module(module)
    except (Exception, SystemExit) as e:
        del sys.modules[name]
        raise ConfigError(f"{flag} {spec!r}: running {path} raised {_one_line(e)}") from e
    return module


def _load_object(spec: str, flag: str, example: str) -> Any:
    """The object `MODULE:NAME` or `FILE.py:NAME` names; every problem a one-line `ConfigError`."""
    source, sep, attr = spec.rpartition(":")
    if not sep or not source or not attr.isidentifier():
        raise ConfigError(f"{flag} takes MODULE:NAME or FILE.py:NAME (e.g. {example}), not {spec!r}.")
    module = _import_file(source, spec, flag) if _is_path(source) else _import_module(source, spec, flag)
    if not hasattr(module, attr):
        top = module.__name__.split(".")[0]
        hint = (
            f" Your ./{top}.py is hidden by the framework's own `{top}` package: pass it as a file, "
            f"./{top}.py:{attr}."
            if top in _OURS and (Path.cwd() / f"{top}.py").is_file()
            else ""
        )
        raise ConfigError(f"{flag} {spec!r}: {module.__name__} has no attribute {attr!r}.{hint}")
    return getattr(module, attr)


def load_tools(spec: str) -> Toolset:
    """The tools `--tools` names: `package.module:NAME` (a module on the path or in the current folder)
    or `path/to/file.py:NAME`; NAME is a Toolset, a tool (function or `Tool`), or a list of tools.

    Every problem is a one-line `ConfigError` that names the spec.
    """
    obj = _load_object(spec, "--tools", "examples.weather_agent:get_weather or ./my_tools.py:TOOLS")
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


def load_model(spec: str) -> Model:
    """The model `--model-from` names: a `Model` (anything with `request` and `stream`: an in-process
    engine, a client of another API, a test double), or a function of no arguments that makes one."""
    obj = _load_object(spec, "--model-from", "./my_model.py:model")
    made = obj() if callable(obj) and not isinstance(obj, Model) else obj
    if not isinstance(made, Model):
        raise ConfigError(
            f"--model-from {spec!r} names a {type(made).__name__}; expected an agents.models.Model "
            "(name, profile, request, stream) or a function of no arguments that returns one."
        )
    return made


def print_event(event: Any) -> None:
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


def positive_int(text: str) -> int:
    """argparse type: an integer of 1 or more."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def add_agent_options(p: argparse.ArgumentParser) -> None:
    """The flags that make the agent: the server, model, tools, sampling and limits."""
    p.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help=f"the server (default {DEFAULT_BASE_URL}, where ./scripts/serve-local serves)",
    )
    p.add_argument("--model", default=None, help="served model name (default: the server's first)")
    p.add_argument(
        "--profile",
        default=None,
        choices=sorted(PROFILES),
        help="model family profile (default: from the model name)",
    )
    p.add_argument(
        "--tools",
        default=None,
        metavar="MODULE:NAME|FILE.py:NAME",
        help="a Toolset, tool or list of tools: from a module (the current folder included) or a file",
    )
    p.add_argument("--instructions", default=None, help="the system instructions")
    p.add_argument(
        "--tool-mode",
        choices=TOOL_MODES,
        default=None,
        help="how calls are made (default: the profile's)",
    )
    p.add_argument("--tool-choice", default=None, help="auto, none, required, or a tool name (default auto)")
    p.add_argument(
        "--temperature", type=float, default=None, help="sampling temperature (default: profile's)"
    )
    p.add_argument("--seed", type=int, default=None, help="sampling seed, for reproducible runs")
    p.add_argument(
        "--max-tokens",
        type=positive_int,
        default=512,
        help="most tokens in one model response (default 512); raise it if calls or answers are cut off",
    )
    limits = p.add_argument_group("limits of the run (a run that reaches one stops with an error)")
    limits.add_argument(
        "--max-steps",
        type=positive_int,
        default=UsageLimits.max_steps,
        help=f"most model requests (default {UsageLimits.max_steps})",
    )
    limits.add_argument("--max-tool-calls", type=positive_int, default=None, help="most tool calls")
    limits.add_argument(
        "--max-total-tokens", type=positive_int, default=None, help="most prompt + completion tokens in all"
    )
    limits.add_argument("--timeout", type=_positive_float, default=None, help="most seconds in all")


async def make_agent(
    args: argparse.Namespace,
    store: Any = None,
    *,
    model: Model | None = None,
    durability: Durability = "step",
) -> Agent[str]:
    """The agent the flags describe (`store`: an open `Store`, for durable runs; `model`: one to use
    instead of the server's).

    Everything local is checked before the server is contacted, so that a mistake in the command
    line is not hidden behind "unreachable". The caller closes the agent (and so its model).
    """
    toolset = load_tools(args.tools) if args.tools else Toolset()
    for spec in getattr(args, "mcp", None) or []:  # MCP servers, started with the agent's runs
        from agents.mcp import MCPToolset

        toolset.include(MCPToolset.from_spec(spec))
    if args.tool_choice not in (None, "auto", "none", "required") and args.tool_choice not in toolset:
        raise ConfigError(
            f"--tool-choice {args.tool_choice!r} is neither auto, none, required nor a tool name; "
            f"tools: {toolset.names or 'none (pass --tools)'}."
        )
    settings = ModelSettings(temperature=args.temperature, seed=args.seed, max_tokens=args.max_tokens)
    if model is None and args.model:
        model = OpenAIChatModel(args.model, base_url=args.base_url, profile=args.profile)
    elif model is None:
        model = await OpenAIChatModel.from_server(args.base_url, profile=args.profile)
    try:
        agent = Agent(
            model,
            tools=toolset,
            instructions=args.instructions,
            settings=settings,
            tool_mode=args.tool_mode,
            limits=_limits(args),
            store=store,
            durability=durability,
        )
    except BaseException:
        await _close(model)
        raise
    where = getattr(model, "base_url", None)
    print(
        f"model {model.name!r}{f' at {where}' if where else ''} (profile {model.profile.family}, "
        f"tool mode {args.tool_mode or model.profile.default_tool_mode})",
        flush=True,
    )
    return agent


async def _close(model: Model) -> None:
    close = getattr(model, "aclose", None)
    if close is not None:
        await close()


def print_usage(usage: RunUsage) -> None:
    print(
        f"({usage.requests} requests, {usage.tool_calls} tool calls, {usage.input_tokens} prompt + "
        f"{usage.output_tokens} completion tokens)"
    )


def stopped_by_timeout(e: UsageLimitExceeded, args: argparse.Namespace) -> AgentsError:
    """A run stopped by --timeout says so in the flag's words; other limits as they are."""
    if e.limit != "max_wall_time_s":
        return e
    stopped = AgentsError(
        f"The run was stopped by --timeout after {args.timeout:g} s; raise --timeout for longer runs."
    )
    stopped.trace = e.trace
    return stopped


def agent_flags(args: argparse.Namespace) -> list[str]:
    """The agent flags `args` holds that differ from their defaults, as a command line: what
    `agents runs resume` needs to make the same agent again."""
    probe = argparse.ArgumentParser(add_help=False)
    add_agent_options(probe)
    out: list[str] = []
    for action in probe._actions:
        value = getattr(args, action.dest, action.default)
        if action.option_strings and value is not None and value != action.default:
            out += [action.option_strings[-1], str(value)]
    return out
