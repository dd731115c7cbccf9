"""What a run opens, it closes: connections after run_sync, `async with`, streams left early."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from agents import Agent
from agents.errors import ModelTimeout
from agents.events import TextDelta
from agents.messages import UserMessage
from agents.models import ModelRequest, OpenAIChatModel, RetryPolicy
from agents.testing import block_model_requests

FAST = RetryPolicy(max_attempts=2, initial_backoff_s=0.001, max_backoff_s=0.002)
COMPLETION = {
    "model": "m",
    "choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1},
}


class _Server(ThreadingHTTPServer):
    """A keep-alive chat-completions server on 127.0.0.1 that counts its open connections."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.accepted = 0
        self.open = 0
        self.hold: threading.Event | None = None  # set: answers wait until the test releases them
        self.url = f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a connection stays open until the client closes it
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.accepted += 1
            self.server.open += 1

    def finish(self) -> None:
        with self.server.lock:
            self.server.open -= 1
        super().finish()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        if self.server.hold is not None:
            self.server.hold.wait()
        payload = json.dumps(COMPLETION).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    block_model_requests(False)  # these tests talk to a real server on a local port
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    if srv.hold is not None:
        srv.hold.set()
    srv.shutdown()
    srv.server_close()


async def test_a_live_but_slow_server_is_a_timeout_not_unreachable(server: _Server) -> None:
    server.hold = threading.Event()
    model = OpenAIChatModel("m", base_url=server.url, retry=FAST, timeout_s=0.2)
    with pytest.raises(ModelTimeout) as info:
        await model.request(ModelRequest(messages=[UserMessage(content="hi")]))
    await model.aclose()
    assert (info.value.phase, info.value.timeout_s, info.value.attempts) == ("read", 0.2, 1)
    assert server.accepted == 1  # generation is not started twice by default


def _eventually(condition: Callable[[], bool]) -> bool:
    """Whether `condition` holds within a few seconds (the server thread sees a close a bit later)."""
    deadline = time.monotonic() + 5.0
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_run_sync_closes_the_connections_it_opened(server: _Server) -> None:
    agent = Agent(OpenAIChatModel("m", base_url=server.url, retry=FAST))
    for _ in range(3):
        assert agent.run_sync("hi").output == "hi"
    assert server.accepted == 3  # a new event loop each time, so a new connection each time
    assert _eventually(lambda: server.open == 0), f"{server.open} connection(s) left open"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts /proc/self/fd")
def test_run_sync_does_not_grow_open_file_descriptors(server: _Server) -> None:
    agent = Agent(OpenAIChatModel("m", base_url=server.url, retry=FAST))
    agent.run_sync("hi")  # the first call imports and sets up what later calls reuse
    assert _eventually(lambda: server.open == 0)
    before = _open_fds()
    for _ in range(5):
        agent.run_sync("hi")
    assert _eventually(lambda: server.open == 0)
    assert _open_fds() - before <= 1  # was +2 per call: the client's socket and the server's


def test_aclose_after_run_sync_and_after_a_loop_that_ended(server: _Server) -> None:
    model = OpenAIChatModel("m", base_url=server.url, retry=FAST)
    Agent(model).run_sync("hi")
    asyncio.run(model.aclose())  # was: RuntimeError("Event loop is closed")

    # A client left open by a loop that has ended cannot be closed any more: dropped, not an error.
    request = ModelRequest(messages=[UserMessage(content="hi")])
    asyncio.run(model.request(request))
    asyncio.run(model.aclose())
    assert asyncio.run(model.request(request)).text == "hi"  # and the model still works


async def test_async_with_closes_model_and_agent(server: _Server) -> None:
    async with OpenAIChatModel("m", base_url=server.url, retry=FAST) as model:
        assert (await Agent(model).run("hi")).output == "hi"
    assert await asyncio.to_thread(_eventually, lambda: server.open == 0)

    async with Agent(OpenAIChatModel("m", base_url=server.url, retry=FAST)) as agent:
        assert (await agent.run("hi")).output == "hi"
        assert server.open == 1
    assert await asyncio.to_thread(_eventually, lambda: server.open == 0)


class _EndlessBody(httpx.AsyncByteStream):
    """One text delta, then nothing more until the stream is closed."""

    def __init__(self) -> None:
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = {"model": "m", "choices": [{"delta": {"content": "Hel"}}]}
        yield f"data: {json.dumps(chunk)}\n\n".encode()
        await asyncio.Event().wait()

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.parametrize("leave", ["break", "raise"])
async def test_leaving_a_stream_early_closes_its_request(leave: str) -> None:
    body = _EndlessBody()
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=body))
    agent = Agent(OpenAIChatModel("m", base_url="http://test", transport=transport, retry=FAST))
    with pytest.raises(KeyError) if leave == "raise" else contextlib.nullcontext():
        async with agent.run_stream("hi") as stream:
            async for event in stream:
                if isinstance(event, TextDelta):
                    if leave == "raise":
                        raise KeyError("the caller's own error")
                    break
    assert body.closed  # at once, not when the garbage collector finds the generators
    with pytest.raises(RuntimeError, match="not finished"):
        _ = stream.result
