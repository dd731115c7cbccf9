"""`MCPToolset`: an MCP server's tools, as a toolset an agent takes like any other.

The connection lives in one task of its own (the *owner*), which enters the SDK's client, lists
the tools, and waits until it is told to stop: the SDK's streams and cancel scopes must be left
by the task that entered them, and a run may start the server in one task and end in another.
Calls go from any task through the connected client.

- The tool list is cached: listed once at the start, and again when the server says it changed
  (`notifications/tools/list_changed`, over a `subscriptions/listen` stream on 2026-07-28
  connections). Each listing replaces the toolset's tools at once.
- Each MCP tool is a raw-schema `Tool`: arguments are validated with jsonschema before they are
  sent, and the registry's timeouts, retry budgets, approval and result cap apply to its calls.
  The tool's annotations give its effect (read-only, idempotent, else unsafe).
- Start (`start_timeout`) and each call (`call_timeout`) are bounded: a server that is missing,
  hangs or dies is an `MCPServerError` naming it (stderr's last lines included for stdio), never
  a hang. A connection lost during a run is `MCPServerLost`, which ends the run with its trace;
  an error result is `MCPToolError`, which the model reads as the call's error.

The `mcp` package is imported only when a server starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import tempfile
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO, TYPE_CHECKING, Any, Literal

from agents.errors import ConfigError, MCPServerError, MCPServerLost, MCPToolError
from agents.mcp._results import MCPResult, error_text, to_result
from tools import Tool, Toolset
from tools._types import Effect

if TYPE_CHECKING:
    import mcp
    import mcp_types

log = logging.getLogger(__name__)

_STDERR_TAIL = 800  # characters of a stdio server's stderr quoted in an error
_STDERR_LINES = 8  # and lines: the end of a traceback says the most


@dataclass(frozen=True)
class _Target:
    """Where the server is: a command to run (stdio) or a URL (streamable HTTP)."""

    kind: Literal["stdio", "http"]
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return " ".join([self.command, *self.args]) if self.kind == "stdio" else self.url


class MCPToolset(Toolset):
    """The tools of one MCP server. Make it with `MCPToolset.stdio(...)` or `MCPToolset.http(...)`.

    >>> weather = MCPToolset.stdio("python", "weather_server.py")
    >>> agent = Agent(model, tools=[get_time, weather])      # started with each run, or:
    >>> async with weather:                                  # once, for many runs
    ...     await agent.run("Weather in Paris?")

    `name` names the server in errors and logs (default: the command or URL). `prefix` goes
    before each tool name (`prefix="wx"`: `wx_forecast`), for servers whose names clash.
    `start_timeout` bounds the start (spawn or connect, handshake, first listing), `call_timeout`
    each call (it is each MCP tool's `timeout`). `requires_approval` is True for every tool, or the
    names (without prefix) of the tools that need it. `only` names the tools to take
    (without prefix; default: all). `protocol="legacy"` skips the SDK's probe for the 2026-07-28
    protocol and starts with the `initialize` handshake that older servers speak ("auto" falls back
    to it by itself). The other options are `Toolset`'s.
    """

    live = True

    def __init__(
        self,
        target: _Target,
        *,
        name: str | None = None,
        prefix: str | None = None,
        start_timeout: float = 30.0,
        call_timeout: float = 60.0,
        requires_approval: bool | Collection[str] = False,
        only: Collection[str] | None = None,
        protocol: Literal["auto", "legacy"] = "auto",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        if not start_timeout > 0 or not call_timeout > 0:
            raise ConfigError(
                f"MCPToolset start_timeout and call_timeout must be positive seconds, not {start_timeout!r} "
                f"and {call_timeout!r}: a server that hangs must not hang the run."
            )
        self.target = target
        self.server_name = name or target.describe()
        self.prefix = f"{prefix}_" if prefix else ""
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.requires_approval = requires_approval
        self.only = None if only is None else frozenset(only)
        if protocol not in ("auto", "legacy"):
            raise ConfigError(f"MCPToolset protocol must be 'auto' or 'legacy', not {protocol!r}.")
        self.protocol = protocol
        self.listings = 0  # how often the tools were listed: once per start, once per change
        self._client: mcp.Client | None = None
        self._owner: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._changed = asyncio.Event()
        self._listed = asyncio.Event()  # set (and replaced) at each listing
        self._lost: str | None = None  # why the connection broke, once it has
        self._users = 0
        self._lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._stderr: IO[str] | None = None

    @classmethod
    def stdio(
        cls,
        command: str,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> MCPToolset:
        """A server run as a subprocess (`command *args`), spoken to over its stdin and stdout.
        `env` is added to a minimal default environment (the SDK's: PATH, HOME, ...)."""
        target = _Target("stdio", command=command, args=args, env=env, cwd=None if cwd is None else str(cwd))
        return cls(target, **options)

    @classmethod
    def http(cls, url: str, *, headers: Mapping[str, str] | None = None, **options: Any) -> MCPToolset:
        """A server at `url` (streamable HTTP, e.g. `http://127.0.0.1:8000/mcp`); `headers` go with
        every request (an `Authorization` header, say)."""
        return cls(_Target("http", url=url, headers=dict(headers or {})), **options)

    @classmethod
    def from_spec(cls, spec: str, **options: Any) -> MCPToolset:
        """A server from one line of text, as a command line takes it: an `http(s)://` URL, or a
        command and its arguments, split as a POSIX shell would (`"npx -y some-mcp-server /tmp"`)."""
        text = spec.strip()
        if text.startswith(("http://", "https://")):
            return cls.http(text, **options)
        try:
            words = shlex.split(text)
        except ValueError as e:
            raise ConfigError(
                f"MCP server {spec!r}: cannot split it into a command and arguments: {e}."
            ) from e
        if not words:
            raise ConfigError("An MCP server needs a command (with its arguments) or an http(s):// URL.")
        return cls.stdio(words[0], *words[1:], **options)

    def __repr__(self) -> str:
        return f"MCPToolset({self.server_name!r})"

    def add(self, fn_or_tool: Any) -> Tool:
        raise ConfigError(
            f"{self!r} holds the tools its server lists; put your own tools beside it: "
            "Agent(model, tools=[my_tool, mcp_toolset]) or Toolset([my_tool, mcp_toolset])."
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> MCPToolset:
        await self._enter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._leave()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Toolset]:
        """The server, started if it is not running yet, and stopped on the way out by the last of
        its users (`async with`, runs)."""
        await self._enter()
        try:
            yield self
        finally:
            await self._leave()

    @property
    def connected(self) -> bool:
        """True while the server is started and its connection has not broken."""
        return self._client is not None and self._lost is None

    async def _enter(self) -> None:
        async with self._guard():  # runs started at once share one start
            if self._users == 0 or self._owner is None or self._owner.done() or self._lost is not None:
                users = self._users  # a server that died is started again for its holders too
                await self.aclose()
                await self._start()
                self._users = users
            self._users += 1

    async def _leave(self) -> None:
        async with self._guard():
            self._users = max(0, self._users - 1)
            if self._users == 0:
                await self.aclose()

    def _guard(self) -> asyncio.Lock:
        """The lock of this event loop (`run_sync` runs each run on a loop of its own)."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock[0] is not loop:
            self._lock = (loop, asyncio.Lock())
        return self._lock[1]

    async def _start(self) -> None:
        self._stop = asyncio.Event()
        self._changed = asyncio.Event()
        self._lost = None
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Read even when nobody waits any more (a start that timed out), so asyncio does not warn.
        ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._owner = asyncio.create_task(self._hold(ready), name=f"mcp server {self.server_name}")
        try:
            async with asyncio.timeout(self.start_timeout):
                await asyncio.shield(ready)
        except TimeoutError:
            await self.aclose()
            raise MCPServerError(
                self.server_name,
                f"did not answer within start_timeout={self.start_timeout:g} s "
                f"({self.target.describe()}).{self._stderr_tail()} Check that it is an MCP server on "
                "this transport, or raise start_timeout.",
            ) from None
        except BaseException:
            await self.aclose()
            raise
        log.debug("mcp server %s started: %d tools", self.server_name, len(self))

    async def aclose(self) -> None:
        """Stop the server (a subprocess: stdin closed, then terminated, then killed) and wait for it."""
        owner, self._owner = self._owner, None
        self._users = 0
        if owner is not None and not owner.done():
            self._stop.set()
            if self._client is None:  # still starting: nothing to say goodbye to
                owner.cancel()
            # asyncio.wait neither raises the owner's end nor hides our own cancellation. The SDK's
            # stop of a subprocess (stdin closed, SIGTERM, SIGKILL) gives up within about 6 s.
            done, _ = await asyncio.wait({owner}, timeout=15)
            if not done:
                owner.cancel()
                await asyncio.wait({owner}, timeout=5)
        self._client = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    async def _hold(self, ready: asyncio.Future[None]) -> None:
        """The owner task: connect, list, watch for changes, and disconnect when told to stop."""
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = await stack.enter_async_context(await self._client_for(stack))
                watchers = [asyncio.create_task(self._watch_changes(client))]
                try:
                    if client.protocol_version in _modern_versions():
                        # Listening before the first listing: no change can fall in between.
                        listening = asyncio.Event()
                        watchers.append(asyncio.create_task(self._listen(client, listening)))
                        await listening.wait()
                    await self._relist(client)
                    self._client = client
                    ready.set_result(None)
                    await self._stop.wait()
                finally:
                    for task in watchers:
                        task.cancel()
                    await asyncio.gather(*watchers, return_exceptions=True)
        except asyncio.CancelledError:
            if not ready.done():
                ready.cancel()
            raise
        except BaseException as e:
            problem = self._problem(e)
            if not ready.done():
                ready.set_exception(MCPServerError(self.server_name, problem))
            else:
                self._lost = problem
                log.warning("mcp server %s: %s", self.server_name, problem)
        finally:
            self._client = None

    async def _client_for(self, stack: contextlib.AsyncExitStack) -> mcp.Client:
        import mcp
        from mcp.client.streamable_http import streamable_http_client

        if self.target.kind == "stdio":
            self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
            params = mcp.StdioServerParameters(
                command=self.target.command,
                args=list(self.target.args),
                env=dict(self.target.env) if self.target.env is not None else None,
                cwd=self.target.cwd,
            )
            transport: Any = mcp.stdio_client(params, errlog=self._stderr)
        else:
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = await stack.enter_async_context(create_mcp_http_client(headers=dict(self.target.headers)))
            transport = streamable_http_client(self.target.url, http_client=http)
        return mcp.Client(
            transport,
            mode=self.protocol,
            read_timeout_seconds=self.start_timeout,
            message_handler=self._on_message,
            client_info=mcp.Implementation(name="gemma-agents", version="0.1.0"),
        )

    # -- the tool list -----------------------------------------------------------------------

    async def _on_message(self, message: Any) -> None:
        import mcp_types

        if isinstance(message, mcp_types.ToolListChangedNotification):
            self._changed.set()

    async def _listen(self, client: mcp.Client, listening: asyncio.Event) -> None:
        """On a 2026-07-28 connection, change notifications come only on a listen stream;
        `listening` is set once the server has acknowledged it (or it cannot be had)."""
        try:
            if not _lists_changes(client):
                return
            async with client.listen(tools_list_changed=True) as events:
                listening.set()
                async for _ in events:
                    self._changed.set()
        except Exception as e:  # the listing stays as it is; calls still work
            log.debug("mcp server %s: no change notifications (%s)", self.server_name, e)
        finally:
            listening.set()

    async def _watch_changes(self, client: mcp.Client) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            try:
                await self._relist(client)
            except Exception as e:  # keep the last good list; the next change tries again
                log.warning("mcp server %s: listing its changed tools failed: %s", self.server_name, e)

    async def refresh(self) -> None:
        """List the server's tools again now (they are listed on start and on each change anyway)."""
        if self._client is None:
            raise MCPServerError(
                self.server_name, "is not running; use `async with` or run an agent with it."
            )
        await self._relist(self._client)

    async def _relist(self, client: mcp.Client) -> None:
        listed: list[mcp_types.Tool] = []
        cursor: str | None = None
        for _ in range(100):  # pages; a server that pages forever cannot hang the start
            page = await client.list_tools(cursor=cursor, cache_mode="refresh")
            listed.extend(page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
        if self.only is not None:
            listed = [spec for spec in listed if spec.name in self.only]
        tools: dict[str, Tool] = {}
        for spec in listed:
            made = self._tool(spec)
            if made.name in tools:
                raise MCPServerError(self.server_name, f"lists two tools named {spec.name!r}.")
            tools[made.name] = made
        self._own = tools
        self._version += 1
        self.listings += 1
        done, self._listed = self._listed, asyncio.Event()
        done.set()

    async def listed(self, times: int) -> None:
        """Wait until the tools have been listed `times` times in all (see `listings`): after a
        change the server announced, `await toolset.listed(toolset.listings + 1)`."""
        while self.listings < times:
            await self._listed.wait()

    def _tool(self, spec: mcp_types.Tool) -> Tool:
        hints = spec.annotations
        effect: Effect = "unsafe"
        if hints is not None and hints.read_only_hint:
            effect = "read_only"
        elif hints is not None and hints.idempotent_hint:
            effect = "idempotent"
        approval = self.requires_approval
        needs = approval if isinstance(approval, bool) else spec.name in approval
        try:
            return Tool.from_schema(
                self.prefix + spec.name,
                spec.description or spec.title or "",
                spec.input_schema,
                handler=partial(self._call, spec.name),
                timeout=self.call_timeout,
                requires_approval=needs,
                effect=effect,
            )
        except ConfigError as e:
            raise MCPServerError(self.server_name, f"its tool {spec.name!r} cannot be used: {e}") from e

    # -- calls -------------------------------------------------------------------------------

    async def _call(self, name: str, **arguments: Any) -> MCPResult:
        import mcp
        import mcp_types

        client = self._client
        if client is None or self._lost is not None:
            why = self._lost or "it is not running (use `async with` or run an agent with it)"
            raise MCPServerLost(self.server_name, f"cannot call {name!r}: {why}.")
        try:
            result = await client.call_tool(name, arguments, read_timeout_seconds=self.call_timeout)
        except mcp.MCPError as e:
            if e.code != mcp_types.CONNECTION_CLOSED:
                raise MCPToolError(self.server_name, name, f"{e} (MCP error {e.code})") from e
            await asyncio.sleep(0)  # let the owner note the reason first
            why = self._lost or f"the connection to `{self.target.describe()}` was closed"
            self._lost = why  # the next run starts the server again
            raise MCPServerLost(
                self.server_name, f"the call to {name!r} failed: {why}.{self._stderr_tail()}"
            ) from e
        except (OSError, EOFError) as e:
            raise MCPServerLost(self.server_name, f"the call to {name!r} failed: {self._problem(e)}") from e
        if result.is_error:
            raise MCPToolError(self.server_name, name, error_text(result))
        return to_result(result)

    # -- messages ----------------------------------------------------------------------------

    def _problem(self, error: BaseException) -> str:
        """One sentence about why the server could not start or went away."""
        leaf = _leaf(error)
        where = self.target.describe()
        if isinstance(leaf, FileNotFoundError):
            return (
                f"could not start `{where}`: {self.target.command!r} was not found. Is it installed, "
                "and on PATH (or give its full path)?"
            )
        if isinstance(leaf, PermissionError):
            return f"could not start `{where}`: {leaf}. Is the command executable?"
        text = f"{type(leaf).__name__}: {leaf}" if str(leaf) else type(leaf).__name__
        if self.target.kind == "http":
            return f"could not talk to {where}: {text}. Is the server up at that URL (path included)?"
        return f"`{where}` stopped or failed: {text}.{self._stderr_tail()}"

    def _stderr_tail(self) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            lines = self._stderr.read().strip().splitlines()[-_STDERR_LINES:]
            tail = "\n".join(lines)[-_STDERR_TAIL:]
        except (OSError, ValueError):
            return ""
        return f" Its stderr ended with:\n{tail}\n" if tail else ""


def _leaf(error: BaseException) -> BaseException:
    """The first exception inside (nested) exception groups: the SDK's task groups wrap causes."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _modern_versions() -> Sequence[str]:
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    return MODERN_PROTOCOL_VERSIONS


def _lists_changes(client: mcp.Client) -> bool:
    tools = client.server_capabilities.tools
    return bool(tools is not None and tools.list_changed)
