"""Standard `logging`: debug records for requests, retries and tool calls; silent by default."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import Any

import httpx
import pytest

from agents import Agent
from agents.models import OpenAIChatModel, RetryPolicy


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def _script() -> Any:
    call = {"id": "c7", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}}
    replies = iter(
        [
            httpx.Response(503, json={"error": {"message": "loading"}}),
            httpx.Response(
                200,
                json={
                    "model": "m",
                    "choices": [
                        {
                            "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                            "finish_reason": "tool_calls",
                        }
                    ],
                    "usage": {"prompt_tokens": 9, "completion_tokens": 4},
                },
            ),
            httpx.Response(
                200,
                json={
                    "model": "m",
                    "choices": [{"message": {"role": "assistant", "content": "5"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 1},
                },
            ),
        ]
    )
    return lambda request: next(replies)


async def test_debug_records_for_requests_retries_and_tool_calls(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    model = OpenAIChatModel(
        "m",
        base_url="http://test",
        transport=httpx.MockTransport(_script()),
        retry=RetryPolicy(max_attempts=3, initial_backoff_s=0.001, max_backoff_s=0.002),
    )
    result = await Agent(model, tools=[add], tool_mode="server").run("a secret prompt: what is 2 + 3?")
    assert result.output == "5"

    ours = [r for r in caplog.records if r.name.split(".")[0] in ("agents", "tools")]
    assert all(r.levelno == logging.DEBUG for r in ours)
    text = [f"{r.name}: {r.getMessage()}" for r in ours]
    requests = [t for t in text if "POST http://test/v1/chat/completions model=m" in t]
    assert len(requests) == 3 and "attempt=1" in requests[0] and "attempt=2" in requests[1]
    assert any("retry" in t and "attempt 1 of 3" in t and "HTTP 503: loading" in t for t in text)
    assert any("step 1" in t and "agents._run" in t for t in text)
    assert any(t.startswith("tools._toolset: tool call add id=c7 status=ok in ") for t in text)
    assert any("finish_reason=tool_calls tokens=9+4 calls=1" in t for t in text)
    assert not any("secret" in t for t in text)  # message contents stay out of the records


def test_nothing_is_printed_by_default() -> None:
    # Without a handler on the packages, Python's last-resort handler would print warnings.
    code = (
        "import logging, agents, tools, evals\n"
        "for name in ('agents.models.openai', 'tools._toolset', 'evals.runner'):\n"
        "    logging.getLogger(name).warning('should not be printed')\n"
        "print(json.dumps([logging.getLogger().handlers == [], logging.getLogger('agents').level]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
    assert json.loads(done.stdout) == [True, logging.NOTSET]  # no basicConfig, no level forced
