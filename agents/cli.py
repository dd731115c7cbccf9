"""The `agents` command: `serve` a model with vLLM, `run` an agent once, `chat` with one
(`agents._cli_chat`), `eval` a suite, `local-model` (which model the embedded default server
serves here, and why), `sessions` / `runs` (what a store holds; approve, deny and resume waiting
runs: `agents._cli_store`), and `mcp serve` (a toolset served to MCP clients: `agents.mcp.serve`).

Exit codes: 0 done, 1 the run or command failed, 2 a usage error (bad flags, an unknown session, run
or call, a decision the run does not take, a store that cannot be opened), 3 a durable run waits
for decisions on its calls, 130 interrupted."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import uuid
from collections.abc import Sequence

from agents import _cli_chat, _cli_store, _localmodel, _shadow
from agents._cli_agent import (
    add_agent_options,
    load_tools,
    make_agent,
    print_event,
    print_usage,
    stopped_by_timeout,
)
from agents.errors import AgentsError, ConfigError, UsageLimitExceeded, trace_of
from agents.events import ModelResponded
from agents.models.openai import OpenAIChatModel  # noqa: F401  (tests replace its from_server)
from agents.models.profiles import PROFILES
from agents.serve import DEFAULT_PORT, LOCAL_MODELS, ServerConfig, serve_forever

__all__ = ["build_parser", "load_tools", "main", "parse_args"]


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


async def _run_once(args: argparse.Namespace) -> int:
    # With --store or --session the run is durable: it may stop for approvals (exit 3) and be
    # resumed later with `agents runs resume`.
    durable = args.store is not None or args.session is not None
    store = await _cli_store.open_store(args, create=True) if durable else None
    try:
        agent = await make_agent(args, store)
        try:
            run_id = uuid.uuid4().hex if durable else None
            if store is not None:
                session = args.session or f"run:{run_id}"
                print(f"run {run_id} (session {session!r}, store {store.url})", flush=True)
            stream = agent.run_stream(
                args.prompt, tool_choice=args.tool_choice, session=args.session, run_id=run_id
            )
            # --timeout is the run's max_wall_time_s, which also stops a request or tool in flight.
            try:
                async for event in stream:
                    if args.verbose and isinstance(event, ModelResponded):
                        print(f"[step {event.step}] finish={event.response.finish_reason}", flush=True)
                    print_event(event)
            except UsageLimitExceeded as e:
                raise stopped_by_timeout(e, args) from None
            result = stream.result
            print_usage(result.usage)
            if result.waiting:
                _cli_store.print_waiting(result.run_id, result.pending, args)
                return _cli_store.EXIT_WAITING
        finally:
            await agent.aclose()
    finally:
        if store is not None:
            await store.aclose()
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


def _mcp_serve(args: argparse.Namespace) -> int:
    toolset = load_tools(args.toolset)
    try:
        from agents.mcp import serve  # the MCP SDK, only for this command
    except ImportError as e:
        raise ConfigError(
            f"agents mcp serve needs the MCP SDK ({e}): pip install 'gemma-agents[mcp]'."
        ) from None
    if args.http:
        print(f"serving {len(toolset)} tools at http://{args.host}:{args.port}{args.path}", file=sys.stderr)
        serve.run(serve.serve_http(toolset, args.name, host=args.host, port=args.port, path=args.path))
    else:  # stdout is the protocol's: nothing else may be printed there
        serve.run(serve.serve_stdio(toolset, args.name))
    return 0


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
        description="Run an agent once against a server and print its tool calls, results and answer. "
        "With --store or --session the run is durable: it is written to the store as it goes, and a call "
        "that needs approval stops it until `agents runs approve|deny` and `agents runs resume`.",
        epilog=f"Exit codes: 0 answered, 1 the run failed, 2 a usage error (bad flags, unusable store), "
        f"{_cli_store.EXIT_WAITING} the run waits for decisions (printed with the commands that decide and "
        "resume it).",
    )
    r.add_argument("prompt", help="the user's message")
    add_agent_options(r)
    r.add_argument(
        "--session",
        default=None,
        help="continue this stored conversation (durable run on the store; the session is created if new)",
    )
    _cli_store.add_store_option(r)
    r.add_argument("-v", "--verbose", action="store_true", help="also print each step's finish reason")
    r.set_defaults(func=_run)

    _cli_chat.register(sub)
    _cli_store.register(sub)

    mcp = sub.add_parser("mcp", help="MCP: serve a toolset to any MCP client")
    mcp_sub = mcp.add_subparsers(dest="mcp_command", required=True)
    ms = mcp_sub.add_parser(
        "serve",
        help="serve a toolset to MCP clients (stdio, or streamable HTTP with --http)",
        description="Serve a gemma-agents toolset to any MCP client: each tool with the schema of its type "
        "hints and docstring; calls are validated and run as in an agent's run. Stdio by default (stdout "
        "carries the protocol); --http serves streamable HTTP at http://HOST:PORT/mcp.",
    )
    ms.add_argument("toolset", help="MODULE:NAME or FILE.py:NAME: a Toolset, a tool, or a list of tools")
    ms.add_argument("--name", default="gemma-agents", help="the server's name, as clients show it")
    ms.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    ms.add_argument("--host", default="127.0.0.1", help="with --http: address (default 127.0.0.1)")
    ms.add_argument("--port", type=int, default=8000, help="with --http: port (default 8000)")
    ms.add_argument("--path", default="/mcp", help="with --http: the endpoint's path (default /mcp)")
    ms.set_defaults(func=_mcp_serve)

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
        if _cli_store.is_usage_error(e):
            # What the command named is not there, or the store cannot be used: one line, exit 2.
            print(f"error: {' '.join(str(e).split())}", file=sys.stderr)
            return 2
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
