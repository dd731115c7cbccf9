"""Requests in flight spread over small httpx pools: none holds more than POOL_SIZE, none queues.

httpcore's pool costs each request time in proportion to the square of its connections
(benchmarks/eval_throughput.py), so an eval's hundreds of concurrent requests must not share one.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents import OpenAIChatModel, UserMessage
from agents.models import openai as openai_module
from agents.models._clients import POOL_SIZE
from agents.models.base import ModelRequest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def slow_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The canned server, answering each request after 300 ms."""
    monkeypatch.setattr(openai_module, "ALLOW_MODEL_REQUESTS", True)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_fake_server.py"), "--delay-ms", "300"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{int(server.stdout.readline().split()[1])}/v1"
    finally:
        server.kill()
        server.wait()


async def test_concurrent_requests_fill_small_pools_one_after_another(slow_server: str) -> None:
    model = OpenAIChatModel("gemma-4-bench", base_url=slow_server)
    request = ModelRequest(messages=[UserMessage(content="hi")])
    in_flight = 2 * POOL_SIZE + 1
    async with model:
        requests = [asyncio.ensure_future(model.request(request)) for _ in range(in_flight)]
        await asyncio.sleep(0.15)  # all sent, none answered yet
        clients = model._clients[asyncio.get_running_loop()]
        assert clients._in_flight == [POOL_SIZE, POOL_SIZE, 1]
        for client in clients._clients:
            pool = client._transport._pool  # type: ignore[attr-defined]
            assert pool._max_connections == pool._max_keepalive_connections == POOL_SIZE
        responses = await asyncio.gather(*requests)
        assert all(r.text for r in responses)
        assert clients._in_flight == [0, 0, 0]
        # Done: the next request reuses the first pool's kept-alive connections.
        await model.request(request)
        assert len(clients._clients) == 3
