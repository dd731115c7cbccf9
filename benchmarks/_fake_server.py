"""A canned OpenAI-compatible chat server for overhead and throughput benchmarks.

    python benchmarks/_fake_server.py [--port 0] [--delay-ms 0] [--ms-per-token 0] [--steps 1]

It prints `PORT <n>` on stdout once it listens, then serves until killed. Every
`POST .../chat/completions` is answered, after `--delay-ms` (plus `--ms-per-token` for each
completion token), with a tool call while the conversation holds fewer than `--steps` assistant
turns since the prompt, else with a final answer. The call goes to the first declared tool (arguments
`{"a": 2, "b": 3}`); a toolset with a `final_answer` tool (smolagents) gets its answer as a
call of that tool. A request under a JSON-mode constraint (`structured_outputs.json`) gets
the same reply as the JSON object that mode reads. `"stream": true` gets server-sent events.

It is a plain asyncio protocol (HTTP/1.1, keep-alive, Content-Length bodies), not a web
framework: the point is to cost the client as little as possible, so that what a benchmark
measures is the client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

ARGUMENTS = {"a": 2, "b": 3}
ANSWER = "The sum is 5."
COMPLETION_TOKENS = 12


class Replies:
    """What the server answers, decided from the request body alone (no state across requests)."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.served = 0

    def reply(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """("tool"|"answer", the assistant message as the wire has it)."""
        self.served += 1
        messages = body.get("messages", [])
        # Steps done: assistant turns since the prompt, the last user message that is not a tool
        # result (smolagents sends those as user messages starting "Observation:").
        prompt = max((i for i, m in enumerate(messages) if _is_prompt(m)), default=-1)
        done = sum(1 for m in messages[prompt + 1 :] if m.get("role") == "assistant")
        names = [t["function"]["name"] for t in body.get("tools") or ()]
        callable_names = [n for n in names if n != "final_answer"]
        if done < self.steps and callable_names:
            call = (callable_names[0], ARGUMENTS)
        elif "final_answer" in names:
            call = ("final_answer", {"answer": ANSWER})
        else:
            call = None
        json_mode = "json" in (body.get("structured_outputs") or {})
        if call is None:
            text = json.dumps({"answer": ANSWER}) if json_mode else ANSWER
            return "answer", {"role": "assistant", "content": text}
        name, arguments = call
        if json_mode:
            text = json.dumps({"tool_calls": [{"name": name, "arguments": arguments}]})
            return "answer", {"role": "assistant", "content": text}
        wire_call = {
            "id": f"call_{self.served}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        return "tool", {"role": "assistant", "content": None, "tool_calls": [wire_call]}


def _is_prompt(message: dict[str, Any]) -> bool:
    if message.get("role") != "user":
        return False
    content = message.get("content")
    text = content if isinstance(content, str) else " ".join(str(p.get("text", "")) for p in content or ())
    return not text.startswith("Observation:")


def _completion(model: str, message: dict[str, Any], finish: str, prompt_tokens: int) -> bytes:
    return json.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": COMPLETION_TOKENS,
                "total_tokens": prompt_tokens + COMPLETION_TOKENS,
            },
        }
    ).encode()


def _stream(model: str, message: dict[str, Any], finish: str, prompt_tokens: int) -> bytes:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time())}
    base["model"] = model
    chunks: list[dict[str, Any]] = [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]
    if message.get("tool_calls"):
        for i, call in enumerate(message["tool_calls"]):
            delta = {"tool_calls": [{"index": i, **call}]}
            chunks.append({"index": 0, "delta": delta, "finish_reason": None})
    else:
        for word in message["content"].split(" "):
            chunks.append({"index": 0, "delta": {"content": word + " "}, "finish_reason": None})
    chunks.append({"index": 0, "delta": {}, "finish_reason": finish})
    events = [{**base, "choices": [c]} for c in chunks]
    events.append(
        {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": COMPLETION_TOKENS,
                "total_tokens": prompt_tokens + COMPLETION_TOKENS,
            },
        }
    )
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return text.encode()


def _response(status: str, content_type: str, payload: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(payload)}\r\nconnection: keep-alive\r\n\r\n"
    )
    return head.encode() + payload


class _Connection(asyncio.Protocol):
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.queue: asyncio.Queue[tuple[bytes, float] | None] = asyncio.Queue()
        self.writer: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.writer = asyncio.get_running_loop().create_task(self._write_in_order())

    def connection_lost(self, exc: Exception | None) -> None:
        self.queue.put_nowait(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head.split(" ", 2)
            self.queue.put_nowait(self.server.answer(method, path, body))

    async def _write_in_order(self) -> None:
        # Replies go out in request order (HTTP/1.1), each after its own delay.
        while True:
            pending = await self.queue.get()
            if pending is None or self.transport is None or self.transport.is_closing():
                return
            payload, ready_at = pending
            wait = ready_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.transport.write(payload)


class FakeServer:
    """The canned server's state: its replies and its timing."""

    def __init__(self, steps: int, delay_ms: float, ms_per_token: float) -> None:
        self.replies = Replies(steps)
        self.delay_s = (delay_ms + ms_per_token * COMPLETION_TOKENS) / 1000

    def answer(self, method: str, path: str, body: bytes) -> tuple[bytes, float]:
        ready_at = time.monotonic() + self.delay_s
        if method == "GET" and path.rstrip("/").endswith("/models"):
            data = {"object": "list", "data": [{"id": "gemma-4-bench", "object": "model"}]}
            return _response("200 OK", "application/json", json.dumps(data).encode()), 0.0
        if method == "GET" and path == "/health":
            return _response("200 OK", "text/plain", b""), 0.0
        if method != "POST" or not path.endswith("/chat/completions"):
            return _response("404 Not Found", "application/json", b'{"error": "not found"}'), 0.0
        request = json.loads(body)
        kind, message = self.replies.reply(request)
        finish = "tool_calls" if kind == "tool" else "stop"
        prompt_tokens = len(body) // 4
        model = request.get("model", "bench")
        if request.get("stream"):
            payload = _stream(model, message, finish, prompt_tokens)
            return _response("200 OK", "text/event-stream", payload), ready_at
        payload = _completion(model, message, finish, prompt_tokens)
        return _response("200 OK", "application/json", payload), ready_at


async def serve(port: int, steps: int, delay_ms: float, ms_per_token: float) -> None:
    server = FakeServer(steps, delay_ms, ms_per_token)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(lambda: _Connection(server), "127.0.0.1", port, backlog=4096)
    bound = listener.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    async with listener:
        await listener.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--ms-per-token", type=float, default=0.0)
    parser.add_argument("--steps", type=int, default=1, help="tool calls before the final answer")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.steps, args.delay_ms, args.ms_per_token))


if __name__ == "__main__":
    main()
