"""The loop under bad input (issue 8: 1, 2, 3; issue 9: 2): every model output ends in a retry or a
typed error with the trace, limits hold before their effect, and a cut response names its cause."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from agents import Agent, UsageLimits
from agents.errors import (
    ResponseTruncated,
    ToolRetriesExceeded,
    UnreadableResponse,
    UsageLimitExceeded,
    trace_of,
)
from agents.events import OutputRetry, ResponseCut, ToolCallStarted
from agents.messages import UserMessage
from agents.models import GEMMA4, GENERIC, OpenAIChatModel
from agents.models.base import ModelRequest, ModelResponse, ModelSettings, StreamItem
from agents.models.profiles import ToolMode
from agents.testing import FunctionModel, ScriptedModel, call
from tools import ToolCall

MODES: list[ToolMode] = ["server", "grammar", "json"]


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: First addend.
        b: Second addend.
    """
    return a + b


class City(BaseModel):
    city: str


def told(messages: list[Any]) -> list[str]:
    """What the loop said to the model (user messages after the prompt)."""
    return [m.text for m in messages if isinstance(m, UserMessage)][1:]


# -- issue 8.1: json mode when no JSON constraint was sent -------------------------------------


async def test_json_mode_without_tools_reads_a_plain_answer() -> None:
    model = ScriptedModel(["Hello there"] * 3)
    result = await Agent(model, tool_mode="json").run("hi")
    assert result.output == "Hello there"
    assert len(model.requests) == 1 and model.requests[0].structured_outputs is None


async def test_json_mode_with_tool_choice_none_reads_a_plain_answer() -> None:
    model = ScriptedModel(["Hello there"] * 3)
    result = await Agent(model, tools=[add], tool_mode="json").run("hi", tool_choice="none")
    assert result.output == "Hello there"
    assert len(model.requests) == 1


async def test_json_mode_typed_answer_without_tools_is_the_answer_itself() -> None:
    model = ScriptedModel(['{"city": "Oslo"}'] * 3)
    result = await Agent(model, tool_mode="json", output_type=City).run("where?")
    assert result.output == City(city="Oslo")
    assert len(model.requests) == 1
    # The constraint sent is the answer's own schema, not the calls-or-answer envelope.
    sent = model.requests[0]
    assert sent.output_schema is not None and sent.output_schema.schema["required"] == ["city"]
    assert sent.structured_outputs is None


