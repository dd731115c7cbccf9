"""Running calls: retry results and budgets, threads, timeouts, the concurrency cap, context,
approval, and what becomes of a tool's exceptions and return values."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
from typing import Any

import pytest
from pydantic import BaseModel

from tools import (
    ConfigError,
    ModelRetry,
    RunContext,
    Tool,
    ToolCall,
    ToolFatalError,
    ToolResult,
    ToolRetriesExceeded,
    Toolset,
    tool,
)


def ctx(deps: Any = None) -> RunContext[Any]:
    return RunContext(deps=deps, run_id="run-1")


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def call(name: str, arguments: dict[str, Any] | str | None = None, id: str = "c1") -> ToolCall:
    return ToolCall(id=id, name=name, arguments={} if arguments is None else arguments)


async def test_ok_result_carries_value_arguments_and_duration() -> None:
    (result,) = await Toolset([add]).run_calls([call("add", {"a": "2", "b": 3})], ctx())
    assert result == ToolResult(
        "c1", "add", "5", status="ok", value=5, arguments={"a": 2, "b": 3}, duration_s=result.duration_s
    )
    assert result.duration_s > 0


# -- retry messages ------------------------------------------------------------------------------


async def test_unknown_tool_retry_lists_tools() -> None:
    toolset = Toolset([add])
    context = ctx()
    (result,) = await toolset.run_calls([call("sum", {"a": 1})], context)
    assert result.status == "retry" and result.name == "sum" and result.arguments is None
    assert "Unknown tool `sum`" in result.content
    assert "Available tools: `add`" in result.content
    assert context.retries == {"sum": 1}


async def test_invalid_arguments_retry_says_what_and_how() -> None:
    def forecast(city: str, days: int) -> str:
        """Weather."""
        return city

    toolset = Toolset([forecast])
    (result,) = await toolset.run_calls([call("forecast", {"city": "Oslo", "days": "three"})], ctx())
    assert result.status == "retry"
    lines = result.content.splitlines()
    assert lines[0] == "Invalid arguments for tool `forecast`:"
    assert lines[1].startswith("- days: Input should be a valid integer")
    assert lines[1].endswith(", got 'three'")
    schema = json.loads(lines[2].removeprefix("Expected arguments (JSON schema): "))
    assert schema == toolset.get("forecast").parameters  # type: ignore[union-attr]
    assert lines[3] == "Fix the arguments and call `forecast` again."


async def test_malformed_json_text_retry() -> None:
    (result,) = await Toolset([add]).run_calls([call("add", '{"a": 1, "b": }')], ctx())
    assert result.status == "retry"
    assert "not valid JSON" in result.content and "column 15 (char 14)" in result.content
    assert "call `add` again" in result.content


async def test_model_retry_from_tool() -> None:
    def lookup(key: str) -> str:
        """Look up a key."""
        raise ModelRetry(f"No key {key!r}; keys are 'a' and 'b'.")

    context = ctx()
    (result,) = await Toolset([lookup]).run_calls([call("lookup", {"key": "z"})], context)
    assert result.status == "retry"
    assert result.content == "No key 'z'; keys are 'a' and 'b'."
    assert result.arguments == {"key": "z"}
    assert context.retries == {"lookup": 1}


# -- budgets -------------------------------------------------------------------------------------


async def test_per_tool_budget_from_toolset_default() -> None:
    toolset = Toolset([add], max_retries=2)
    context = ctx()
    for _ in range(2):
        (result,) = await toolset.run_calls([call("add", {"a": "x", "b": 1})], context)
        assert result.status == "retry"
    with pytest.raises(ToolRetriesExceeded) as info:
        await toolset.run_calls([call("add", {"a": "x", "b": 1})], context)
    assert (info.value.tool, info.value.retries, info.value.limit) == ("add", 3, 2)
    assert "a: Input should be a valid integer" in info.value.last_problem


async def test_per_tool_budget_from_the_tool_and_model_retry_counts() -> None:
    attempts = []

    @tool(max_retries=0)
    def picky(x: int) -> int:
        """Never happy."""
        attempts.append(x)
        raise ModelRetry("try another x")

    toolset = Toolset([picky], max_retries=5)
    with pytest.raises(ToolRetriesExceeded, match="try another x"):
        await toolset.run_calls([call("picky", {"x": 1})], ctx())
    assert attempts == [1]


async def test_budget_spent_in_validation_stops_before_anything_runs() -> None:
    ran = []

    def record(x: int) -> int:
        """Record x."""
        ran.append(x)
        return x

    toolset = Toolset([record], max_retries=0)
    calls = [call("record", {"x": 1}, id="ok"), call("record", {"x": "bad"}, id="bad")]
    with pytest.raises(ToolRetriesExceeded):
        await toolset.run_calls(calls, ctx())
    assert ran == []


async def test_per_run_budget_counts_all_tools() -> None:
    def mul(a: int, b: int) -> int:
        """Multiply."""
        return a * b

    toolset = Toolset([add, mul], max_retries=10, max_retries_per_run=2)
    context = ctx()
    await toolset.run_calls(
        [call("add", {"a": "x", "b": 1}), call("mul", {"a": "y", "b": 1}, id="c2")], context
    )
    assert context.retries == {"add": 1, "mul": 1}
    with pytest.raises(ToolRetriesExceeded) as info:
        await toolset.run_calls([call("nope")], context)
    assert info.value.per_run and info.value.retries == 3 and info.value.limit == 2
    assert "max_retries_per_run" in str(info.value)


# -- threads, timeouts and the cap ---------------------------------------------------------------


async def test_sync_tool_runs_off_the_event_loop() -> None:
    released = threading.Event()
    loop_thread = threading.get_ident()

    def blocking_wait() -> dict[str, bool]:
        """Blocks its thread until the loop releases it."""
        return {"released": released.wait(timeout=2), "off_loop": threading.get_ident() != loop_thread}

    async def release() -> str:
        """Runs on the loop: only possible if the sync tool does not block it."""
        await asyncio.sleep(0.01)
        released.set()
        return "done"

    results = await Toolset([blocking_wait, release]).run_calls(
        [call("blocking_wait", id="w"), call("release", id="r")], ctx()
    )
    assert [r.status for r in results] == ["ok", "ok"]
    # "released" is True only if the loop ran `release` while the sync tool waited: a blocked
    # loop makes the wait time out. No wall-clock bound: it flaked on a loaded machine.
    assert results[0].value == {"released": True, "off_loop": True}


async def test_timeout_becomes_error_result() -> None:
    @tool(timeout=0.05)
    async def slow() -> str:
        """Takes forever."""
        await asyncio.sleep(5)
        return "late"

    async def slower() -> str:
        """Takes forever too."""
        await asyncio.sleep(5)
        return "late"

    started = time.monotonic()
    results = await Toolset([slow, slower], default_timeout=0.1).run_calls(
        [call("slow", id="1"), call("slower", id="2")], ctx()
    )
    assert time.monotonic() - started < 1
    assert [r.status for r in results] == ["error", "error"]
    assert results[0].content == "Tool slow timed out after 0.05 s"
    assert results[1].content == "Tool slower timed out after 0.1 s"


async def test_timeout_error_raised_by_the_tool_is_a_failure_not_a_timeout() -> None:
    async def flaky() -> str:
        """Raises its own TimeoutError."""
        raise TimeoutError("upstream took too long")

    (result,) = await Toolset([flaky], default_timeout=5).run_calls([call("flaky")], ctx())
    assert result.content == "Tool flaky failed: TimeoutError: upstream took too long"


@pytest.mark.parametrize(("cap", "calls_made", "expected"), [(3, 10, 3), (8, 12, 8), (1, 4, 1)])
async def test_concurrency_cap(cap: int, calls_made: int, expected: int) -> None:
    in_flight = 0
    peak = 0

    async def work(i: int) -> int:
        """Some work."""
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return i

    calls = [call("work", {"i": i}, id=str(i)) for i in range(calls_made)]
    results = await Toolset([work], max_concurrency=cap).run_calls(calls, ctx())
    assert peak == expected
    assert [r.value for r in results] == list(range(calls_made))


async def test_results_in_call_order_whatever_the_finish_order() -> None:
    async def wait(s: float) -> float:
        """Sleep s seconds."""
        await asyncio.sleep(s)
        return s

    calls = [call("wait", {"s": s}, id=str(i)) for i, s in enumerate([0.05, 0.0, 0.02])]
    calls.insert(1, call("nope", id="x"))
    results = await Toolset([wait]).run_calls(calls, ctx())
    assert [r.call_id for r in results] == ["0", "x", "1", "2"]
    assert [r.status for r in results] == ["ok", "retry", "ok", "ok"]


# -- context ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Bank:
    balances: dict[str, int]


async def test_context_injected_per_call() -> None:
    seen: list[RunContext[Bank]] = []

    async def balance(ctx: RunContext[Bank], account: str) -> int:
        """Balance of an account."""
        seen.append(ctx)
        return ctx.deps.balances[account]

    def owner(ctx: RunContext, account: str) -> str:  # type: ignore[type-arg]
        """Sync, bare RunContext."""
        seen.append(ctx)
        return f"{ctx.run_id}:{account}"

    context = ctx(Bank({"a": 10, "b": 20}))
    results = await Toolset([balance, owner]).run_calls(
        [call("balance", {"account": "b"}, id="1"), call("owner", {"account": "a"}, id="2")], context
    )
    assert [r.value for r in results] == [20, "run-1:a"]
    assert sorted((c.tool_call_id, c.tool_name) for c in seen) == [("1", "balance"), ("2", "owner")]
    assert all(c.retries is context.retries and c.deps is context.deps for c in seen)
    assert context.tool_call_id is None and context.tool_name is None


# -- approval --------------------------------------------------------------------------------------


@tool(requires_approval=True)
def delete(path: str) -> str:
    """Delete a file."""
    return f"deleted {path}"


async def test_approved_call_runs_and_approver_sees_validated_arguments() -> None:
    asked: list[tuple[str | None, ToolCall, str]] = []

    def approve(ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        asked.append((ctx.tool_call_id, call, tool.name))
        return True

    (result,) = await Toolset([delete], approver=approve).run_calls(
        [call("delete", '{"path": "/tmp/x"}')], ctx()
    )
    assert result.status == "ok" and result.content == "deleted /tmp/x"
    assert asked == [("c1", ToolCall("c1", "delete", {"path": "/tmp/x"}), "delete")]


async def test_denied_call_does_not_run() -> None:
    async def refuse(ctx: RunContext[Any], call: ToolCall, tool: Tool) -> bool:
        await asyncio.sleep(0)
        return False

    ran = []

    @tool(requires_approval=True)
    def launch(target: str) -> str:
        """Launch."""
        ran.append(target)
        return "launched"

    (result,) = await Toolset([launch], approver=refuse).run_calls(
        [call("launch", {"target": "moon"})], ctx()
    )
    assert result.status == "denied" and "not approved" in result.content
    assert ran == []


async def test_requires_approval_without_an_approver_is_a_config_error_when_called() -> None:
    # It used to deny every call in silence. A toolset may hold such a tool (a durable agent's
    # calls wait for a person instead; an agent without a store refuses it when it is made), but
    # running a call to it with nobody to ask is a ConfigError, never a silent denial.
    toolset = Toolset([delete, add])
    assert toolset.needs_approval == ["delete"]
    with pytest.raises(ConfigError, match=r"Tool 'delete' requires approval.*approver=fn"):
        await toolset.run_calls([call("delete", {"path": "/tmp/x"})], ctx())
    assert Toolset([delete], approver=lambda c, k, t: True).needs_approval == []


# -- failures and values ---------------------------------------------------------------------------


async def test_tool_exception_becomes_error_result() -> None:
    def boom(x: int) -> int:
        """Fails."""
        raise ValueError(f"bad x {x}")

    (result,) = await Toolset([boom]).run_calls([call("boom", {"x": 7})], ctx())
    assert result.status == "error"
    assert result.content == "Tool boom failed: ValueError: bad x 7"
    assert result.value is None and result.arguments == {"x": 7}


async def test_fatal_error_propagates_and_cancels_the_batch() -> None:
    cancelled = asyncio.Event()

    async def fatal() -> None:
        """Stops the run."""
        await asyncio.sleep(0.01)
        raise ToolFatalError("disk on fire")

    async def long() -> None:
        """Would take long."""
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(ToolFatalError, match="disk on fire"):
        await Toolset([fatal, long]).run_calls([call("fatal", id="1"), call("long", id="2")], ctx())
    assert cancelled.is_set()
    with pytest.raises(ToolFatalError):
        await Toolset([fatal]).run_calls([call("fatal")], ctx())


class Reading(BaseModel):
    celsius: float
    place: str


@pytest.mark.parametrize(
    ("value", "content"),
    [
        ("plain text", "plain text"),
        (None, "null"),
        ({"a": [1, 2], "b": "é"}, '{"a":[1,2],"b":"é"}'),
        ([True, None, 1.5], "[true,null,1.5]"),
        (Reading(celsius=21.5, place="Zürich"), '{"celsius":21.5,"place":"Zürich"}'),
        (Bank({"x": 1}), '{"balances":{"x":1}}'),
        (42, "42"),
        (b"bytes", "bytes"),
    ],
)
async def test_return_values_serialised_for_the_model(value: Any, content: str) -> None:
    def give() -> Any:
        """Return the value."""
        return value

    (result,) = await Toolset([give]).run_calls([call("give")], ctx())
    assert result.content == content
    assert result.value is value


async def test_raw_schema_tool_with_handler_and_context() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}

    async def handler(ctx: RunContext[int], n: int) -> int:
        return n * ctx.deps

    declared = Tool.from_schema("times", "Multiply by deps.", schema, handler)
    assert declared.takes_ctx
    (result,) = await Toolset([declared]).run_calls([call("times", '{"n": "4"}')], ctx(10))
    assert result.value == 40 and result.arguments == {"n": 4}


async def test_declaration_without_handler_cannot_run() -> None:
    declared = Tool.from_schema("ghost", "No handler.", {"type": "object", "properties": {}})
    with pytest.raises(ConfigError, match="without a handler"):
        await Toolset([declared]).run_calls([call("ghost")], ctx())
