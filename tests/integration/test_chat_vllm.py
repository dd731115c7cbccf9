"""`agents chat` against the real tiny vLLM server: a grammar-mode tool call streamed to the
terminal, the chat going on after the turn, and the conversation resumed on the next start.

The tiny model is a random network, so the test checks the protocol (the call is parsed by the
server, run by us, and shown with its result; the session is stored), not what the model says.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def chat(url: str, store: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "agents.cli",
            "chat",
            "--base-url",
            url,
            "--model",
            "tiny",
            "--tools",
            "examples.weather_agent:get_weather",
            "--tool-mode",
            "grammar",
            "--tool-choice",
            "required",
            "--temperature",
            "0",
            "--seed",
            "7",
            "--max-tokens",
            "48",
            "--max-steps",
            "3",
            "--store",
            str(store),
        ],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )


def test_chat_calls_a_tool_on_the_server_and_resumes_the_session(tiny_url: str, tmp_path: Path) -> None:
    store = tmp_path / "chat.db"
    first = chat(tiny_url, store, ["What is the weather in Paris?", "/usage", "/exit"])
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "session 'chat': a new conversation" in out
    assert "→ call get_weather(" in out, out  # grammar mode + required: the first step is a call
    assert "← ok: " in out or "← retry: " in out, out  # run by the registry, its result shown
    assert "1 turns: " in out and " 0 requests" not in out

    second = chat(tiny_url, store, ["/exit"])
    assert second.returncode == 0, second.stderr
    assert "session 'chat': " in second.stdout and "messages so far" in second.stdout
    assert "you: What is the weather in Paris?" in second.stdout
