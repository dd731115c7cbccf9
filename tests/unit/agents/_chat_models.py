"""Models and tools for `agents chat --model-from / --tools` in tests/unit/agents/test_cli_chat.py."""

from __future__ import annotations

import asyncio

from agents.errors import ModelUnreachable
from agents.models.base import ModelRequest, ModelResponse
from agents.testing import FunctionModel, call
from tools import tool


def _answer(request: ModelRequest) -> ModelResponse | str:
    """Echoes every user message it has seen, so a test can tell what history the model got;
    "add ..." asks for a call of `add`, "wait" for a call of `wait`, "fail" fails the request."""
    last = request.messages[-1]
    if last.role == "tool":
        return f"The tool said {last.content}."
    users = [m.text for m in request.messages if m.role == "user"]
    if users[-1].startswith("add"):
        return ModelResponse(tool_calls=[call("add", a=2, b=3)], finish_reason="tool_calls")
    if users[-1].startswith("delete "):
        return ModelResponse(tool_calls=[call("delete", name=users[-1][7:])], finish_reason="tool_calls")
    if users[-1] == "wait":
        return ModelResponse(tool_calls=[call("wait")], finish_reason="tool_calls")
    if users[-1] == "fail":
        raise ModelUnreachable("http://nowhere/v1", 3, ConnectionRefusedError("refused"))
    return "heard: " + " | ".join(users)


def echo() -> FunctionModel:
    """A fresh echoing model (a factory, as `--model-from` takes one)."""
    return FunctionModel(_answer, name="echo", stream_chunk=4)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def wait() -> str:
    """Wait for a long time (until the turn is cancelled)."""
    print("tool wait is running", flush=True)
    await asyncio.sleep(3600)
    return "waited"


@tool(requires_approval=True)
def delete(name: str) -> str:
    """Delete a file (asks first)."""
    return f"deleted {name}"


TOOLS = [add, wait, delete]
NOT_A_MODEL = 42
