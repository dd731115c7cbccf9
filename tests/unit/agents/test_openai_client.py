"""The OpenAI-compatible client: wire format, retries, errors, streaming."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from agents.errors import (
    ConfigError,
    ContextLengthExceeded,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeout,
    ModelUnreachable,
)
from agents.messages import (
    AssistantMessage,
    ImagePart,
    SystemMessage,
    TextPart,
    ToolResultMessage,
    UserMessage,
)
from agents.models import GEMMA4, ModelRequest, ModelSettings, OpenAIChatModel, RetryPolicy
from agents.models._retry import Attempts, RetryableStatus
from agents.models.base import ModelResponse, OutputSchema, TextDelta, ToolCallDelta
from agents.testing import block_model_requests
from tools import ToolCall

FAST = RetryPolicy(max_attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002)


def completion(content: str = "hi", **message: Any) -> dict[str, Any]:
    return {
        "model": "m",
        "choices": [
            {"message": {"role": "assistant", "content": content, **message}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3},
    }


def model_with(handler: Any, **kwargs: Any) -> OpenAIChatModel:
    kwargs.setdefault("retry", FAST)
    return OpenAIChatModel("m", base_url="http://test", transport=httpx.MockTransport(handler), **kwargs)


async def ask(
    model: OpenAIChatModel, request: ModelRequest, *, stream: bool, into: list[Any] | None = None
) -> Any:
    """The complete response, by a plain request or by draining a stream (its items go `into`)."""
    if not stream:
        return await model.request(request)
    items = into if into is not None else []
    async for item in model.stream(request):
        items.append(item)
    return items[-1]


def req(*messages: Any, **kwargs: Any) -> ModelRequest:
    return ModelRequest(messages=list(messages) or [UserMessage(content="hi")], **kwargs)


async def test_request_body_and_response() -> None:
    seen: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(json.loads(request.content))
        assert request.url.path == "/v1/chat/completions"
        return httpx.Response(200, json=completion("ok", reasoning="thought"))

    model = model_with(handler)
    request = req(
        SystemMessage(content="sys"),
        UserMessage(content=[TextPart(text="look"), ImagePart(data=b"\x89PNG", media_type="image/png")]),
        AssistantMessage(
            text="", tool_calls=[ToolCall(id="c1", name="f", arguments={"x": 1})], reasoning="hmm"
        ),
        ToolResultMessage(call_id="c1", name="f", content="2"),
        tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}],
        tool_choice="f",
        output_schema=OutputSchema("A", {"type": "object"}),
        structured_outputs={"grammar": 'root ::= "x"'},
        settings=ModelSettings(temperature=0.0, top_k=5, seed=3, stop=("END",), logit_bias={48: 100.0}),
        chat_template_kwargs={"enable_thinking": True},
    )
    response = await model.request(request)
    assert (response.text, response.reasoning) == ("ok", "thought")
    assert (response.usage.input_tokens, response.usage.output_tokens) == (7, 3)
    assert seen["model"] == "m"
    assert seen["tool_choice"] == {"type": "function", "function": {"name": "f"}}
    assert seen["messages"][1]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert seen["messages"][2]["tool_calls"][0]["function"]["arguments"] == '{"x": 1}'
    assert seen["messages"][3] == {"role": "tool", "tool_call_id": "c1", "name": "f", "content": "2"}
    assert seen["response_format"]["json_schema"]["name"] == "A"
    assert seen["structured_outputs"] == {"grammar": 'root ::= "x"'}
    assert (seen["temperature"], seen["top_k"], seen["seed"], seen["stop"]) == (0.0, 5, 3, ["END"])
    assert seen["logit_bias"] == {"48": 100.0}
    assert seen["chat_template_kwargs"] == {"enable_thinking": True}


async def test_gemma4_profile_defaults_thinking_and_stripped_thoughts() -> None:
    seen: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(json.loads(request.content))
        return httpx.Response(200, json=completion())

    model = model_with(handler, profile=GEMMA4)
    await model.request(
        req(
            SystemMessage(content="a"),
            SystemMessage(content="b"),
            UserMessage(content="q"),
            AssistantMessage(text="x", reasoning="secret thoughts"),
            UserMessage(content="q2"),
            thinking=True,
            settings=ModelSettings(temperature=0.2),
        )
    )
    assert (seen["temperature"], seen["top_p"], seen["top_k"]) == (0.2, 0.95, 64)
    assert seen["chat_template_kwargs"] == {"enable_thinking": True}
    assert "secret" not in json.dumps(seen["messages"])
    assert [m["role"] for m in seen["messages"]] == ["system", "user", "assistant", "user"]
    assert seen["messages"][0]["content"] == "a\n\nb"


async def test_retries_5xx_and_429_then_succeeds() -> None:
    statuses = iter([503, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(status, json=completion() if status == 200 else {"error": {"message": "busy"}})

    assert (await model_with(handler).request(req())).text == "hi"


async def test_5xx_gives_typed_error_after_bounded_retries() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500, json={"error": {"message": "engine dead"}})

    with pytest.raises(ModelHTTPError) as info:
        await model_with(handler).request(req())
    assert calls == 3
    assert (info.value.status, info.value.attempts) == (500, 3)
    assert "engine dead" in str(info.value)


async def test_4xx_is_never_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400, json={"error": {"message": "bad schema"}})

    with pytest.raises(ModelHTTPError, match="bad schema") as info:
        await model_with(handler).request(req())
    assert calls == 1 and info.value.status == 400


async def test_server_down_is_a_clear_error_after_bounded_retries() -> None:
    block_model_requests(False)  # a real connection attempt to a closed local port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = OpenAIChatModel("m", base_url=f"http://127.0.0.1:{port}", retry=FAST)
    start = time.monotonic()
    with pytest.raises(ModelUnreachable) as info:
        await model.request(req())
    assert info.value.attempts == 3
    assert "unreachable" in str(info.value) and "serve-local" in str(info.value)
    assert time.monotonic() - start < 5


async def test_malformed_json_response() -> None:
    model = model_with(lambda r: httpx.Response(200, text="<html>oops"))
    with pytest.raises(ModelResponseError, match="invalid JSON"):
        await model.request(req())
    model = model_with(lambda r: httpx.Response(200, json={"choices": []}))
    with pytest.raises(ModelResponseError, match="Unexpected"):
        await model.request(req())


def sse(*chunks: Any) -> bytes:
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


async def test_stream_text_reasoning_and_tool_call_deltas() -> None:
    body = sse(
        {"model": "m", "choices": [{"delta": {"reasoning": "th"}}]},
        {"choices": [{"delta": {"content": "Hel"}}]},
        {"choices": [{"delta": {"content": "lo"}}]},
        {
            "choices": [
                {
                    "delta": {
                        "tool_calls": [
                            {"index": 0, "id": "c9", "function": {"name": "add", "arguments": '{"a"'}}
                        ]
                    }
                }
            ]
        },
        {
            "choices": [
                {
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
                    "finish_reason": "tool_calls",
                }
            ]
        },
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 4}},
    )
    model = model_with(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )
    items = [i async for i in model.stream(req())]
    final = items[-1]
    assert isinstance(final, ModelResponse)
    assert "".join(i.text for i in items if isinstance(i, TextDelta)) == "Hello"
    assert sum(isinstance(i, ToolCallDelta) for i in items) == 2
    assert final.text == "Hello" and final.reasoning == "th"
    assert final.tool_calls == [ToolCall(id="c9", name="add", arguments='{"a": 1}')]
    assert final.finish_reason == "tool_calls" and final.usage.output_tokens == 4


async def test_stream_error_chunk() -> None:
    body = sse({"error": {"message": "xgrammar failed"}})
    model = model_with(lambda r: httpx.Response(200, content=body))
    with pytest.raises(ModelResponseError, match="xgrammar failed"):
        _ = [i async for i in model.stream(req())]


async def test_stream_start_retries_then_http_error() -> None:
    model = model_with(lambda r: httpx.Response(404, json={"error": {"message": "model x not found"}}))
    with pytest.raises(ModelHTTPError, match="not found") as info:
        _ = [i async for i in model.stream(req())]
    assert "GET /v1/models" in str(info.value)


def test_bad_base_url_and_model_name() -> None:
    with pytest.raises(ConfigError, match="Base URL"):
        OpenAIChatModel("m", base_url="localhost:8000")
    with pytest.raises(ConfigError, match="model_name"):
        OpenAIChatModel("", base_url="http://x")
    assert OpenAIChatModel("m", base_url="http://h:1").base_url == "http://h:1/v1"
    assert OpenAIChatModel("m", base_url="http://h:1/v1/").base_url == "http://h:1/v1"


def test_profiles_by_name() -> None:
    assert OpenAIChatModel("google/gemma-4-E2B-it", base_url="http://x").profile.family == "gemma4"
    assert OpenAIChatModel("Qwen/Qwen3-8B", base_url="http://x").profile.family == "generic"
    with pytest.raises(ConfigError, match="known profiles"):
        OpenAIChatModel("m", base_url="http://x", profile="nope")


async def test_unit_tests_block_real_requests() -> None:
    from agents.errors import AgentsError

    with pytest.raises(AgentsError, match="blocked"):
        await OpenAIChatModel("m", base_url="http://127.0.0.1:9").request(req())


@pytest.mark.parametrize("stream", [False, True])
async def test_a_call_that_used_up_max_tokens_is_reported_cut(stream: bool) -> None:
    # vLLM says "tool_calls" for a call that max_tokens cut, and returns the fragment.
    call_wire = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": "par'}}
    usage = {"prompt_tokens": 5, "completion_tokens": 16}

    def handler(request: httpx.Request) -> httpx.Response:
        if not json.loads(request.content).get("stream"):
            return httpx.Response(
                200,
                json={
                    "model": "m",
                    "choices": [
                        {
                            "message": {"role": "assistant", "content": None, "tool_calls": [call_wire]},
                            "finish_reason": "tool_calls",
                        }
                    ],
                    "usage": usage,
                },
            )
        chunks = [
            {"model": "m", "choices": [{"delta": {"tool_calls": [{"index": 0, **call_wire}]}}]},
            {"model": "m", "choices": [{"delta": {}, "finish_reason": "tool_calls"}]},
            {"model": "m", "choices": [], "usage": usage},
        ]
        body = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})

    model = model_with(handler)
    for max_tokens, expected in ((16, "length"), (17, "tool_calls")):
        request = req(settings=ModelSettings(max_tokens=max_tokens))
        if stream:
            items = [item async for item in model.stream(request)]
            response = items[-1]
            assert isinstance(response, ModelResponse)
        else:
            response = await model.request(request)
        assert response.finish_reason == expected


def sse_open(*chunks: Any) -> bytes:
    """An event stream that stops without `[DONE]`."""
    return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks)


async def test_a_stream_that_stops_early_is_an_error_not_an_answer() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        body = sse_open(
            {"model": "m", "choices": [{"delta": {"content": "The answer is "}}]},
            {"choices": [{"delta": {"content": "forty"}}]},
        )
        return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})

    items: list[Any] = []
    with pytest.raises(ModelResponseError, match=r"ended before the response was complete"):
        await ask(model_with(handler), req(), stream=True, into=items)
    assert "".join(i.text for i in items if isinstance(i, TextDelta)) == "The answer is forty"
    assert not any(isinstance(i, ModelResponse) for i in items)  # deltas, but never an answer
    assert calls == 1  # tokens went out already: a retry would repeat them


async def test_a_stream_that_stops_before_its_first_token_is_retried() -> None:
    bodies = iter(
        [
            sse_open({"model": "m", "choices": [{"delta": {"role": "assistant"}}]}),
            sse(
                {"model": "m", "choices": [{"delta": {"content": "fine"}}]},
                {"choices": [{"delta": {}, "finish_reason": "stop"}]},
            ),
        ]
    )
    model = model_with(lambda r: httpx.Response(200, content=next(bodies)))
    items = [i async for i in model.stream(req())]
    assert isinstance(items[-1], ModelResponse) and items[-1].text == "fine"

    # A finish reason without [DONE] is a complete answer.
    body = sse_open({"model": "m", "choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]})
    items = [i async for i in model_with(lambda r: httpx.Response(200, content=body)).stream(req())]
    assert isinstance(items[-1], ModelResponse) and items[-1].text == "ok"


def raises(error: Exception) -> Any:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error

    return handler, calls


@pytest.mark.parametrize("stream", [False, True])
async def test_a_read_timeout_is_a_timeout_error_and_not_retried_by_default(stream: bool) -> None:
    handler, calls = raises(httpx.ReadTimeout("timed out"))
    model = model_with(handler, timeout_s=42.0)
    with pytest.raises(ModelTimeout) as info:
        await ask(model, req(), stream=stream)
    assert len(calls) == 1  # the server is alive and generating: no second generation
    assert (info.value.phase, info.value.timeout_s, info.value.attempts) == ("read", 42.0, 1)
    assert "42 s" in str(info.value) and "Is the server running" not in str(info.value)

    handler, calls = raises(httpx.ReadTimeout("timed out"))
    retrying = RetryPolicy(
        max_attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002, retry_read_timeouts=True
    )
    with pytest.raises(ModelTimeout) as info:
        await model_with(handler, retry=retrying).request(req())
    assert len(calls) == 3 and info.value.attempts == 3


async def test_connect_timeouts_are_still_retried() -> None:
    handler, calls = raises(httpx.ConnectTimeout("no answer to SYN"))
    with pytest.raises(ModelUnreachable) as info:
        await model_with(handler).request(req())
    assert len(calls) == 3 and info.value.attempts == 3


@pytest.mark.parametrize("stream", [False, True])
async def test_settings_timeout_applies_to_request_and_stream(stream: bool) -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        if stream:
            return httpx.Response(
                200, content=sse({"choices": [{"delta": {"content": "x"}, "finish_reason": "stop"}]})
            )
        return httpx.Response(200, json=completion())

    model = model_with(handler, timeout_s=300.0, connect_timeout_s=7.0)
    request = req(settings=ModelSettings(timeout_s=1.5))
    await ask(model, request, stream=stream)
    assert seen[0]["read"] == 1.5 and seen[0]["connect"] == 7.0


async def test_retry_after_is_honoured_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    soon = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    responses = iter(
        [
            httpx.Response(429, headers={"retry-after": "2"}, json={"error": {"message": "slow down"}}),
            httpx.Response(503, headers={"retry-after": soon}, json={"error": {"message": "loading"}}),
            httpx.Response(200, json=completion()),
        ]
    )
    assert (await model_with(lambda r: next(responses)).request(req())).text == "hi"
    assert waits[0] == 2.0  # the backoff alone would wait at most FAST's 0.002 s
    assert 1.0 < waits[1] <= 3.0  # an HTTP date, to the second

    waits.clear()
    responses = iter(
        [
            httpx.Response(503, headers={"retry-after": "3600"}, json={"error": {"message": "loading"}}),
            httpx.Response(200, json=completion()),
        ]
    )
    capped = RetryPolicy(max_attempts=2, max_retry_after_s=20.0)
    assert (await model_with(lambda r: next(responses), retry=capped).request(req())).text == "hi"
    assert waits == [20.0]


async def test_without_retry_after_the_wait_is_exponential_backoff_with_full_jitter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    ranges: list[tuple[float, float]] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    def top_of(low: float, high: float) -> float:
        ranges.append((low, high))
        return high

    monkeypatch.setattr(asyncio, "sleep", sleep)
    monkeypatch.setattr(random, "uniform", top_of)
    statuses = iter([500, 429, 503, 502, 200])  # the 429 and the 503 without Retry-After

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(status, json=completion() if status == 200 else {"error": {"message": "busy"}})

    policy = RetryPolicy(max_attempts=5, initial_backoff_s=1.0, max_backoff_s=3.0)
    assert (await model_with(handler, retry=policy).request(req())).text == "hi"
    assert ranges == [(0, 1.0), (0, 2.0), (0, 3.0), (0, 3.0)]  # doubling from 1 s, capped at 3 s
    assert waits == [1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize("stream", [False, True])
async def test_the_final_error_counts_every_attempt(stream: bool) -> None:
    errors = iter([httpx.ConnectError("refused"), httpx.ReadTimeout("timed out")])

    def handler(request: httpx.Request) -> httpx.Response:
        raise next(errors)

    with pytest.raises(ModelTimeout) as info:  # the read timeout is not retried, the refusal was
        await ask(model_with(handler), req(), stream=stream)
    assert info.value.attempts == 2


class _BreaksAfterOneDelta(httpx.AsyncByteStream):
    async def __aiter__(self) -> Any:
        yield f"data: {json.dumps({'model': 'm', 'choices': [{'delta': {'content': 'Hel'}}]})}\n\n".encode()
        raise httpx.ReadTimeout("timed out")


async def test_a_stream_that_times_out_after_its_first_token_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, stream=_BreaksAfterOneDelta())

    retrying = RetryPolicy(max_attempts=3, initial_backoff_s=0.001, retry_read_timeouts=True)
    items: list[Any] = []
    with pytest.raises(ModelTimeout) as info:
        await ask(model_with(handler, retry=retrying), req(), stream=True, into=items)
    assert calls == 1 and info.value.attempts == 1  # even with read timeouts retried: "Hel" went out
    assert [i.text for i in items] == ["Hel"]


async def test_a_cancelled_request_is_not_retried() -> None:
    calls = 0
    waiting = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        waiting.set()
        await asyncio.Event().wait()
        raise AssertionError("never answered")

    task = asyncio.create_task(model_with(handler).request(req()))
    await waiting.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert calls == 1


@pytest.mark.parametrize(
    "message",
    [
        # vLLM 0.32's two shapes (renderers/params.py and entrypoints/serve/utils/api_utils.py)
        "This model's maximum context length is 4096 tokens. However, your prompt contains 5000 input "
        "tokens, which exceeds this limit even without any output tokens. Please reduce the length of the "
        "input prompt. (parameter=input_tokens, value=5000)",
        "Input length (5000) exceeds model's maximum context length (4096).",
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_context_length_400_is_its_own_error_and_never_retried(message: str, stream: bool) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        error = {"message": message, "type": "BadRequestError", "param": "input_tokens", "code": 400}
        return httpx.Response(400, json={"error": error})

    model = model_with(handler)
    with pytest.raises(ContextLengthExceeded) as info:
        await ask(model, req(), stream=stream)
    assert calls == 1
    assert isinstance(info.value, ModelHTTPError) and info.value.status == 400
    text = str(info.value)
    assert "4096" in text and "max_tokens" in text and "--max-model-len" in text and "history" in text


@pytest.mark.parametrize("stream", [False, True])
async def test_json_nested_too_deep_is_a_response_error(stream: bool) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = f"data: {deep}\n\n" if stream else deep
    model = model_with(lambda r: httpx.Response(200, text=body))
    with pytest.raises(ModelResponseError):  # was RecursionError, outside the error tree
        await ask(model, req(), stream=stream)


async def test_the_attempt_loop_retries_only_what_it_should_and_lets_the_last_error_out() -> None:
    async def tries(errors: list[BaseException | None], policy: RetryPolicy = FAST) -> tuple[int, Any]:
        attempts = Attempts(policy, "http://test")
        try:
            async for attempt in attempts:
                with attempt:
                    error = errors[attempts.number - 1]
                    if error is not None:
                        raise error
        except BaseException as e:  # what left the loop is the point
            return attempts.number, e
        return attempts.number, None

    assert await tries([None]) == (1, None)  # a success ends it
    refused = httpx.ConnectError("refused")
    assert await tries([refused, None]) == (2, None)
    busy = [RetryableStatus(503, "busy"), RetryableStatus(502, "busy"), RetryableStatus(500, "last")]
    number, error = await tries(list(busy))
    assert number == 3 and error is busy[2]  # the last attempt's own error, unchanged
    bad = ValueError("not a transport error")
    assert await tries([bad, None]) == (1, bad)  # never retried
    late = httpx.ReadTimeout("slow")
    assert await tries([late, None]) == (1, late)  # a read timeout only when asked
    read_too = RetryPolicy(max_attempts=2, initial_backoff_s=0.001, retry_read_timeouts=True)
    assert await tries([late, None], read_too) == (2, None)
