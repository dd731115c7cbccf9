"""The in-process engine on a fake `vllm` module: cut responses are "length" (a cut call never
runs), malformed calls are format retries, and the tool mode reads the calls from the text."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace
from typing import Any

import pytest

from agents import Agent
from agents.events import ModelResponded
from agents.gemma4.render import render_tool_call
from agents.messages import UserMessage
from agents.models import ModelRequest, ModelSettings
from agents.models.inprocess import InProcessVLLMModel
from tools import ToolCall


class FakeLLM:
    """Stands in for `vllm.LLM`: answers each conversation with the next scripted output."""

    def __init__(self, model: str, **kwargs: Any) -> None:
        self.script: list[tuple[str, str, int]] = []  # (text, finish_reason, completion tokens)
        self.calls: list[dict[str, Any]] = []

    def chat(self, conversations: list[Any], **kwargs: Any) -> list[Any]:
        self.calls.append(kwargs)
        outputs = []
        for _ in conversations:
            text, finish_reason, tokens = self.script.pop(0)
            completion = SimpleNamespace(text=text, finish_reason=finish_reason, token_ids=[0] * tokens)
            outputs.append(SimpleNamespace(outputs=[completion], prompt_token_ids=[0] * 7))
        return outputs


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> None:
    vllm = types.ModuleType("vllm")
    sampling = types.ModuleType("vllm.sampling_params")
    vllm.LLM = FakeLLM  # type: ignore[attr-defined]
    vllm.SamplingParams = lambda **kw: kw  # type: ignore[attr-defined]
    sampling.StructuredOutputsParams = lambda **kw: kw  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", vllm)
    monkeypatch.setitem(sys.modules, "vllm.sampling_params", sampling)


def model_with(script: list[tuple[str, str, int]]) -> tuple[InProcessVLLMModel, FakeLLM]:
    model = InProcessVLLMModel("tiny")  # the local Gemma 4 profile, by name
    llm: FakeLLM = model._llm
    llm.script = list(script)
    return model, llm


ADD_CALL = render_tool_call(ToolCall("x", "add", {"a": 1, "b": 2}))
ran: list[tuple[int, int]] = []


def add(a: int, b: int) -> int:
    """Add two integers."""
    ran.append((a, b))
    return a + b


async def test_a_call_that_used_up_max_tokens_is_length_and_left_to_the_tool_mode(fake_vllm: None) -> None:
    model, _ = model_with([(ADD_CALL, "length", 16), (ADD_CALL, "stop", 16), (ADD_CALL, "stop", 15)])
    request = ModelRequest(messages=[UserMessage(content="add")], settings=ModelSettings(max_tokens=16))
    cut = await model.request(request)
    assert (cut.finish_reason, cut.tool_calls, cut.text) == ("length", [], ADD_CALL)
    used_up = await model.request(request)  # vLLM said stop, yet every token was used: cut
    assert used_up.finish_reason == "length"
    whole = await model.request(request)
    assert (whole.finish_reason, whole.tool_calls) == ("stop", [])  # calls are the tool mode's job


def test_a_cut_call_never_runs_in_a_run(fake_vllm: None) -> None:
    ran.clear()
    model, _ = model_with([(ADD_CALL, "length", 16), ("Three.", "stop", 3)])
    agent = Agent(model, tools=[add], settings=ModelSettings(max_tokens=16), tool_mode="server")
    result = agent.run_sync("What is 1 + 2?")
    assert result.output == "Three."
    assert ran == [] and result.tool_calls() == []
    assert any("cut off" in m.content for m in result.messages if isinstance(m, UserMessage))


@pytest.mark.parametrize(
    "malformed",
    [ADD_CALL.replace("{", "{{"), "<|tool_call>call:add{a:" + "[" * 100_000],
)
def test_a_malformed_call_is_a_format_retry_not_an_escape(fake_vllm: None, malformed: str) -> None:
    ran.clear()
    model, _ = model_with([(malformed, "stop", 20), (ADD_CALL, "stop", 20), ("Three.", "stop", 3)])
    agent = Agent(model, tools=[add], tool_mode="server")
    result = agent.run_sync("What is 1 + 2?")
    assert result.output == "Three." and ran == [(1, 2)]
    retries = [m.content for m in result.messages if isinstance(m, UserMessage)]
    assert any("could not be read" in r for r in retries)


async def test_thoughts_split_off_and_calls_read_by_the_tool_mode(fake_vllm: None) -> None:
    ran.clear()
    model, llm = model_with(
        [(f"<|channel>thought\nadd them<channel|>{ADD_CALL}", "stop", 30), ("3", "stop", 1)]
    )
    result = await Agent(model, tools=[add], tool_mode="server").run("What is 1 + 2?")
    assert result.output == "3" and ran == [(1, 2)]
    first = next(e.response for e in result.events if isinstance(e, ModelResponded))
    assert first.reasoning == "add them" and first.tool_calls == []
    assert llm.calls[0]["tools"][0]["function"]["name"] == "add"
