"""The OpenAI chat-completions wire format: requests out, responses and stream chunks in."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agents.errors import ModelResponseError
from agents.messages import (
    AssistantMessage,
    AudioPart,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    UserMessage,
)
from agents.models._identity import ByIdentity
from agents.models.base import (
    ModelRequest,
    ModelResponse,
    ReasoningDelta,
    StreamDelta,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from tools import ToolCall

# Fields vLLM reads at the top level of a chat-completions body besides OpenAI's own.
_SETTINGS_FIELDS = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "max_tokens",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "repetition_penalty",
    "parallel_tool_calls",
)


def message_to_wire(m: Message) -> dict[str, Any]:
    if isinstance(m, SystemMessage):
        return {"role": "system", "content": m.content}
    if isinstance(m, UserMessage):
        if isinstance(m.content, str):
            return {"role": "user", "content": m.content}
        return {"role": "user", "content": [_part_to_wire(p) for p in m.content]}
    if isinstance(m, AssistantMessage):
        out: dict[str, Any] = {"role": "assistant", "content": m.text or None}
        if m.tool_calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": _arguments_text(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.reasoning:
            out["reasoning"] = m.reasoning
        return out
    return {"role": "tool", "tool_call_id": m.call_id, "name": m.name, "content": m.content}


def _arguments_text(arguments: dict[str, Any] | str) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments, ensure_ascii=False)


def _part_to_wire(p: TextPart | ImagePart | AudioPart) -> dict[str, Any]:
    if isinstance(p, TextPart):
        return {"type": "text", "text": p.text}
    if isinstance(p, ImagePart):
        return {"type": "image_url", "image_url": {"url": p.as_url()}}
    return {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(p.data).decode(), "format": p.format},
    }


def request_to_wire(model_name: str, req: ModelRequest, *, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model_name, "messages": [message_to_wire(m) for m in req.messages]}
    if req.tools:
        body["tools"] = list(req.tools)
    body.update(request_options(req, stream=stream))
    return body


def request_options(req: ModelRequest, *, stream: bool) -> dict[str, Any]:
    """The body's fields after the model name, the messages and the tools, in their order.

    `extra_body` comes last and may replace any field of the body, those three included.
    """
    body: dict[str, Any] = {}
    if req.tools and req.tool_choice is not None:
        body["tool_choice"] = _tool_choice(req.tool_choice)
    s = req.settings
    for name in _SETTINGS_FIELDS:
        value = getattr(s, name)
        if value is not None:
            body[name] = value
    if s.stop:
        body["stop"] = list(s.stop)
    if s.logit_bias:
        body["logit_bias"] = {str(k): v for k, v in s.logit_bias.items()}
    if req.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": req.output_schema.name,
                "schema": req.output_schema.schema,
                "strict": req.output_schema.strict,
            },
        }
    if req.structured_outputs:
        body["structured_outputs"] = req.structured_outputs
    if req.chat_template_kwargs:
        body["chat_template_kwargs"] = req.chat_template_kwargs
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if s.extra_body:
        body.update(s.extra_body)
    return body


def dumps(value: Any) -> str:
    """JSON as httpx writes a `json=` body: compact, UTF-8 as is, no NaN or Infinity."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class BodyEncoder:
    """Request bodies as JSON bytes, byte for byte `dumps(request_to_wire(...))`, reusing the
    JSON of messages and tool lists it has encoded before.

    A run sends its whole history and all its tool specs at every step: with 200 messages and
    100 tools that is ~40 KB of JSON a step, nearly all of it sent before. Here a message is
    converted and encoded once, then found again by identity (held weakly: the entry goes with
    the message); a tool list by the identity of its specs (the toolset makes them once and
    shares them read-only), up to `TOOL_LISTS` lists (then it starts again).

    Messages are frozen, but lists inside them are not, nor is a call's arguments dict (our
    codec's calls; a server's are text): an entry also keeps what of the message can change in
    place (`_mutable_state`: the items of its list, the JSON of each arguments dict) and is used
    only while that is still the same.
    """

    TOOL_LISTS = 16

    def __init__(self) -> None:
        # Single dict operations only: a model may serve event loops in several threads at once.
        self._messages: ByIdentity[Message, tuple[tuple[object, ...], str]] = ByIdentity()
        self._tools: dict[tuple[int, ...], tuple[tuple[dict[str, Any], ...], str]] = {}

    def encode(self, model_name: str, req: ModelRequest, *, stream: bool) -> bytes:
        options = request_options(req, stream=stream)
        if "model" in options or "messages" in options or "tools" in options:
            # extra_body replaces a field that is otherwise reused: encode it all the plain way.
            return dumps(request_to_wire(model_name, req, stream=stream)).encode()
        parts = [
            '{"model":',
            dumps(model_name),
            ',"messages":[',
            ",".join(map(self.message, req.messages)),
            "]",
        ]
        if req.tools:
            parts += [',"tools":', self.tools(req.tools)]
        if options:
            parts += [",", dumps(options)[1:-1]]
        parts.append("}")
        return "".join(parts).encode()

    def message(self, m: Message) -> str:
        """`dumps(message_to_wire(m))`, encoded again only when what of `m` can change has changed."""
        hit = self._messages.get(m)
        state = _mutable_state(m)
        if hit is not None and hit[0] == state:
            return hit[1]
        text = dumps(message_to_wire(m))
        self._messages.put(m, (state, text))
        return text

    def tools(self, specs: Sequence[dict[str, Any]]) -> str:
        """`dumps(list(specs))`, encoded once for the same spec objects."""
        key = tuple(map(id, specs))
        hit = self._tools.get(key)
        if hit is not None:  # the entry holds the specs, so their ids cannot have been reused
            return hit[1]
        text = dumps(list(specs))
        if len(self._tools) >= self.TOOL_LISTS:
            self._tools.clear()
        self._tools[key] = (tuple(specs), text)
        return text


