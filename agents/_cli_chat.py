"""`agents chat`: talk to an agent in the terminal, one turn at a time, in a stored conversation.

    you> what is the weather in Paris?
    → call get_weather({"city": "Paris"})
    ← ok: Paris: 21 degrees, sunny
    It is sunny in Paris, 21 degrees.

Each line is one run (`run_stream`) in the store's session `--session` (default "chat"), so the
conversation is there again on the next start. Text streams as it comes; tool calls and their
results are shown as they happen, and a call to a tool that requires approval is asked about
(y/N). Commands: /reset, /tools, /usage, /help, /exit (or Ctrl-D).

Ctrl-C cancels the turn in flight and the chat goes on. A turn's run is written to the store when
it ends (durability "end"), so a cancelled turn leaves nothing in the conversation: the model never
sees it. (A turn that fails is kept with its prompt, as the store keeps every failed run.) At the
prompt, Ctrl-C says how to leave.

The server: `--base-url`, else the default one (`agents serve`'s port), which is started with
./scripts/serve-local when nothing answers there and this is a source checkout. `--model-from
MODULE:NAME` talks to a `Model` object instead (an in-process engine, a test double).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from agents import _cli_store
from agents._cli_agent import add_agent_options, load_model, make_agent
from agents.agent import Agent
from agents.errors import AgentsError, ConfigError, trace_of
from agents.events import (
    Event,
    ResponseCut,
    RunFinished,
    StepStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.messages import AssistantMessage, Message, UserMessage
from agents.serve import DEFAULT_BASE_URL
from agents.usage import RunUsage
from tools import RunContext, Tool, ToolCall

if TYPE_CHECKING:
    from agents.memory import Store

DEFAULT_SESSION = "chat"
PROMPT = "you> "
_HELP = """commands:
  /tools   the tools the agent may call
  /usage   requests, tool calls and tokens of this chat so far
  /reset   forget the conversation (deletes the stored session) and start again
  /exit    leave (Ctrl-D too); Ctrl-C cancels the turn in flight"""
_RESULT_CHARS = 300  # of a tool result, as shown
_RECAP = 4  # messages of a resumed conversation shown at the start
_SERVE_LOCAL = Path(__file__).resolve().parents[1] / "scripts" / "serve-local"  # in a source checkout


def register(sub: Any) -> None:
    """Add `chat` to the `agents` command's subparsers."""
    c = sub.add_parser(
        "chat",
        help="talk to an agent in the terminal (a stored conversation, resumed on the next start)",
        description=__doc__.split("\n")[0] + " Lines starting with / are commands (/help).",
        epilog="The conversation is the store's session --session (default 'chat'); a second start with "
        "the same store and session goes on where the first stopped.",
    )
    add_agent_options(c)
    c.set_defaults(base_url=None)  # None: the default server, started if nothing answers there
    c.add_argument(
        "--model-from",
        default=None,
        metavar="MODULE:NAME|FILE.py:NAME",
        help="a Model object (or a function returning one) to talk to instead of a server",
    )
    c.add_argument(
        "--session",
        default=DEFAULT_SESSION,
        help=f"the stored conversation to continue (default {DEFAULT_SESSION!r}; created if new)",
    )
    c.add_argument(
        "--mcp",
        action="append",
        default=None,
        metavar="COMMAND|URL",
        help="tools of an MCP server: a command line that starts it over stdio, or an http(s):// URL "
        "(repeatable)",
    )
    _cli_store.add_store_option(c)
    c.set_defaults(func=lambda args: asyncio.run(chat(args)))


async def chat(args: argparse.Namespace) -> int:
    """Run the chat the flags describe until /exit or the end of the input; returns the exit code."""
    model = load_model(args.model_from) if args.model_from else None
    if model is None:
        args.base_url = await server_url(args.base_url)
    store = await _cli_store.open_store(args, create=True)
    try:
        agent = await make_agent(args, store, model=model, durability="end")
        try:
            async with agent:  # MCP servers (--mcp) start once, for the whole chat
                return await Chat(agent, store, args.session, _Lines(), tool_choice=args.tool_choice).loop()
        finally:
            await agent.aclose()
    finally:
        await store.aclose()


