"""Real MCP servers for the tests: `demo_server.py` (the SDK's server API) as a subprocess, over
stdio or streamable HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.mcp import MCPToolset

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEMO = HERE / "demo_server.py"


def demo(**options: object) -> MCPToolset:
    """The demo server over stdio, named "demo"."""
    options.setdefault("name", "demo")
    return MCPToolset.stdio(sys.executable, str(DEMO), **options)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_http(command: list[str], port: int) -> subprocess.Popen[bytes]:
    """Start an HTTP server process and wait until its port takes connections (60 s at most)."""
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command} exited {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command} did not listen on port {port} within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def demo_http() -> Iterator[str]:
    """The demo server over streamable HTTP; its URL."""
    port = free_port()
    proc = start_http([sys.executable, str(DEMO), "http", str(port)], port)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(proc)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
