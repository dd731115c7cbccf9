"""The agent loop, driven by scripted models."""

from __future__ import annotations

import asyncio
from typing import Literal

import pytest
from pydantic import BaseModel

from agents import Agent, UsageLimits
from agents.errors import (
    OutputValidationError,
    ResponseTruncated,
    ToolRetriesExceeded,
    UsageLimitExceeded,
    trace_of,
)
from agents.events import (
    ModelResponded,
    OutputRetry,
    ResponseCut,
    RunFinished,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
)
from agents.messages import AssistantMessage, SystemMessage, ToolResultMessage, UserMessage
from agents.models.base import ModelRequest, ModelResponse, ModelSettings
from agents.testing import FunctionModel, ScriptedModel, call
from tools import RunContext, Toolset


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


def weather(city: Literal["Paris", "Oslo"]) -> dict[str, object]:
    """Current weather in a city.

    Args:
        city: The city.
    """
    return {"city": city, "temp_c": 21 if city == "Paris" else 3}


class Answer(BaseModel):
    city: str
    temp_c: int


async def test_plain_text_answer() -> None:
    model = ScriptedModel(["hello"])
    result = await Agent(model, instructions="Be brief.").run("hi")
    assert result.output == "hello"
    assert [type(m) for m in result.messages] == [SystemMessage, UserMessage, AssistantMessage]
    assert result.usage.requests == 1


async def test_tool_call_then_answer() -> None:
    model = ScriptedModel([call("add", a=2, b=3), "5"])
    result = await Agent(model, tools=[add]).run("2+3?")
    assert result.output == "5"
    [res] = result.tool_results()
    assert (res.status, res.content, res.value) == ("ok", "5", 5)
    tool_msg = [m for m in result.messages if isinstance(m, ToolResultMessage)]
    assert tool_msg[0].content == "5"
    # The second request saw the call and its result.
    second = model.requests[1]
    assert isinstance(second.messages[-1], ToolResultMessage)
    assert [s["function"]["name"] for s in second.tools] == ["add"]


async def test_parallel_calls_results_in_order() -> None:
    model = ScriptedModel([[call("add", a=1, b=1), call("add", a=2, b=2)], "done"])
    result = await Agent(model, tools=[add]).run("go")
    assert [r.value for r in result.tool_results()] == [2, 4]
    assert result.usage.tool_calls == 2


async def test_lax_string_arguments_from_server() -> None:
    # vLLM's gemma4 parser can hand bare values back as strings.
    model = ScriptedModel([ModelResponse(tool_calls=[call("add", a="2", b="40")]), "42"])
    result = await Agent(model, tools=[add]).run("?")
    assert result.tool_results()[0].value == 42


async def test_invalid_arguments_become_retry_message() -> None:
    model = ScriptedModel([call("add", a="two", b=1), call("add", a=2, b=1), "3"])
    result = await Agent(model, tools=[add]).run("?")
    first, second = result.tool_results()
    assert first.status == "retry"
    assert "a" in first.content and "integer" in first.content.lower()
    assert second.status == "ok" and second.value == 3


async def test_retry_budget_spent_raises_with_trace() -> None:
    bad = [call("add", a="x", b=1) for _ in range(5)]
    model = ScriptedModel([*bad, "never"])
    agent = Agent(model, tools=Toolset([add], max_retries=2))
    with pytest.raises(ToolRetriesExceeded) as info:
        await agent.run("?")
    trace = trace_of(info.value)
    assert trace is not None
    assert sum(isinstance(m, ToolResultMessage) for m in trace.messages) == 2


async def test_unknown_tool_is_a_retry() -> None:
    model = ScriptedModel([call("nope"), call("add", a=1, b=1), "2"])
    result = await Agent(model, tools=[add]).run("?")
    assert result.tool_results()[0].status == "retry"
    assert "add" in result.tool_results()[0].content


async def test_structured_output_valid_text_needs_no_extra_request() -> None:
    model = ScriptedModel([call("weather", city="Paris"), '{"city": "Paris", "temp_c": 21}'])
    result = await Agent(model, tools=[weather], output_type=Answer).run("?")
    assert result.output == Answer(city="Paris", temp_c=21)
    assert result.usage.requests == 2


async def test_structured_output_constrained_and_retried() -> None:
    model = ScriptedModel(["It is warm.", '{"city": "Paris"}', '{"city": "Paris", "temp_c": 21}'])
    result = await Agent(model, output_type=Answer).run("?")
    assert result.output.temp_c == 21
    # The re-asks carry the JSON schema; the retry says what was missing.
    assert model.requests[1].output_schema is not None
    assert model.requests[1].output_schema.schema["required"] == ["city", "temp_c"]
    assert any(isinstance(e, OutputRetry) and "temp_c" in e.problems for e in result.events)


async def test_structured_output_gives_up_with_typed_error() -> None:
    model = ScriptedModel(["no", "no", "no", "no"])
    with pytest.raises(OutputValidationError) as info:
        await Agent(model, output_type=Answer, output_retries=2).run("?")
    assert info.value.attempts == 3
    assert trace_of(info.value) is not None


async def test_step_limit_raises_with_partial_trace() -> None:
    model = FunctionModel(lambda req: ModelResponse(tool_calls=[call("add", a=1, b=1)]))
    with pytest.raises(UsageLimitExceeded) as info:
        await Agent(model, tools=[add], limits=UsageLimits(max_steps=3)).run("loop")
    assert info.value.limit == "max_steps"
    trace = trace_of(info.value)
    assert trace is not None and trace.usage is not None and trace.usage.requests == 3


