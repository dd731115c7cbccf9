"""The parts of `eval_throughput.py --real` that need no vLLM: the raw load and the forced call.

No timing is asserted: the raw load's figures are checked against what the canned server
(benchmarks/_fake_server.py) reports for each body, and the forced call against the grammar
our Gemma 4 profile really builds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agents import UserMessage
from agents.gemma4.grammar import compile_tool_grammar
from agents.models.base import ModelRequest, ModelSettings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from _fake_server import COMPLETION_TOKENS  # noqa: E402
from _real_server import GEMMA_END_TOKENS, forced_call, saturate  # noqa: E402

ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}
MARKERS = {"tool_call_start": 48, "tool_call_end": 49, "string_delim": 52}


@pytest.fixture
def canned_server() -> Iterator[str]:
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_fake_server.py"), "--delay-ms", "20"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{int(server.stdout.readline().split()[1])}/v1"
    finally:
        server.kill()
        server.wait()


async def test_saturate_sends_every_body_once_and_sums_the_usage(canned_server: str) -> None:
    bodies = [
        json.dumps({"model": "m", "messages": [{"role": "user", "content": "x" * (40 * i)}]}).encode()
        for i in range(1, 24)
    ]
    load = await saturate(canned_server, bodies, concurrency=5)
    assert (load.requests, load.failed) == (23, 0)
    # The canned server counts a prompt as its body's bytes ÷ 4: every body was sent, each once.
    assert load.prompt_tokens == sum(len(b) // 4 for b in bodies)
    assert load.completion_tokens == 23 * COMPLETION_TOKENS
    assert load.wall_s > 0 and load.tokens_per_s > 0


def test_forced_call_allows_one_call_and_favours_opening_it_then_ending() -> None:
    grammar = compile_tool_grammar([ADD], marker_token_ids=MARKERS, marker_bias=8.0)
    request = ModelRequest(
        messages=[UserMessage(content="add")],
        tools=[ADD],
        structured_outputs=grammar.structured_outputs(),
        settings=ModelSettings(logit_bias=dict(grammar.logit_bias or {}), max_tokens=48),
    )
    forced = forced_call(request)
    assert forced.structured_outputs is not None
    ebnf = forced.structured_outputs["grammar"]
    # The profile's grammar allows several calls in a row; the forced one exactly one.
    assert "g4_calls ::= g4_one_call+" in grammar.ebnf
    assert "g4_calls ::= g4_one_call\n" in ebnf
    assert ebnf.replace("g4_calls ::= g4_one_call\n", "") == grammar.ebnf.replace(
        "g4_calls ::= g4_one_call+\n", ""
    )
    bias = forced.settings.logit_bias or {}
    assert bias[48] > max(bias[t] for t in GEMMA_END_TOKENS) > 0
    assert bias[49] == bias[52] == 8.0  # the profile's own biases are kept
    assert forced.settings.max_tokens == 48


def test_forced_call_leaves_a_request_without_a_gemma_grammar_alone() -> None:
    request = ModelRequest(messages=[UserMessage(content="hi")], tools=[ADD])
    assert forced_call(request) is request
