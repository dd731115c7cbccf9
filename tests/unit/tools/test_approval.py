"""Approvers: sync ones run off the event loop, one approval at a time in call order and before
any call runs; their failures are typed errors that carry the run's trace; a tool that needs
approval needs an approver."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from agents import Agent
from agents.testing import ScriptedModel, call
from tools import (
    ApprovalError,
    ConfigError,
    RunContext,
    Tool,
    ToolCall,
    ToolFatalError,
    Toolset,
    tool,
)

ran: list[str] = []


@tool(requires_approval=True)
def launch(target: str) -> str:
    """Launch a rocket."""
    ran.append(target)
    return f"launched to {target}"


def ctx() -> RunContext[Any]:
    return RunContext(deps=None, run_id="r")


async def test_a_blocking_sync_approver_does_not_block_the_event_loop() -> None:
    released = threading.Event()
    seen: list[bool] = []

    def ask_a_person(ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        seen.append(released.wait(timeout=2))  # stands in for input(): blocks its thread
        return True

    async def meanwhile() -> None:  # another run's work, on the loop
        await asyncio.sleep(0.01)
        released.set()

    toolset = Toolset([launch], approver=ask_a_person)
    results, _ = await asyncio.gather(
        toolset.run_calls([ToolCall("1", "launch", {"target": "moon"})], ctx()), meanwhile()
    )
    assert seen == [True], "the approver blocked the event loop"
    assert results[0].status == "ok"


async def test_approvals_one_at_a_time_in_call_order_before_any_call_runs() -> None:
    ran.clear()
    log: list[str] = []
    busy = threading.Lock()

    def approve(ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        assert busy.acquire(blocking=False), "two approvals at once"
        try:
            log.append(f"ask {call.arguments['target']} (ran so far: {len(ran)})")
            return call.arguments["target"] != "sun"
        finally:
            busy.release()

    toolset = Toolset([launch], approver=approve, max_concurrency=4)
    calls = [ToolCall(str(i), "launch", {"target": t}) for i, t in enumerate(["moon", "sun", "mars"])]
    results = await toolset.run_calls(calls, ctx())
    assert log == ["ask moon (ran so far: 0)", "ask sun (ran so far: 0)", "ask mars (ran so far: 0)"]
    assert [r.status for r in results] == ["ok", "denied", "ok"]
    assert sorted(ran) == ["mars", "moon"]


def test_an_approver_exception_is_a_typed_error_with_the_trace() -> None:
    def broken(ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        raise KeyError("no such user")

    agent = Agent(
        ScriptedModel([call("launch", target="moon"), "done"]), tools=Toolset([launch], approver=broken)
    )
    with pytest.raises(ApprovalError) as info:
        agent.run_sync("go")
    message = str(info.value)
    assert "broken" in message and "'launch'" in message and "KeyError" in message
    assert info.value.tool == "launch"
    assert info.value.trace is not None and info.value.trace.messages


async def test_fatal_error_from_an_approver_or_a_tool_names_the_tool() -> None:
    async def stop(ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        raise ToolFatalError("operator pulled the plug")

    with pytest.raises(ToolFatalError, match="Tool 'launch' stopped the run: operator pulled the plug"):
        await Toolset([launch], approver=stop).run_calls([ToolCall("1", "launch", {"target": "x"})], ctx())

    def wipe() -> None:
        """Wipes the disk."""
        raise ToolFatalError("disk on fire")

    with pytest.raises(ToolFatalError) as info:
        await Toolset([wipe]).run_calls([ToolCall("1", "wipe", {})], ctx())
    assert str(info.value) == "Tool 'wipe' stopped the run: disk on fire" and info.value.tool == "wipe"


def test_a_tool_needing_approval_needs_an_approver() -> None:
    with pytest.raises(ConfigError, match="approver=fn"):
        Agent(ScriptedModel(["hi"]), tools=[launch])
    with_approver = Toolset(approver=lambda ctx, call, tool: True)
    merged = Toolset().merge(with_approver, Toolset([launch], approver=with_approver.approver))
    assert merged.approver is with_approver.approver and "launch" in merged
    toolset = Toolset([launch], approver=with_approver.approver)
    toolset.approver = None
    with pytest.raises(ConfigError, match="requires approval"):
        asyncio.run(toolset.run_calls([ToolCall("1", "launch", {"target": "x"})], ctx()))