def _mutable_state(m: Message) -> tuple[object, ...]:
    """What of `m` can change in place: the items of the list inside it (parts or calls, frozen
    themselves), and the JSON of each call's arguments given as a dict."""
    if m.role == "assistant":
        if not m.tool_calls:
            return ()
        dicts = [_arguments_text(c.arguments) for c in m.tool_calls if not isinstance(c.arguments, str)]
        return (tuple(m.tool_calls), *dicts)
    if m.role == "user" and not isinstance(m.content, str):
        return tuple(m.content)
    return ()


def _tool_choice(choice: str) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def _usage(data: Any) -> Usage:
    if not isinstance(data, dict):
        return Usage()
    return Usage(int(data.get("prompt_tokens") or 0), int(data.get("completion_tokens") or 0))


def _reasoning(msg: dict[str, Any]) -> str | None:
    # vLLM 0.32 names it "reasoning"; older servers and some proxies "reasoning_content".
    value = msg.get("reasoning") or msg.get("reasoning_content")
    return value if isinstance(value, str) and value else None


def response_from_wire(data: Any) -> ModelResponse:
    try:
        choice = data["choices"][0]
        msg = choice["message"]
        calls = [
            ToolCall(
                id=c.get("id") or f"call_{i}",
                name=c["function"]["name"],
                arguments=c["function"].get("arguments") or "{}",
            )
            for i, c in enumerate(msg.get("tool_calls") or [])
        ]
        return ModelResponse(
            text=msg.get("content") or "",
            tool_calls=calls,
            reasoning=_reasoning(msg),
            finish_reason=choice.get("finish_reason"),
            usage=_usage(data.get("usage")),
            model_name=data.get("model"),
        )
    except (KeyError, IndexError, TypeError) as e:
        raise ModelResponseError(
            f"Unexpected chat-completions response shape ({type(e).__name__}: {e}): {str(data)[:500]}"
        ) from e


def mark_cut(response: ModelResponse, max_tokens: int | None) -> ModelResponse:
    """Report a response that used up `max_tokens` as cut ("length"), whatever the server said.

    vLLM's tool parsers report "tool_calls" for a call that `max_tokens` cut off and return the
    call's fragment as if it were whole; a cut call must never run.
    """
    if (
        max_tokens is not None
        and response.finish_reason != "length"
        and response.usage.output_tokens >= max_tokens
    ):
        return replace(response, finish_reason="length")
    return response


@dataclass
class StreamAccumulator:
    """Folds streamed chunks into deltas as they come and one `ModelResponse` at the end."""

    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    model_name: str | None = None
    done: bool = False  # the server sent `data: [DONE]`

    @property
    def complete(self) -> bool:
        """Whether the stream reached its end: `[DONE]` or a finish reason.

        A stream that stops before either (a proxy timeout, a server restart) is a fragment,
        however fluent its text.
        """
        return self.done or self.finish_reason is not None

    def feed_line(self, line: str) -> list[StreamDelta]:
        """One line of the server-sent event stream: the deltas it carries (none for comments)."""
        if not line.startswith("data:"):
            return []
        payload = line[5:].strip()
        if payload == "[DONE]":
            self.done = True
            return []
        try:
            chunk = json.loads(payload)
        except (ValueError, RecursionError) as e:
            raise ModelResponseError(f"Malformed stream chunk: {payload[:200]}") from e
        if isinstance(chunk, dict) and "error" in chunk:
            err = chunk["error"]
            message = err.get("message") if isinstance(err, dict) else str(err)
            raise ModelResponseError(f"Server reported an error mid-stream: {message}")
        return self.feed(chunk)

    def feed(self, chunk: Any) -> list[StreamDelta]:
        if not isinstance(chunk, dict):
            raise ModelResponseError(f"Stream chunk is not a JSON object: {str(chunk)[:200]}")
        self.model_name = chunk.get("model") or self.model_name
        if chunk.get("usage"):
            self.usage = _usage(chunk["usage"])
        out: list[StreamDelta] = []
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if text := delta.get("content"):
                self.text.append(text)
                out.append(TextDelta(text))
            if reasoning := _reasoning(delta):
                self.reasoning.append(reasoning)
                out.append(ReasoningDelta(reasoning))
            for c in delta.get("tool_calls") or []:
                index = int(c.get("index", 0))
                slot = self.calls.setdefault(index, {"id": None, "name": "", "arguments": []})
                fn = c.get("function") or {}
                if c.get("id"):
                    slot["id"] = c["id"]
                if fn.get("name"):
                    slot["name"] += fn["name"]
                args = fn.get("arguments") or ""
                slot["arguments"].append(args)
                out.append(ToolCallDelta(index=index, id=c.get("id"), name=fn.get("name"), arguments=args))
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return out

    def response(self) -> ModelResponse:
        calls = [
            ToolCall(
                id=slot["id"] or f"call_{i}", name=slot["name"], arguments="".join(slot["arguments"]) or "{}"
            )
            for i, slot in sorted(self.calls.items())
        ]
        return ModelResponse(
            text="".join(self.text),
            tool_calls=calls,
            reasoning="".join(self.reasoning) or None,
            finish_reason=self.finish_reason,
            usage=self.usage,
            model_name=self.model_name,
        )