async def test_token_limit() -> None:
    model = ScriptedModel([ModelResponse(text="x" * 10)])
    with pytest.raises(UsageLimitExceeded) as info:
        await Agent(model, limits=UsageLimits(max_total_tokens=1)).run("hi")
    assert info.value.limit == "max_total_tokens"


async def test_wall_time_limit() -> None:
    async def slow(req: ModelRequest) -> ModelResponse:
        await asyncio.sleep(0.05)
        return ModelResponse(tool_calls=[call("add", a=1, b=2)])

    with pytest.raises(UsageLimitExceeded) as info:
        await Agent(FunctionModel(slow), tools=[add], limits=UsageLimits(max_wall_time_s=0.08)).run("?")
    assert info.value.limit == "max_wall_time_s"


async def test_deps_reach_tools_through_context() -> None:
    seen: list[str] = []

    def remember(ctx: RunContext[list[str]], item: str) -> str:
        """Remember an item.

        Args:
            item: What to remember.
        """
        ctx.deps.append(item)
        return "ok"

    model = ScriptedModel([call("remember", item="milk"), "ok"])
    await Agent(model, tools=[remember]).run("?", deps=seen)
    assert seen == ["milk"]


async def test_message_history_continues_a_conversation() -> None:
    model = ScriptedModel(["first", "second"])
    agent = Agent(model, instructions="sys")
    one = await agent.run("a")
    two = await agent.run("b", message_history=one.messages)
    texts = [m.text for m in two.messages if isinstance(m, UserMessage)]
    assert texts == ["a", "b"]
    assert sum(isinstance(m, SystemMessage) for m in two.messages) == 1
    assert [type(m) for m in two.new_messages()] == [UserMessage, AssistantMessage]


async def test_stream_yields_deltas_and_result() -> None:
    model = ScriptedModel([call("add", a=1, b=2), "three is the answer"])
    stream = Agent(model, tools=[add]).run_stream("?")
    events = [e async for e in stream]
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "three is the answer"
    assert any(isinstance(e, ToolCallStarted) for e in events)
    assert isinstance(events[-1], RunFinished)
    assert stream.result.output == "three is the answer"
    # Deltas are streamed, not kept.
    assert not any(isinstance(e, TextDelta) for e in stream.result.events)


def test_run_sync() -> None:
    result = Agent(ScriptedModel(["ok"])).run_sync("hi")
    assert result.output == "ok"


async def test_run_sync_inside_loop_is_a_clear_error() -> None:
    from agents.errors import ConfigError

    with pytest.raises(ConfigError, match="running event loop"):
        Agent(ScriptedModel(["ok"])).run_sync("hi")


async def test_forced_first_call_is_reset_to_auto() -> None:
    model = ScriptedModel([call("add", a=1, b=1), "2"])
    await Agent(model, tools=[add], tool_choice="required", tool_mode="server").run("?")
    assert model.requests[0].tool_choice == "required"
    assert model.requests[1].tool_choice == "auto"


async def test_tool_exception_is_reported_to_the_model() -> None:
    def boom() -> str:
        """Always fails."""
        raise RuntimeError("disk on fire")

    model = ScriptedModel([call("boom"), "sorry"])
    result = await Agent(model, tools=[boom]).run("?")
    res = result.tool_results()[0]
    assert res.status == "error" and "disk on fire" in res.content
    assert result.output == "sorry"


async def test_events_are_ordered() -> None:
    model = ScriptedModel([call("add", a=1, b=1), "2"])
    result = await Agent(model, tools=[add]).run("?")
    kinds = [type(e).__name__ for e in result.events]
    assert kinds == [
        "RunStarted",
        "StepStarted",
        "ModelResponded",
        "ToolCallStarted",
        "ToolCallFinished",
        "StepStarted",
        "ModelResponded",
        "RunFinished",
    ]
    assert isinstance(result.events[2], ModelResponded)
    assert isinstance(result.events[4], ToolCallFinished)


async def test_call_cut_by_max_tokens_is_not_run_and_the_model_is_told() -> None:
    ran: list[str] = []

    def note(text: str) -> str:
        """Keep a note.

        Args:
            text: The note.
        """
        ran.append(text)
        return "kept"

    cut = ModelResponse(tool_calls=[call("note", text="half a sen")], finish_reason="length")
    model = ScriptedModel([cut, call("note", text="short"), "done"])
    result = await Agent(model, tools=[note]).run("note something")
    assert ran == ["short"]  # the fragment never ran
    told = [m for m in result.messages if isinstance(m, UserMessage) and "cut off" in str(m.content)]
    assert len(told) == 1 and "token limit" in str(told[0].content)
    assert result.output == "done"


async def test_calls_cut_every_time_end_in_a_typed_error_that_names_max_tokens() -> None:
    # Issue 9: this ended in "Tool '(unreadable call)' had to be retried 3 times ... raise max_retries".
    cut = ModelResponse(tool_calls=[call("add", a=1, b=2)], finish_reason="length")
    model = ScriptedModel([cut] * 10)
    agent = Agent(model, tools=[add], format_retries=2, settings=ModelSettings(max_tokens=96))
    with pytest.raises(ResponseTruncated, match=r"max_tokens=96.*ModelSettings\(max_tokens=") as info:
        await agent.run("add")
    assert len(model.requests) == 2  # one retry asking for a shorter call; no doomed repeats
    trace = trace_of(info.value)
    assert trace is not None
    assert [e.max_tokens for e in trace.events if isinstance(e, ResponseCut)] == [96, 96]
