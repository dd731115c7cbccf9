"""What a resumed run does with each call of its unfinished batch (agents/_resume.py's table)."""

from __future__ import annotations

from typing import Any

import pytest

from agents._resume import batch, unfinished_calls
from agents.messages import AssistantMessage, ToolResultMessage, UserMessage
from tools import ToolCall, Toolset, tool


@tool(effect="idempotent")
def safe(x: int) -> int:
    return x


@tool
def unsafe(x: int) -> int:
    return x


@tool(requires_approval=True, effect="idempotent")
def gated(x: int) -> int:
    return x


TOOLS = Toolset([safe, unsafe, gated])
RESPONSE = ("response", {"step": 3})


def plan(name: str, events: list[tuple[str, dict[str, Any]]], durability: str = "event") -> str:
    call = ToolCall("c", name, {"x": 1})
    got = batch([call], [RESPONSE, *events], run_id="r", toolset=TOOLS, durability=durability)
    assert got.step == 3
    if got.pending:
        (p,) = got.pending
        assert p.idempotency_key == "r:3:c"
        return f"wait:{p.reason}"
    if "c" in got.results:
        return f"result:{got.results['c'].status}"
    return "run:approved" if "c" in got.approved else "run"


started = ("call_started", {"call_id": "c"})
finished = ("call_finished", {"call_id": "c", "name": "unsafe", "content": "1", "status": "ok"})
waiting = ("waiting", {"pending": [{"call_id": "c", "reason": "approval"}]})
interrupted = ("waiting", {"pending": [{"call_id": "c", "reason": "interrupted"}]})
approve = ("decision", {"call_id": "c", "decision": {"kind": "approve"}})
deny = ("decision", {"call_id": "c", "decision": {"kind": "deny", "reason": "no"}})
resumed = ("resumed", {})


@pytest.mark.parametrize(
    ("name", "events", "durability", "expected"),
    [
        ("unsafe", [], "event", "run"),  # never dispatched: event durability records every dispatch
        ("unsafe", [], "step", "wait:interrupted"),  # step durability cannot tell: ask
        ("safe", [], "step", "run"),
        ("unsafe", [started], "event", "wait:interrupted"),
        ("safe", [started], "event", "run"),
        ("unsafe", [started, finished], "event", "result:ok"),
        ("gated", [], "event", "wait:approval"),
        ("gated", [waiting], "step", "wait:approval"),
        ("gated", [waiting, approve], "step", "run:approved"),
        ("gated", [waiting, deny], "step", "result:denied"),
        ("unsafe", [started, interrupted, approve], "event", "run:approved"),
        ("unsafe", [started, interrupted, deny], "event", "result:denied"),
        # approved, resumed, then the process died again: under step it may have run
        ("unsafe", [interrupted, approve, resumed], "step", "wait:interrupted"),
        ("unsafe", [interrupted, approve, resumed], "event", "run:approved"),
        ("unsafe", [interrupted, approve, resumed, started], "event", "wait:interrupted"),
        ("gated", [waiting, approve, resumed, started], "event", "run:approved"),  # idempotent
    ],
)
def test_each_call_of_the_unfinished_batch(name: str, events: Any, durability: str, expected: str) -> None:
    assert plan(name, events, durability) == expected


def test_an_edit_changes_the_arguments_the_call_runs_with() -> None:
    edit = ("decision", {"call_id": "c", "decision": {"kind": "edit", "arguments": {"x": 9}}})
    got = batch(
        [ToolCall("c", "gated", {"x": 1})],
        [RESPONSE, waiting, edit],
        run_id="r",
        toolset=TOOLS,
        durability="step",
    )
    assert got.calls[0].arguments == {"x": 9} and got.approved == {"c"} and not got.pending


def test_unfinished_calls_are_those_of_the_last_turn_without_results() -> None:
    a, b = ToolCall("a", "safe", {}), ToolCall("b", "safe", {})
    turn = AssistantMessage(tool_calls=[a, b])
    assert unfinished_calls([UserMessage(content="hi"), turn]) == [a, b]
    assert unfinished_calls([turn, ToolResultMessage(call_id="a", name="safe", content="1")]) == [b]
    done = [turn, *(ToolResultMessage(call_id=c, name="safe", content="1") for c in "ab")]
    assert unfinished_calls(done) == [] and unfinished_calls([*done, AssistantMessage(text="ok")]) == []
