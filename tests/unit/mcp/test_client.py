"""MCP servers as toolsets: the demo server (the SDK's own server API) run as a subprocess over
stdio and streamable HTTP, its tools called through the registry and by agents."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from agents import Agent
from agents.errors import ConfigError, MCPServerError, MCPServerLost, ToolRetriesExceeded, trace_of
from agents.events import ToolCallFinished, ToolCallStarted
from agents.mcp import MCPResult, MCPToolset
from agents.messages import ImagePart, TextPart, ToolResultMessage
from agents.testing import ScriptedModel, call
from tests.unit.mcp.servers import DEMO, ROOT, alive, demo, free_port, start_http, stop
from tools import RunContext, ToolCall, ToolResult, Toolset


def ctx() -> RunContext[None]:
    return RunContext(deps=None, run_id="r", step=1, messages=[], retries={})


async def run(ts: Toolset, name: str, **arguments: Any) -> ToolResult:
    [result] = await ts.run_calls([ToolCall(f"c-{name}", name, arguments)], ctx())
    return result


async def test_tools_become_raw_schema_tools_and_results_map_to_our_parts() -> None:
    async with demo() as ts:
        assert {"add", "weather", "place_order", "picture", "fail", "grow"} <= set(ts.names)
        add = ts.get("add")
        assert add is not None and add.description == "Add two integers."
        assert add.parameters["required"] == ["a", "b"]
        assert add.effect == "read_only" and ts.get("weather").effect == "idempotent"  # type: ignore[union-attr]
        assert ts.get("fail").effect == "unsafe"  # type: ignore[union-attr]

        ok = await run(ts, "add", a=2, b=3)
        assert (ok.status, ok.content) == ("ok", "5")
        assert isinstance(ok.value, MCPResult) and ok.value.structured == {"result": 5}

        weather = await run(ts, "weather", city="Oslo")
        assert isinstance(weather.value, MCPResult)
        assert weather.value.structured == {"city": "Oslo", "celsius": 21.5}
        assert isinstance(weather.value.parts[0], TextPart) and "21.5" in weather.content

        picture = await run(ts, "picture")
        assert isinstance(picture.value, MCPResult)
        [image] = picture.value.parts
        assert isinstance(image, ImagePart) and image.media_type == "image/png"
        assert image.data is not None and image.data.startswith(b"\x89PNG")
        assert picture.content == f"[image: image/png, {len(image.data)} bytes]"

        failed = await run(ts, "fail", message="no luck")
        assert failed.status == "error"
        assert "MCP server 'demo'" in failed.content and "'fail'" in failed.content

        # jsonschema validation happens here, before the server sees the call.
        bad = await run(ts, "add", a="two", b=3)
        assert bad.status == "retry" and "a: 'two' is not of type 'integer'" in bad.content

        coerced = await run(ts, "add", a="2", b=3)  # the registry's lax coercion, as for our tools
        assert coerced.content == "5"
        assert ts.listings == 1  # listed once, at the start: the list is cached


async def test_list_changed_notification_refreshes_the_cached_list() -> None:
    async with demo() as ts:
        assert "extra" not in ts and ts.listings == 1
        assert (await run(ts, "grow")).content == "grown"
        async with asyncio.timeout(20):
            await ts.listed(2)
        assert "extra" in ts and ts.listings == 2
        assert (await run(ts, "extra", x="ab")).content == "abab"


async def test_the_handshake_era_protocol_and_its_list_changed_notification() -> None:
    async with demo(protocol="legacy") as ts:
        assert ts._client is not None and ts._client.protocol_version not in ("2026-07-28",)
        assert (await run(ts, "add", a=1, b=2)).content == "3"
        assert (await run(ts, "grow")).content == "grown"
        async with asyncio.timeout(20):
            await ts.listed(2)
        assert "extra" in ts


async def test_streamable_http_server(demo_http: str) -> None:
    async with MCPToolset.http(demo_http, name="demo-http", prefix="web", only=["add", "fail"]) as ts:
        assert ts.names == ["web_add", "web_fail"]
        result = await run(ts, "web_add", a=20, b=22)
        assert (result.status, result.content) == ("ok", "42")
        failed = await run(ts, "web_fail", message="x")
        assert failed.status == "error" and "'demo-http'" in failed.content


def pid_of(result: Any) -> int:
    return int(next(r.content for r in result.tool_results() if r.name == "pid"))


async def test_agent_calls_mcp_tools_beside_its_own_server_started_with_each_run() -> None:
    def local_double(n: int) -> int:
        """Double n."""
        return 2 * n

    server = demo()
    model = ScriptedModel([[call("add", a=2, b=3), call("local_double", n=4)], call("pid"), "5 and 8"])
    agent = Agent(model, tools=[local_double, server])
    result = await agent.run("Add 2 and 3, double 4.")
    assert result.output == "5 and 8"
    tool_messages = [m for m in result.messages if isinstance(m, ToolResultMessage)]
    assert [(m.name, m.content) for m in tool_messages[:2]] == [("add", "5"), ("local_double", "8")]
    # Both kinds of tools were declared to the model in one list.
    declared = [s["function"]["name"] for s in model.requests[0].tools or []]
    assert declared[0] == "local_double" and "add" in declared
    assert not server.connected  # stopped at the end of the run
    assert not alive(pid_of(result))


async def test_async_with_agent_keeps_one_server_for_many_runs() -> None:
    server = demo()
    agent = Agent(ScriptedModel([call("pid"), "a", call("pid"), "b"]), tools=server)
    async with agent:
        first = await agent.run("one")
        second = await agent.run("two")
        assert server.connected
    assert pid_of(first) == pid_of(second) and server.listings == 1
    assert not server.connected and not alive(pid_of(first))


async def test_registry_rules_apply_to_mcp_tools() -> None:
    asked: list[str] = []

    def approver(ctx: RunContext[Any], call: ToolCall, tool: Any) -> bool:
        asked.append(call.name)
        return call.arguments.get("times") != 13  # type: ignore[union-attr]

    server = demo(call_timeout=0.5, requires_approval={"shout"})
    outer = Toolset([server], approver=approver, max_result_chars=40, max_retries=1)
    async with outer.running():
        assert server.get("shout").requires_approval and not server.get("add").requires_approval  # type: ignore[union-attr]
        denied = await run(outer, "shout", text="hey", times=13)
        assert denied.status == "denied" and asked == ["shout"]
        capped = await run(outer, "shout", text="hey", times=30)
        assert capped.status == "ok" and capped.content.startswith("HEY" * 13 + "H")
        assert "[Output truncated: the tool returned 90 characters" in capped.content
        slow = await run(outer, "slow", seconds=30)
        assert (slow.status, slow.content) == ("error", "Tool slow timed out after 0.5 s")
        budget = ctx()
        [retry] = await outer.run_calls([ToolCall("x", "add", {"a": "nope"})], budget)
        assert retry.status == "retry"
        with pytest.raises(ToolRetriesExceeded, match="'add' had to be retried 2 times"):
            await outer.run_calls([ToolCall("y", "add", {"a": "nope"})], budget)
        # The server is still fine after a call timed out.
        assert (await run(outer, "add", a=1, b=1)).content == "2"


async def test_server_dying_mid_run_is_a_typed_error_and_the_run_keeps_its_trace() -> None:
    server = demo()
    agent = Agent(ScriptedModel([call("add", a=1, b=1), call("die"), "never"]), tools=[server])
    with pytest.raises(MCPServerLost) as raised:
        await agent.run("Crash it.")
    error = raised.value
    assert error.server == "demo" and "MCP server 'demo'" in str(error) and "'die'" in str(error)
    trace = trace_of(error)
    assert trace is not None
    started = [e.call.name for e in trace.events if isinstance(e, ToolCallStarted)]
    finished = [e.result.content for e in trace.events if isinstance(e, ToolCallFinished)]
    assert started == ["add", "die"] and finished == ["2"]
    assert not server.connected


async def test_a_server_killed_between_runs_is_started_again_by_the_next_run() -> None:
    server = demo()
    agent = Agent(ScriptedModel([call("pid"), "a", call("add", a=1, b=1), call("pid"), "b"]), tools=[server])
    async with agent:
        first = pid_of(await agent.run("one"))
        os.kill(first, signal.SIGKILL)  # while no call is in flight: nothing notices yet
        with pytest.raises(MCPServerLost, match="the call to 'add' failed"):
            await agent.run("two")
        assert not server.connected
        second = pid_of(await agent.run("three"))
    assert second != first and server.listings == 2


async def test_an_http_server_that_goes_away_mid_run() -> None:
    port = free_port()
    proc = start_http([sys.executable, str(DEMO), "http", str(port)], port)
    try:
        server = MCPToolset.http(f"http://127.0.0.1:{port}/mcp", name="web")
        agent = Agent(ScriptedModel([call("add", a=1, b=1), call("add", a=2, b=2), "never"]), tools=[server])
        first = asyncio.Event()

        async def run_and_note() -> None:
            async with agent.run_stream("Add twice.") as stream:
                async for event in stream:
                    if isinstance(event, ToolCallFinished):
                        first.set()
                        await asyncio.to_thread(stop, proc)  # the server goes before the second call

        with pytest.raises(MCPServerLost, match=r"MCP server 'web': the call to 'add' failed"):
            await run_and_note()
        assert first.is_set()
    finally:
        stop(proc)


async def test_a_cancelled_run_stops_the_server() -> None:
    server = demo()
    agent = Agent(ScriptedModel([call("pid"), call("slow", seconds=60), "never"]), tools=[server])
    pids: list[int] = []
    slow_started = asyncio.Event()

    async def go() -> None:
        async with agent.run_stream("Wait.") as stream:
            async for event in stream:
                if isinstance(event, ToolCallFinished) and event.result.name == "pid":
                    pids.append(int(event.result.content))
                if isinstance(event, ToolCallStarted) and event.call.name == "slow":
                    slow_started.set()

    task = asyncio.create_task(go())
    async with asyncio.timeout(30):
        await slow_started.wait()
    await asyncio.sleep(0.2)  # the call reaches the server
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not server.connected and not alive(pids[0])


# -- bad servers: a clear error naming the server, never a hang ------------------------------


async def test_a_server_that_is_not_installed() -> None:
    with pytest.raises(MCPServerError, match=r"'ghost'.*'no-such-mcp-server' was not found. Is it installed"):
        async with MCPToolset.stdio("no-such-mcp-server", "--flag", name="ghost"):
            pass


async def test_a_server_that_hangs_at_start() -> None:
    hangs = MCPToolset.stdio(
        sys.executable, "-c", "import time; time.sleep(120)", name="sleepy", start_timeout=1
    )
    with pytest.raises(MCPServerError, match=r"'sleepy': did not answer within start_timeout=1 s"):
        async with hangs:
            pass
    assert not hangs.connected


async def test_a_server_that_exits_at_start_is_quoted() -> None:
    script = "import sys; print('missing API key', file=sys.stderr); sys.exit(2)"
    with pytest.raises(MCPServerError, match=r"(?s)'crashy'.*stopped or failed.*missing API key"):
        async with MCPToolset.stdio(sys.executable, "-c", script, name="crashy"):
            pass


async def test_a_malformed_schema_names_the_server_and_the_tool() -> None:
    with pytest.raises(
        MCPServerError, match=r"(?s)MCP server 'bad': its tool 'broken' cannot be used.*not a valid"
    ):
        async with MCPToolset.stdio(sys.executable, str(DEMO), "bad-schema", name="bad"):
            pass


async def test_an_http_server_that_is_not_there() -> None:
    with pytest.raises(MCPServerError, match=r"'nobody': could not talk to http://127.0.0.1:9/mcp"):
        async with MCPToolset.http("http://127.0.0.1:9/mcp", name="nobody", start_timeout=10):
            pass


def test_a_server_from_one_line_of_text() -> None:
    stdio = MCPToolset.from_spec("npx -y 'some server' /tmp", prefix="fs")
    assert (stdio.target.kind, stdio.target.command, stdio.target.args) == (
        "stdio",
        "npx",
        ("-y", "some server", "/tmp"),
    )
    assert stdio.server_name == "npx -y some server /tmp" and stdio.prefix == "fs_"
    http = MCPToolset.from_spec(" https://example.org/mcp ")
    assert (http.target.kind, http.target.url) == ("http", "https://example.org/mcp")
    with pytest.raises(ConfigError, match="needs a command"):
        MCPToolset.from_spec("  ")
    with pytest.raises(ConfigError, match="cannot split"):
        MCPToolset.from_spec("python 'unclosed")


def test_bad_options_and_adding_tools_to_a_server() -> None:
    with pytest.raises(Exception, match="start_timeout and call_timeout must be positive"):
        MCPToolset.stdio("x", start_timeout=0)
    with pytest.raises(Exception, match="holds the tools its server lists"):
        MCPToolset.stdio("x").add(lambda: None)


# -- import cost --------------------------------------------------------------------------------


def test_importing_agents_and_tools_does_not_import_the_sdk() -> None:
    code = (
        "import sys, agents, tools, agents.mcp\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'mcp_types')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- Gemma 4 grammar mode ---------------------------------------------------------------------


async def test_mcp_schemas_compile_to_the_gemma4_grammar_and_an_agent_calls_through_it() -> None:
    from agents.gemma4 import compile_tool_grammar, render_call
    from agents.models import GEMMA4
    from tests.unit.gemma4.xgrammar_check import oracle_python, run_oracles

    server = demo()
    model = ScriptedModel(
        [call("place_order", order={"item": "mug", "quantity": 2}, note="gift"), "Ordered."],
        profile=GEMMA4,
    )
    agent = Agent(model, tools=[server], tool_mode="grammar", tool_choice="required")
    async with agent:  # the server stays up for the grammar check below
        result = await agent.run("Two mugs, as a gift.")
        specs = server.specs()
    assert [r.content for r in result.tool_results()] == ["ordered 2 mug (gift)"]
    grammar = (model.requests[0].structured_outputs or {})["grammar"]
    assert "call:place_order" in grammar and "call:add" in grammar
    # The server's `$ref` to its Order model was inlined: the enum is in the grammar itself.
    assert all(f'g4_q "{item}" g4_q' in grammar for item in ("mug", "plate", "spoon"))

    if oracle_python() is None:
        pytest.skip("xgrammar is not installed anywhere here: the grammar's text was checked, not parsed")
    # xgrammar without a tokenizer: the compiler's grammar with the markers spelt out.
    plain = compile_tool_grammar(specs, require_call=True).structured_outputs()["grammar"]
    good = render_call("place_order", {"order": {"item": "mug", "quantity": 2}, "note": "gift"})
    bad = render_call("place_order", {"order": {"item": "fork", "quantity": 2}})
    [verdicts], _ = run_oracles([(plain, [good, bad])])
    assert verdicts == [True, False]


async def test_a_durable_run_waits_for_approval_of_an_mcp_call_and_resumes(tmp_path: Any) -> None:
    from agents.memory import Approve

    server = demo(requires_approval={"shout"})
    model = ScriptedModel([call("shout", text="a", times=2), "Shouted."])
    agent = Agent(model, tools=[server], store=tmp_path / "store.db")
    waiting = await agent.run("Shout.", session="s")
    assert waiting.waiting and [p.name for p in waiting.pending] == ["shout"]
    assert not server.connected  # stopped while the run waits for a person
    done = await agent.resume(waiting.run_id, decisions={waiting.pending[0].call_id: Approve()})
    assert done.output == "Shouted." and [r.content for r in done.tool_results()] == ["AA"]
    await agent.aclose()


async def test_runs_started_at_once_share_one_server() -> None:
    server = demo()
    agent = Agent(ScriptedModel([call("pid"), call("pid"), "a", "b"]), tools=[server])
    first, second = await asyncio.gather(agent.run("one"), agent.run("two"))  # no `async with agent`
    pids = {int(r.content) for res in (first, second) for r in res.tool_results()}
    assert len(pids) == 1 and server.listings == 1 and not server.connected
