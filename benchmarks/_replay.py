"""A latency-simulating replay model: a perfect model that still costs time per token.

`ReplayModel` answers each request from a function of the conversation (a gold trajectory
picks the next response), and sleeps the way a server would: `prefill_s` per prompt token
before the first output, then `decode_s` per output token. `stream` yields the text (and the
arguments of tool calls) in token-sized chunks at the decode rate, so that a consumer can act
on a partial response (a plan whose first steps are complete) before the rest is decoded.

Token counts are estimates, about 4 characters a token: the prompt is the request's messages
(as JSON) plus its tool specs; the output is the response's text plus each call as the JSON
object `{"name": ..., "arguments": {...}}`. Every request is recorded in `.records`, so a
benchmark can sum requests, prompt tokens, completion tokens and the time spent in the model.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

from agents.models.base import (
    ModelRequest,
    ModelResponse,
    StreamItem,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from agents.models.profiles import GENERIC, ModelProfile
from tools import ToolCall

CHARS_PER_TOKEN = 4


def prompt_tokens(request: ModelRequest) -> int:
    """The estimated prompt tokens of a request: its messages and tool specs, 4 characters a token."""
    chars = sum(len(m.model_dump_json()) for m in request.messages)
    if request.tools:
        chars += len(json.dumps(list(request.tools)))
    return max(1, chars // CHARS_PER_TOKEN)


def _output_chunks(response: ModelResponse) -> list[str]:
    # What the server decodes, in order: the text, then each call.
    text = response.text + "".join(_call_text(c) for c in response.tool_calls)
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


def _arguments(arguments: object) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _call_text(call: ToolCall) -> str:
    # A call as a model decodes it: its name and arguments in a JSON object (Hermes-style tool
    # calls; Gemma 4's own format is about as long), priced like a plan step's JSON.
    return json.dumps({"name": call.name, "arguments": call.arguments})


def completion_tokens(response: ModelResponse) -> int:
    """The estimated output tokens of a response: its text and calls, 4 characters a token."""
    return max(1, len(_output_chunks(response)))


@dataclass(frozen=True)
class Rates:
    """Seconds per prompt token (prefill) and per output token (decode)."""

    prefill_s: float
    decode_s: float


@dataclass(frozen=True)
class RequestRecord:
    """One request as the replay served it."""

    prompt_tokens: int
    completion_tokens: int
    seconds: float


Answer = Callable[[ModelRequest], ModelResponse]


@dataclass
class ReplayModel:
    """Answers with `answer(request)`, taking the time a server with `rates` would take."""

    answer: Answer
    rates: Rates
    model_name: str = "replay"
    model_profile: ModelProfile = GENERIC
    records: list[RequestRecord] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.model_name

    @property
    def profile(self) -> ModelProfile:
        return self.model_profile

    def _start(self, request: ModelRequest) -> tuple[ModelResponse, int, int]:
        response = self.answer(request)
        prompt, completion = prompt_tokens(request), completion_tokens(response)
        return replace(response, usage=Usage(prompt, completion)), prompt, completion

    async def request(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        response, prompt, completion = self._start(request)
        await asyncio.sleep(prompt * self.rates.prefill_s + completion * self.rates.decode_s)
        self.records.append(RequestRecord(prompt, completion, time.perf_counter() - started))
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        started = time.perf_counter()
        response, prompt, completion = self._start(request)
        await asyncio.sleep(prompt * self.rates.prefill_s)
        # Sleep to a deadline per token rather than a fixed sleep per chunk, so that the
        # scheduler's lateness does not add up over hundreds of tokens.
        decode_start = time.perf_counter()
        emitted = 0
        for chunk, tokens in _chunks(response):
            emitted += tokens
            await _sleep_until(decode_start + emitted * self.rates.decode_s)
            yield chunk
        await _sleep_until(decode_start + completion * self.rates.decode_s)
        self.records.append(RequestRecord(prompt, completion, time.perf_counter() - started))
        yield response


def _chunks(response: ModelResponse) -> list[tuple[TextDelta | ToolCallDelta, int]]:
    # Each chunk with the tokens it takes to decode.
    text = response.text
    out: list[tuple[TextDelta | ToolCallDelta, int]] = [
        (TextDelta(text[i : i + CHARS_PER_TOKEN]), 1) for i in range(0, len(text), CHARS_PER_TOKEN)
    ]
    for index, c in enumerate(response.tool_calls):
        # A call arrives whole at the end of its decode time: nothing acts on a partial call.
        args = _arguments(c.arguments)
        tokens = -(-len(_call_text(c)) // CHARS_PER_TOKEN)
        out.append((ToolCallDelta(index=index, id=c.id, name=c.name, arguments=args), tokens))
    return out


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


def summed(records: list[RequestRecord]) -> tuple[int, int, int]:
    """Requests, prompt tokens and completion tokens of a list of records."""
    return len(records), sum(r.prompt_tokens for r in records), sum(r.completion_tokens for r in records)