async def test_json_mode_with_tools_still_reads_the_envelope() -> None:
    model = ScriptedModel(
        [json.dumps({"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}), '{"answer": "3"}']
    )
    result = await Agent(model, tools=[add], tool_mode="json").run("1+2?")
    assert result.output == "3" and [r.value for r in result.tool_results()] == [3]


# -- issue 8.2: model output of any shape is a retry or a typed error --------------------------

DEEP = "[" * 100_000 + "]" * 100_000
BIG = "7" * 5000


@pytest.mark.parametrize(
    ("mode", "bad", "expected"),
    [
        ("json", DEEP, "deep"),
        ("json", '{"tool_calls": [{"name": "add", "arguments": {"a": ' + DEEP + "}}]}", "deep"),
        ("json", '{"answer": ' + DEEP + "}", "deep"),
        ("json", '{"tool_calls": [{"name": "add", "arguments": {"a": ' + BIG + ', "b": 1}}]}', "digits"),
        ("json", '{"tool_calls": [1, "x"]}', "list of calls"),
        ("json", '{"tool_calls": [{"name": "add", "arguments": [1, 2]}]}', "JSON object"),
        ("server", ToolCall("c1", "add", '{"a": ' + DEEP + "}"), "deep"),
        ("server", ToolCall("c1", "add", '{"a": ' + BIG + ', "b": 1}'), "digits"),
        # Unbalanced: whether json.loads recurses too deep depends on the caller's stack depth.
        ("server", ToolCall("c1", "add", '{"a": ' + "[" * 2000 + "1"), "deep"),
        ("grammar", f"<|tool_call>call:add{{a:{BIG},b:1}}<tool_call|>", "add"),
        ("grammar", "<|tool_call>call:add{a:" + "[" * 100_000 + "<tool_call|>", "nesting"),
    ],
)
async def test_hostile_output_becomes_a_retry_message(
    mode: ToolMode, bad: str | ToolCall, expected: str
) -> None:
    answer = '{"answer": "3"}' if mode == "json" else "3"
    model = ScriptedModel([bad, call("add", a=1, b=2), answer], profile=GEMMA4)
    result = await Agent(model, tools=[add], tool_mode=mode).run("1+2?")
    assert result.output == "3"
    retry = told(result.messages)[0] if told(result.messages) else result.tool_results()[0].content
    assert expected in retry


async def test_a_profile_parser_failing_in_any_way_is_a_retry() -> None:
    def broken(text: str) -> tuple[str, list[ToolCall]]:
        raise ValueError("cannot read this")

    model = ScriptedModel(["<call>", "<call>", "<call>"], profile=replace(GENERIC, text_call_parser=broken))
    with pytest.raises(UnreadableResponse, match="cannot read this") as info:
        await Agent(model, tools=[add], format_retries=2).run("?")
    # The advice is about the agent's format_retries, not a tool's max_retries.
    assert isinstance(info.value, ToolRetriesExceeded) and "format_retries=2" in str(info.value)
    assert "max_retries" not in str(info.value)
    trace = trace_of(info.value)
    assert trace is not None and len(told(trace.messages)) == 2


# -- issue 8.3: limits hold before the effect ---------------------------------------------------


async def test_tool_call_limit_holds_before_any_tool_runs() -> None:
    ran: list[int] = []

    def side_effect(n: int) -> str:
        """Do something that cannot be undone.

        Args:
            n: Which.
        """
        ran.append(n)
        return "done"

    model = ScriptedModel([[call("side_effect", n=i) for i in range(5)], "ok"])
    agent = Agent(model, tools=[side_effect], limits=UsageLimits(max_tool_calls=1))
    with pytest.raises(UsageLimitExceeded) as info:
        await agent.run("go")
    assert ran == []
    assert (info.value.limit, info.value.value, info.value.maximum) == ("max_tool_calls", 5, 1)
    trace = trace_of(info.value)
    assert trace is not None and not any(isinstance(e, ToolCallStarted) for e in trace.events)


async def test_tool_call_limit_counts_calls_of_earlier_steps() -> None:
    model = ScriptedModel([call("add", a=1, b=1), [call("add", a=1, b=2), call("add", a=1, b=3)], "ok"])
    agent = Agent(model, tools=[add], limits=UsageLimits(max_tool_calls=2))
    with pytest.raises(UsageLimitExceeded, match="max_tool_calls") as info:
        await agent.run("go")
    trace = trace_of(info.value)
    assert trace is not None and trace.usage is not None and trace.usage.tool_calls == 1


class Hang:
    """Something that never finishes unless cancelled; remembers whether it was."""

    def __init__(self) -> None:
        self.started = False
        self.cancelled = False

    async def __call__(self) -> None:
        self.started = True
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def run_bounded(agent: Agent[Any], *, stream: bool = False) -> UsageLimitExceeded:
    async def go() -> None:
        if stream:
            async for _ in agent.run_stream("?"):
                pass
        else:
            await agent.run("?")

    # The guard only keeps a broken loop from hanging the suite; the limit is far below it.
    with pytest.raises(UsageLimitExceeded) as info:
        await asyncio.wait_for(go(), 30)
    return info.value


@pytest.mark.parametrize("stream", [False, True])
async def test_wall_time_bounds_a_model_request_in_flight(stream: bool) -> None:
    hang = Hang()

    async def answer(request: ModelRequest) -> ModelResponse:
        await hang()
        return ModelResponse(text="late")

    error = await run_bounded(
        Agent(FunctionModel(answer), limits=UsageLimits(max_wall_time_s=0.2)), stream=stream
    )
    assert error.limit == "max_wall_time_s" and trace_of(error) is not None
    assert hang.cancelled


async def test_wall_time_bounds_a_stream_between_deltas() -> None:
    hang = Hang()

    class Stalls(FunctionModel):
        async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
            async for item in super().stream(request):
                yield item
                await hang()  # stalls after the first delta

    model = Stalls(lambda r: "a long answer", stream_chunk=2)
    error = await run_bounded(Agent(model, limits=UsageLimits(max_wall_time_s=0.2)), stream=True)
    assert error.limit == "max_wall_time_s" and hang.cancelled


async def test_wall_time_bounds_a_tool_in_flight() -> None:
    hang = Hang()

    async def wait_forever() -> str:
        """Wait."""
        await hang()
        return "never"

    model = ScriptedModel([call("wait_forever"), "done"])
    agent = Agent(model, tools=[wait_forever], limits=UsageLimits(max_wall_time_s=0.2))
    error = await run_bounded(agent)
    assert error.limit == "max_wall_time_s" and hang.cancelled
    trace = trace_of(error)
    assert trace is not None and any(isinstance(e, ToolCallStarted) for e in trace.events)


# -- issue 9.2: a response cut at max_tokens names its cause ------------------------------------


cut_wire = {"name": "add", "arguments": '{"a": 1, "b": 2'}


def cut(text: str = "", *calls: ToolCall) -> ModelResponse:
    return ModelResponse(text=text, tool_calls=list(calls), finish_reason="length")


async def test_typed_answer_cut_every_time_ends_in_response_truncated_not_invalid_json() -> None:
    model = ScriptedModel([cut('{"city": "Os')] * 10)
    agent = Agent(model, output_type=City, settings=ModelSettings(max_tokens=96))
    with pytest.raises(ResponseTruncated, match=r"max_tokens=96.*--max-tokens") as info:
        await agent.run("where?")
    assert "EOF" not in str(info.value)
    assert len(model.requests) == 2  # not four requests with the same doomed budget
    trace = trace_of(info.value)
    assert trace is not None and sum(isinstance(e, ResponseCut) for e in trace.events) == 2


async def test_typed_answer_cut_once_is_asked_again_shorter() -> None:
    model = ScriptedModel(["It is Oslo, I think.", cut('{"city": "Os'), '{"city": "Oslo"}'])
    result = await Agent(model, output_type=City).run("where?")
    assert result.output == City(city="Oslo")
    assert "cut off at the token limit" in told(result.messages)[-1]
    [retry] = [e for e in result.events if isinstance(e, OutputRetry)]
    assert "cut off" in retry.problems and "EOF" not in retry.problems


async def test_json_mode_answer_cut_names_the_cause() -> None:
    model = ScriptedModel([cut('{"answer": {"city": "Os')] * 5)
    agent = Agent(model, tools=[add], tool_mode="json", output_type=City)
    with pytest.raises(ResponseTruncated, match="cut off"):
        await agent.run("where?")
    assert len(model.requests) == 2


async def test_cut_with_no_retries_left_raises_at_once() -> None:
    model = ScriptedModel([cut("", call("add", a=1, b=2))] * 3)
    with pytest.raises(ResponseTruncated, match="server's default max_tokens"):
        await Agent(model, tools=[add], format_retries=0).run("add")
    assert len(model.requests) == 1


async def test_cut_text_answer_is_kept_and_reported() -> None:
    result = await Agent(ScriptedModel([cut("Once upon a")])).run("a story")
    assert result.output == "Once upon a"
    assert [type(e).__name__ for e in result.events][-2:] == ["ResponseCut", "RunFinished"]


async def test_streamed_call_that_was_cut_emits_an_event() -> None:
    model = ScriptedModel([cut("", call("add", a=1, b=2)), call("add", a=1, b=2), "3"])
    stream = Agent(model, tools=[add], settings=ModelSettings(max_tokens=50)).run_stream("add")
    events = [e async for e in stream]
    assert [e for e in events if isinstance(e, ResponseCut)] == [ResponseCut(1, 50)]
    assert stream.result.output == "3"
    assert [r.value for r in stream.result.tool_results()] == [3]  # the cut call never ran


async def test_streamed_call_cut_by_the_server_emits_an_event_end_to_end() -> None:
    # The HTTP client marks a stream that used up max_tokens as cut; the run says so as it streams.
    replies = iter(
        [
            [
                {"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c1", "function": cut_wire}]}}]},
                {"choices": [{"delta": {}, "finish_reason": "tool_calls"}]},
                {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 16}},
            ],
            [
                {"choices": [{"delta": {"content": "Fine."}}]},
                {"choices": [{"delta": {}, "finish_reason": "stop"}]},
                {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}},
            ],
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        body = "".join(f"data: {json.dumps(c)}\n\n" for c in next(replies)) + "data: [DONE]\n\n"
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    model = OpenAIChatModel("m", base_url="http://test", transport=httpx.MockTransport(handler))
    agent = Agent(model, tools=[add], tool_mode="server", settings=ModelSettings(max_tokens=16))
    stream = agent.run_stream("add")
    events = [e async for e in stream]
    assert [e for e in events if isinstance(e, ResponseCut)] == [ResponseCut(1, 16)]
    assert stream.result.output == "Fine." and stream.result.tool_results() == []