class Chat:
    """One terminal conversation: reads lines, runs turns, answers commands."""

    def __init__(
        self, agent: Agent[str], store: Store, session: str, lines: _Lines, *, tool_choice: str | None = None
    ) -> None:
        self.agent = agent
        self.tool_choice = tool_choice
        self.store = store
        self.session = session
        self.lines = lines
        self.usage = RunUsage()
        self.turns = 0
        self.turn: asyncio.Task[None] | None = None  # the turn in flight, which Ctrl-C cancels
        if agent.toolset.needs_approval:
            # Calls that need approval are asked about here, in the chat, instead of waiting in the store.
            agent.toolset.approver = self._approve

    async def _approve(self, ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        args = json.dumps(call.arguments, ensure_ascii=False, default=str)
        answer = await self.lines.next(f"run {call.name}({args})? [y/N] ")
        return (answer or "").strip().lower() in ("y", "yes")

    async def loop(self) -> int:
        await self._greet()
        with self._ctrl_c():
            while True:
                line = await self.lines.next(PROMPT)
                if line is None:  # Ctrl-D, or the end of piped input
                    print()
                    return 0
                line = line.strip()
                if not line:
                    continue
                if line.startswith("/"):
                    if not await self._command(line):
                        return 0
                    continue
                self.turn = asyncio.create_task(self._turn(line))
                try:
                    await self.turn
                except asyncio.CancelledError:
                    current = asyncio.current_task()
                    if current is not None and current.cancelling():
                        raise  # the chat itself is being cancelled, not just the turn
                    print("\n(cancelled: this turn is not kept)", flush=True)
                finally:
                    self.turn = None

    @contextlib.contextmanager
    def _ctrl_c(self) -> Iterator[None]:
        """Ctrl-C cancels the turn in flight; at the prompt it says how to leave."""
        loop = asyncio.get_running_loop()

        def interrupted() -> None:
            if self.turn is not None and not self.turn.done():
                self.turn.cancel()
            else:
                print(f"\n(/exit or Ctrl-D to leave)\n{PROMPT}", end="", flush=True)

        try:
            loop.add_signal_handler(signal.SIGINT, interrupted)
        except (NotImplementedError, RuntimeError):  # no signal handlers here (Windows, a thread)
            yield
            return
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    async def _greet(self) -> None:
        history = (await self.store.history(self.session)).messages
        shown = [m for m in history if isinstance(m, UserMessage | AssistantMessage) and _text(m)]
        if history:
            print(f"session {self.session!r}: {len(history)} messages so far; the last ones:")
            for m in shown[-_RECAP:]:
                print(f"  {'you' if isinstance(m, UserMessage) else 'agent'}: {_short(_text(m))}")
        else:
            print(f"session {self.session!r}: a new conversation")
        print("/help for commands, /exit to leave", flush=True)

    async def _turn(self, line: str) -> None:
        shown = _Shown()
        try:
            run = self.agent.run_stream(line, session=self.session, tool_choice=self.tool_choice)
            async with run as stream:
                async for event in stream:
                    shown.show(event)
            result = stream.result
        except AgentsError as e:
            # A failed turn is not the end of the chat: say why, and keep the conversation.
            print(f"{shown.newline()}error: {' '.join(str(e).split())}", flush=True)
            trace = trace_of(e)
            self._count(trace.usage if trace is not None else None)
            return
        self._count(result.usage)

    def _count(self, usage: RunUsage | None) -> None:
        """Add one turn's usage (a failed turn's too: its requests were made) to /usage."""
        self.turns += 1
        if usage is not None:
            self.usage.requests += usage.requests
            self.usage.tool_calls += usage.tool_calls
            self.usage.input_tokens += usage.input_tokens
            self.usage.output_tokens += usage.output_tokens

    async def _command(self, line: str) -> bool:
        """Do one /command; False to leave the chat."""
        name = line.split()[0].lower()
        if name in ("/exit", "/quit"):
            return False
        if name == "/help":
            print(_HELP)
        elif name == "/tools":
            tools = list(self.agent.toolset)
            if not tools:
                print("no tools (pass --tools MODULE:NAME)")
            for t in tools:
                params = ", ".join(t.parameters.get("properties", {}))
                summary = (t.description or "").strip().splitlines()
                print(f"  {t.name}({params}){f': {summary[0]}' if summary else ''}")
        elif name == "/usage":
            u = self.usage
            print(
                f"{self.turns} turns: {u.requests} requests, {u.tool_calls} tool calls, "
                f"{u.input_tokens} prompt + {u.output_tokens} completion tokens"
            )
        elif name == "/reset":
            history = (await self.store.history(self.session)).messages
            await self.store.delete_session(self.session)
            print(f"session {self.session!r} cleared ({len(history)} messages deleted): a new conversation")
        else:
            print(f"unknown command {name!r}; /help lists them")
        sys.stdout.flush()
        return True


class _Lines:
    """The input's lines, read by one daemon thread, for the prompt and the approval questions alike.

    A question cancelled with its turn (Ctrl-C) takes no line, so the next one typed goes to the
    prompt; a thread per `input()` would leave a reader behind that swallows it.
    """

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.ended = False
        loop = asyncio.get_running_loop()
        stdin = sys.stdin  # as it is now (tests replace it)

        def read() -> None:
            while True:
                line = stdin.readline()
                try:
                    loop.call_soon_threadsafe(self.queue.put_nowait, line)
                except RuntimeError:  # the chat is over and its loop closed
                    return
                if not line:
                    return

        threading.Thread(target=read, name="agents-chat-input", daemon=True).start()

    async def next(self, prompt: str) -> str | None:
        """The next line (without its newline) after showing `prompt`; None at the end of the input."""
        if self.ended:
            return None
        print(prompt, end="", flush=True)
        line = await self.queue.get()
        if not line:
            self.ended = True
            return None
        return line.rstrip("\r\n")


class _Shown:
    """Prints a turn's events as they come: text as it streams, calls, results, the answer."""

    def __init__(self) -> None:
        self.text = ""  # this step's text, printed as it came
        self.on_line = False  # whether the last thing printed left the line open

    def newline(self) -> str:
        """A line break if streamed text left the line open: what follows starts a line of its own."""
        was, self.on_line = self.on_line, False
        return "\n" if was else ""

    def show(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self.text = ""
        elif isinstance(event, TextDelta):
            self.text += event.text
            self.on_line = True
            print(event.text, end="", flush=True)
        elif isinstance(event, ToolCallStarted):
            args = event.call.arguments
            text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
            print(f"{self.newline()}→ call {event.call.name}({text})", flush=True)
        elif isinstance(event, ToolCallFinished):
            print(f"← {event.result.status}: {_short(event.result.content, _RESULT_CHARS)}", flush=True)
        elif isinstance(event, ResponseCut):
            print(f"{self.newline()}! the response was cut off at max_tokens", flush=True)
        elif isinstance(event, RunFinished):
            output = event.output
            answer = output if isinstance(output, str) else json.dumps(output, default=str)
            if answer.strip() != self.text.strip():  # not what streamed (a typed answer, say)
                print(f"{self.newline()}{answer}", flush=True)
            else:
                print(self.newline(), end="", flush=True)


def _text(m: Message) -> str:
    if isinstance(m, UserMessage):
        return m.text
    return m.text if isinstance(m, AssistantMessage) else ""


def _short(text: str, width: int = 100) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


async def server_url(given: str | None) -> str:
    """`given`; else the default server, started with ./scripts/serve-local if nothing answers there
    (a source checkout only); it keeps running after the chat, as with ./scripts/demo."""
    if given is not None:
        return given
    if await _healthy(DEFAULT_BASE_URL):
        return DEFAULT_BASE_URL
    script = _SERVE_LOCAL
    if not await asyncio.to_thread(script.is_file):
        raise ConfigError(
            f"No server answers at {DEFAULT_BASE_URL}, and this installation has no ./scripts/serve-local "
            "to start one. Start one (agents serve MODEL) or pass --base-url."
        )
    print(
        f"No server at {DEFAULT_BASE_URL}: starting the embedded default with {script} "
        "(it keeps running; stop it with ./scripts/serve-local stop) ...",
        flush=True,
    )
    proc = await asyncio.create_subprocess_exec(str(script), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()  # its progress goes to stderr, as it happens
    lines = out.decode().split()
    if proc.returncode != 0 or not lines:
        raise ConfigError(
            f"{script} could not start the default server (exit {proc.returncode}); its messages are "
            "above. Start one yourself (agents serve MODEL) or pass --base-url."
        )
    return lines[-1]


async def _healthy(base_url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=3) as client:
            response = await client.get(base_url.removesuffix("/v1") + "/health")
    except httpx.TransportError:
        return False
    return response.status_code == 200
