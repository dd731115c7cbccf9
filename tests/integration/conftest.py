"""A real vLLM server (tiny random Gemma 4 on the CPU), started once per test session.

Set GEMMA_AGENTS_TINY_URL to use one that is already running (./scripts/serve-local --model tiny).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agents.serve import ServerConfig, VLLMServer

ROOT = Path(__file__).resolve().parents[2]


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(base_url.removesuffix("/v1") + "/health", timeout=3).status_code == 200
    except httpx.TransportError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def tiny_url() -> Iterator[str]:
    given = os.environ.get("GEMMA_AGENTS_TINY_URL")
    if given:
        if not _healthy(given):
            pytest.fail(f"GEMMA_AGENTS_TINY_URL={given} is not healthy")
        yield given
        return
    os.environ.setdefault("GEMMA_AGENTS_SERVER_HOME", str(ROOT / ".vllm"))
    server = VLLMServer(
        ServerConfig("tiny", port=_free_port()), log=ROOT / ".vllm" / "logs" / "pytest-tiny.log"
    )
    server.start()
    # A pytest killed by SIGTERM runs no finally blocks: stop the server on the way out.
    previous = signal.signal(signal.SIGTERM, lambda *_: (server.stop(), sys.exit(143)))
    try:
        asyncio.run(server.wait_healthy(600))
        yield server.base_url
    finally:
        server.stop()
        signal.signal(signal.SIGTERM, previous)
