"""Public test doubles: models that answer from a script or a function, with no server.

For users' unit tests (and ours), like pydantic-ai's TestModel/FunctionModel. Nothing a
user runs defaults to these.
"""

from __future__ import annotations

import inspect
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from agents.errors import AgentsError
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

ScriptItem = ModelResponse | str | ToolCall | Sequence[ToolCall]
_ids = itertools.count(1)


def call(name: str, /, **arguments: Any) -> ToolCall:
    """A tool call for a script: `call("add", a=1, b=2)`."""
    return ToolCall(id=f"call_{next(_ids)}", name=name, arguments=arguments)


def as_response(item: ScriptItem) -> ModelResponse:
    if isinstance(item, ModelResponse):
        return item
    if isinstance(item, str):
        return ModelResponse(text=item)
    if isinstance(item, ToolCall):
        return ModelResponse(tool_calls=[item], finish_reason="tool_calls")
    return ModelResponse(tool_calls=list(item), finish_reason="tool_calls")


def _estimated_usage(request: ModelRequest, response: ModelResponse) -> Usage:
    # Deterministic stand-in for token counts (about 4 characters a token).
    prompt = sum(len(m.model_dump_json()) for m in request.messages) + len(json.dumps(list(request.tools)))
    completion = len(response.text) + sum(
        len(json.dumps(c.arguments)) + len(c.name) for c in response.tool_calls
    )
    return Usage(max(1, prompt // 4), max(1, completion // 4))


async def _stream_response(response: ModelResponse, chunk: int) -> AsyncIterator[StreamItem]:
    for i in range(0, len(response.text), chunk):
        yield TextDelta(response.text[i : i + chunk])
    for index, c in enumerate(response.tool_calls):
        args = c.arguments if isinstance(c.arguments, str) else json.dumps(c.arguments)
        yield ToolCallDelta(index=index, id=c.id, name=c.name, arguments=args)
    yield response


class _TestModelBase:
    def __init__(self, name: str, profile: ModelProfile, stream_chunk: int) -> None:
        self._name = name
        self._profile = profile
        self.stream_chunk = stream_chunk
        self.requests: list[ModelRequest] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def profile(self) -> ModelProfile:
        return self._profile

    async def _respond(self, request: ModelRequest) -> ModelResponse:
        raise NotImplementedError

    async def request(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        response = await self._respond(self._profile.prepare(request))
        if response.usage == Usage():
            response = replace(response, usage=_estimated_usage(request, response))
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        response = await self.request(request)
        async for item in _stream_response(response, self.stream_chunk):
            yield item


class ScriptedModel(_TestModelBase):
    """Replays responses in order; records every request in `.requests`.

    Items: a `ModelResponse`, a string (a text answer), a `ToolCall`, or a list of calls.
    """

    def __init__(
        self,
        script: Sequence[ScriptItem],
        *,
        name: str = "scripted",
        profile: ModelProfile = GENERIC,
        stream_chunk: int = 8,
    ) -> None:
        super().__init__(name, profile, stream_chunk)
        self._script = [as_response(item) for item in script]

    @property
    def remaining(self) -> int:
        return len(self._script) - len(self.requests)

    async def _respond(self, request: ModelRequest) -> ModelResponse:
        index = len(self.requests) - 1
        if index >= len(self._script):
            raise AgentsError(
                f"ScriptedModel ran out of responses: request {index + 1} but the script has "
                f"{len(self._script)}. Add responses to the script."
            )
        return self._script[index]


ResponseFunction = Callable[[ModelRequest], ModelResponse | str | Awaitable[ModelResponse | str]]


class FunctionModel(_TestModelBase):
    """Answers each request with `fn(request)` (sync or async); records requests."""

    def __init__(
        self,
        fn: ResponseFunction,
        *,
        name: str = "function",
        profile: ModelProfile = GENERIC,
        stream_chunk: int = 8,
    ) -> None:
        super().__init__(name, profile, stream_chunk)
        self._fn = fn

    async def _respond(self, request: ModelRequest) -> ModelResponse:
        result = self._fn(request)
        if inspect.isawaitable(result):
            result = await result
        return as_response(result)


def block_model_requests(blocked: bool = True) -> None:
    """Make every OpenAIChatModel request fail at once (for unit-test suites)."""
    from agents.models import openai

    openai.ALLOW_MODEL_REQUESTS = not blocked


__all__ = ["FunctionModel", "ScriptedModel", "as_response", "block_model_requests", "call"]
