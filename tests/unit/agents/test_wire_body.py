"""The request body the client sends: byte for byte the plain encoding of the wire dict, whatever
the encoder reused from earlier requests (messages, tool lists), and never out of date."""

from __future__ import annotations

import gc
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest

from agents.messages import (
    AssistantMessage,
    AudioPart,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolResultMessage,
    UserMessage,
)
from agents.models import ModelRequest, ModelSettings, OpenAIChatModel
from agents.models._identity import ByIdentity
from agents.models._wire import BodyEncoder, dumps, message_to_wire, request_to_wire
from agents.models.base import OutputSchema
from agents.models.profiles import get_profile
from tools import ToolCall


def spec(name: str) -> dict[str, Any]:
    parameters = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}
    return {
        "type": "function",
        "function": {"name": name, "description": f"{name}, ü", "parameters": parameters},
    }


def history() -> list[Message]:
    return [
        SystemMessage(content="Be brief. «Ünïcode» stays as it is."),
        UserMessage(content="What is 2 + 3?"),
        AssistantMessage(
            text="", tool_calls=[ToolCall(id="c1", name="add", arguments='{"a": 2, "b": 3}')], reasoning="add"
        ),
        ToolResultMessage(call_id="c1", name="add", content="5"),
        AssistantMessage(
            text="", tool_calls=[ToolCall(id="c2", name="add", arguments={"a": 1, "b": [1.5, None]})]
        ),
        ToolResultMessage(call_id="c2", name="add", content="bad", status="error"),
        UserMessage(
            content=[
                TextPart(text="and this?"),
                ImagePart(data=b"\x89PNG...", media_type="image/png"),
                ImagePart(url="https://example.com/a.png"),
                AudioPart(data=b"RIFF...", format="wav"),
            ]
        ),
        AssistantMessage(text="It is 5."),
    ]


def plain(req: ModelRequest, *, stream: bool = False) -> bytes:
    """The body as httpx would write `json=request_to_wire(...)`."""
    return httpx.Request("POST", "http://x", json=request_to_wire("m", req, stream=stream)).content


REQUESTS = {
    "bare": ModelRequest(messages=[UserMessage(content="hi")]),
    "tools and choice": ModelRequest(messages=history(), tools=[spec("a"), spec("b")], tool_choice="a"),
    "everything": ModelRequest(
        messages=history(),
        tools=[spec("a")],
        tool_choice="required",
        output_schema=OutputSchema("answer", {"type": "object"}),
        structured_outputs={"json": {"type": "object"}},
        settings=ModelSettings(temperature=0.5, max_tokens=64, stop=("\n",), logit_bias={7: -1.0}),
        chat_template_kwargs={"enable_thinking": False},
    ),
    "extra body": ModelRequest(messages=history(), settings=ModelSettings(extra_body={"cache_salt": "s"})),
    "extra body replaces messages": ModelRequest(
        messages=history(),
        tools=[spec("a")],
        settings=ModelSettings(extra_body={"messages": [], "tools": None}),
    ),
    "extra body replaces the model": ModelRequest(
        messages=history(), settings=ModelSettings(extra_body={"model": "other"})
    ),
}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_the_body_is_the_plain_encoding_of_the_wire_dict_first_and_again(name: str, stream: bool) -> None:
    encoder = BodyEncoder()
    req = REQUESTS[name]
    first = encoder.encode("m", req, stream=stream)
    assert first == plain(req, stream=stream)
    assert encoder.encode("m", req, stream=stream) == first  # from what it kept
    grown = ModelRequest(messages=[*req.messages, UserMessage(content="more")], tools=req.tools)
    assert encoder.encode("m", grown, stream=stream) == plain(grown, stream=stream)


def test_a_kept_message_is_what_a_fresh_conversion_gives() -> None:
    encoder = BodyEncoder()
    messages = history()
    for m in messages:
        encoder.message(m)
    for m in messages:
        assert encoder.message(m) == dumps(message_to_wire(m)) == BodyEncoder().message(m)


def test_lists_edited_in_place_inside_frozen_messages_are_not_served_stale() -> None:
    encoder = BodyEncoder()
    asked = UserMessage(content=[TextPart(text="one")])
    called = AssistantMessage(tool_calls=[ToolCall(id="c1", name="add", arguments='{"a": 1}')])
    parsed = AssistantMessage(tool_calls=[ToolCall(id="c2", name="add", arguments={"a": 1})])
    req = ModelRequest(messages=[asked, called, parsed])
    assert encoder.encode("m", req, stream=False) == plain(req)

    assert isinstance(asked.content, list)
    asked.content.append(TextPart(text="two"))
    asked.content[0] = TextPart(text="uno")
    called.tool_calls.append(ToolCall(id="c3", name="add", arguments='{"a": 3}'))
    parsed.tool_calls[0].arguments["a"] = 99  # type: ignore[index]  # a dict can change anywhere
    edited = encoder.encode("m", req, stream=False)
    assert edited == plain(req)
    assert b'"uno"' in edited and b'"two"' in edited and b'"c3"' in edited and b'\\"a\\": 99' in edited


def test_a_message_goes_from_the_encoder_with_its_last_reference() -> None:
    encoder = BodyEncoder()
    kept = UserMessage(content="kept")
    encoder.encode("m", ModelRequest(messages=[kept, UserMessage(content="gone")]), stream=False)
    gc.collect()
    assert len(encoder._messages) == 1
    # A new message at the same address is encoded as itself, not as the one that went.
    for i in range(100):
        m = UserMessage(content=f"new {i}")
        assert encoder.message(m) == dumps(message_to_wire(m))
        del m


def test_tool_lists_are_told_apart_and_kept_within_bounds() -> None:
    encoder = BodyEncoder()
    lists = [[spec(f"t{i}"), spec("shared")] for i in range(BodyEncoder.TOOL_LISTS + 3)]
    for _ in range(2):
        for specs in lists:
            assert encoder.tools(specs) == dumps(specs)
            assert encoder.tools(list(specs)) == dumps(specs)  # a new list of the same specs
    assert len(encoder._tools) <= BodyEncoder.TOOL_LISTS


async def test_the_client_sends_the_plain_encoding() -> None:
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        assert request.headers["content-type"] == "application/json"
        if json.loads(request.content).get("stream"):
            chunk = {"choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]}
            return httpx.Response(200, content=f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode())
        message = {"role": "assistant", "content": "ok"}
        return httpx.Response(200, json={"choices": [{"message": message, "finish_reason": "stop"}]})

    model = OpenAIChatModel("gemma-4-e2b-it", base_url="http://test", transport=httpx.MockTransport(handler))
    req = REQUESTS["tools and choice"]
    for _ in range(2):
        await model.request(req)
    async for _ in model.stream(req):
        pass
    prepared = model.profile.prepare(req)  # Gemma 4's: thoughts out of the history, its defaults
    assert prepared.messages != req.messages
    expected = httpx.Request("POST", "http://x", json=request_to_wire(model.name, prepared, stream=False))
    assert sent[0] == sent[1] == expected.content
    streamed = httpx.Request("POST", "http://x", json=request_to_wire(model.name, prepared, stream=True))
    assert sent[2] == streamed.content


def test_thoughts_are_stripped_once_per_message_and_the_copy_follows_edits_to_its_lists() -> None:
    profile = get_profile("gemma4")
    assert profile.strip_thoughts_from_history
    thought = AssistantMessage(
        text="", tool_calls=[ToolCall(id="c1", name="add", arguments='{"a": 1}')], reasoning="let me add"
    )
    req = ModelRequest(
        messages=[
            UserMessage(content="hi"),
            thought,
            ToolResultMessage(call_id="c1", name="add", content="1"),
        ]
    )
    first, again = profile.prepare(req).messages[1], profile.prepare(req).messages[1]
    assert first is again  # the same copy at every step, so the encoder finds its JSON again
    assert first == thought.model_copy(update={"reasoning": None})

    encoder = BodyEncoder()
    assert encoder.encode("m", profile.prepare(req), stream=False) == plain(profile.prepare(req))
    thought.tool_calls.append(ToolCall(id="c2", name="add", arguments='{"a": 2}'))
    body = encoder.encode("m", profile.prepare(req), stream=False)
    assert b'"c2"' in body and b"let me add" not in body
    fresh = replace(req, messages=[m.model_copy() for m in req.messages])  # nothing kept for these
    assert body == plain(profile.prepare(fresh))


def test_values_kept_by_identity_go_with_their_object() -> None:
    kept: ByIdentity[UserMessage, str] = ByIdentity()
    for i in range(200):  # objects freed at once: their ids are soon reused
        m = UserMessage(content=f"m{i}")
        assert kept.get(m) is None
        kept.put(m, m.text)
        assert kept.get(m) == m.text
        del m
    gc.collect()
    assert len(kept) == 0
