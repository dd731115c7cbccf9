"""OpenTelemetry spans of runs (agents/tracing.py), read back from the SDK's in-memory exporter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from agents import Agent, UsageLimits
from agents.errors import ToolFatalError, UsageLimitExceeded
from agents.events import TextDelta
from agents.models.base import ModelResponse, ModelSettings, Usage
from agents.plan import Planner
from agents.testing import ScriptedModel, call
from agents.tracing import CONTENT_ENV, Tracing
from evals.tasks import EnvSpec, GoldCall, Task
from evals.trial import TrialSetup, run_trial


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def broken(path: str) -> str:
    """Read a file that is not there."""
    raise FileNotFoundError(path)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracing(exporter: InMemorySpanExporter) -> Iterator[Tracing]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield Tracing(tracer_provider=provider)
    provider.shutdown()


def named(spans: tuple[ReadableSpan, ...], prefix: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name.split(" ")[0] == prefix]


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


async def test_a_run_is_one_agent_span_with_a_chat_span_per_request_and_a_tool_span_per_call(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    usage = [Usage(31, 7), Usage(45, 2)]
    script = [
        ModelResponse(tool_calls=[call("add", a=19, b=23)], finish_reason="tool_calls", usage=usage[0]),
        ModelResponse(text="42", usage=usage[1]),
    ]
    model = ScriptedModel(script, name="gemma-4-test")
    agent = Agent(model, tools=[add], name="adder", tracing=tracing, settings=ModelSettings(max_tokens=64))
    result = await agent.run("What is 19 + 23?")
    assert result.output == "42"

    spans = exporter.get_finished_spans()
    [run] = named(spans, "invoke_agent")
    chats = named(spans, "chat")
    [tool] = named(spans, "execute_tool")
    assert len(spans) == 4 and len(chats) == 2
    assert (run.name, tool.name) == ("invoke_agent adder", "execute_tool add")
    assert all(c.name == "chat gemma-4-test" for c in chats)
    assert run.parent is None
    assert {parent_id(s) for s in [*chats, tool]} == {run.context.span_id}
    assert {s.context.trace_id for s in spans} == {run.context.trace_id}
    assert chats[0].end_time is not None and tool.start_time is not None
    assert chats[0].end_time <= tool.start_time  # the call runs after the response that asked for it

    assert attrs(run) | {"gemma_agents.run.id": "x"} == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "adder",
        "gen_ai.request.model": "gemma-4-test",
        "gemma_agents.run.id": "x",
        "gen_ai.usage.input_tokens": 76,
        "gen_ai.usage.output_tokens": 9,
    }
    assert attrs(run)["gemma_agents.run.id"] == result.run_id
    for chat, used, finish in zip(chats, usage, [("tool_calls",), ("stop",)], strict=True):
        got = attrs(chat)
        assert got["gen_ai.operation.name"] == "chat"
        assert got["gen_ai.request.model"] == "gemma-4-test"
        assert got["gen_ai.request.max_tokens"] == 64
        assert got["gen_ai.response.finish_reasons"] == finish
        assert (got["gen_ai.usage.input_tokens"], got["gen_ai.usage.output_tokens"]) == (
            used.input_tokens,
            used.output_tokens,
        )
        assert chat.kind == trace.SpanKind.CLIENT
    assert attrs(tool) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "add",
        "gen_ai.tool.call.id": script[0].tool_calls[0].id,
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Add two integers.",
    }
    assert all(s.status.status_code == StatusCode.UNSET for s in spans)


def _everything(spans: tuple[ReadableSpan, ...]) -> str:
    return json.dumps([attrs(s) for s in spans] + [s.status.description for s in spans], default=str)


async def test_message_contents_stay_out_of_spans_unless_asked_for(
    tracing: Tracing, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONTENT_ENV, raising=False)
    script = [call("broken", path="/secret/plans.txt"), "The file SECRET-ANSWER is missing."]
    agent = Agent(ScriptedModel(script), tools=[broken], instructions="Be terse.", tracing=tracing)
    await agent.run("Read my PRIVATE-PROMPT file")
    seen = _everything(exporter.get_finished_spans())
    for secret in ("PRIVATE-PROMPT", "Be terse", "/secret/plans.txt", "SECRET-ANSWER", "FileNotFoundError"):
        assert secret not in seen
    assert "gen_ai.input.messages" not in seen and "gen_ai.tool.call.arguments" not in seen


@pytest.mark.parametrize("how", ["env", "parameter"])
async def test_contents_are_recorded_when_the_user_opts_in(
    how: str, exporter: InMemorySpanExporter, tracing: Tracing, monkeypatch: pytest.MonkeyPatch
) -> None:
    if how == "env":
        monkeypatch.setenv(CONTENT_ENV, "true")
    else:
        monkeypatch.delenv(CONTENT_ENV, raising=False)
        tracing = Tracing(tracer_provider=tracing.tracer_provider, capture_content=True)
    first = call("add", a=2, b=3)
    agent = Agent(ScriptedModel([first, "five"]), tools=[add], instructions="Be terse.", tracing=tracing)
    await agent.run("2+3?")
    spans = exporter.get_finished_spans()
    chats = named(spans, "chat")
    [tool] = named(spans, "execute_tool")
    [run] = named(spans, "invoke_agent")

    sent = json.loads(attrs(chats[1])["gen_ai.input.messages"])
    assert sent == [
        {"role": "system", "parts": [{"type": "text", "content": "Be terse."}]},
        {"role": "user", "parts": [{"type": "text", "content": "2+3?"}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": first.id, "name": "add", "arguments": {"a": 2, "b": 3}}],
        },
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": first.id, "response": "5"}]},
    ]
    assert json.loads(attrs(chats[0])["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": first.id, "name": "add", "arguments": {"a": 2, "b": 3}}],
            "finish_reason": "tool_call",
        }
    ]
    assert json.loads(attrs(tool)["gen_ai.tool.call.arguments"]) == {"a": 2, "b": 3}
    assert attrs(tool)["gen_ai.tool.call.result"] == "5"
    assert chats[0].status.description is None  # nothing failed
    [answer] = json.loads(attrs(run)["gen_ai.output.messages"])
    assert answer["parts"] == [{"type": "text", "content": "five"}]


async def test_a_tool_error_an_invalid_call_and_a_failed_run_are_error_spans(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    script = [[call("broken", path="/x"), call("add", a="not a number", b=1)], call("add", a=1, b=1)]
    agent = Agent(
        ScriptedModel(script), tools=[broken, add], limits=UsageLimits(max_steps=2), tracing=tracing
    )
    with pytest.raises(UsageLimitExceeded):
        await agent.run("go")
    spans = exporter.get_finished_spans()
    [run] = named(spans, "invoke_agent")
    tools = {attrs(s)["gen_ai.tool.call.id"]: s for s in named(spans, "execute_tool")}
    assert len(tools) == 3
    failed, invalid, fine = (tools[c.id] for c in [*script[0], script[1]])  # type: ignore[misc]
    assert attrs(failed)["error.type"] == "tool_error" and failed.status.status_code == StatusCode.ERROR
    assert attrs(invalid)["error.type"] == "tool_retry" and invalid.status.status_code == StatusCode.ERROR
    assert "error.type" not in attrs(fine) and fine.status.status_code == StatusCode.UNSET
    assert attrs(run)["error.type"] == "agents.errors.UsageLimitExceeded"
    assert run.status.status_code == StatusCode.ERROR
    assert run.status.description is None  # an error's message may quote content: only on opt-in
    assert all(parent_id(s) == run.context.span_id for s in tools.values())


async def test_a_failed_request_is_an_error_chat_span(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    agent = Agent(ScriptedModel([]), tracing=tracing)  # runs out of responses at once
    with pytest.raises(Exception, match="ran out of responses"):
        await agent.run("hi")
    [chat] = named(exporter.get_finished_spans(), "chat")
    assert attrs(chat)["error.type"] == "tools.errors.AgentsError"
    assert chat.status.status_code == StatusCode.ERROR


async def test_a_fatal_tool_error_fails_the_tool_span_and_the_run(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    def stop() -> str:
        """Stop everything."""
        raise ToolFatalError("the disk is on fire")

    agent = Agent(ScriptedModel([call("stop")]), tools=[stop], tracing=tracing)
    with pytest.raises(ToolFatalError):
        await agent.run("go")
    spans = exporter.get_finished_spans()
    [tool] = named(spans, "execute_tool")
    [run] = named(spans, "invoke_agent")
    assert attrs(tool)["error.type"] == attrs(run)["error.type"] == "tools.errors.ToolFatalError"
    assert run.status.description is None
    exporter.clear()

    telling = Tracing(tracer_provider=tracing.tracer_provider, capture_content=True)
    agent = Agent(ScriptedModel([call("stop")]), tools=[stop], tracing=telling)
    with pytest.raises(ToolFatalError):
        await agent.run("go")
    [run] = named(exporter.get_finished_spans(), "invoke_agent")
    assert "the disk is on fire" in (run.status.description or "")  # with contents, the message too


async def test_a_tool_span_is_current_while_the_tool_runs(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    assert tracing.tracer_provider is not None
    inner = tracing.tracer_provider.get_tracer("the tool's own")

    def fetch(url: str) -> str:
        """Fetch a page (its HTTP client makes a span of its own)."""
        with inner.start_as_current_span("GET"):
            return "<html/>"

    agent = Agent(ScriptedModel([call("fetch", url="http://x"), "done"]), tools=[fetch], tracing=tracing)
    await agent.run("go")
    spans = exporter.get_finished_spans()
    [tool] = named(spans, "execute_tool")
    [get] = named(spans, "GET")
    assert parent_id(get) == tool.context.span_id
    assert trace.get_current_span() is trace.INVALID_SPAN  # nothing of the run stays current


async def test_a_streamed_run_has_the_same_spans_and_one_left_early_ends_them(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    agent = Agent(ScriptedModel([call("add", a=1, b=2), "three"]), tools=[add], tracing=tracing)
    async with agent.run_stream("1+2?") as stream:
        async for _ in stream:
            pass
    assert sorted(s.name.split(" ")[0] for s in exporter.get_finished_spans()) == [
        "chat",
        "chat",
        "execute_tool",
        "invoke_agent",
    ]
    exporter.clear()

    agent = Agent(ScriptedModel(["a long answer, streamed in pieces"]), tracing=tracing)
    async with agent.run_stream("talk") as stream:
        async for event in stream:
            if isinstance(event, TextDelta):
                break  # the caller stops listening: every span still ends, none as an error
    spans = exporter.get_finished_spans()
    assert sorted(s.name.split(" ")[0] for s in spans) == ["chat", "invoke_agent"]
    assert all(s.status.status_code == StatusCode.UNSET for s in spans)


async def test_a_planner_run_traces_its_tool_calls(tracing: Tracing, exporter: InMemorySpanExporter) -> None:
    plan = json.dumps({"steps": [{"id": "s1", "tool": "add", "args": {"a": 1, "b": 2}}]})
    agent = Agent(
        ScriptedModel([plan, json.dumps({"finish": "3"})]), tools=[add], planner=Planner(), tracing=tracing
    )
    assert (await agent.run("1+2?")).output == "3"
    spans = exporter.get_finished_spans()
    [run] = named(spans, "invoke_agent")
    [tool] = named(spans, "execute_tool")
    assert len(named(spans, "chat")) == 2
    assert attrs(tool)["gen_ai.tool.call.id"] == "s1" and parent_id(tool) == run.context.span_id


async def test_tracing_off_makes_no_spans(tracing: Tracing, exporter: InMemorySpanExporter) -> None:
    off = Tracing(tracer_provider=tracing.tracer_provider, enabled=False)
    agent = Agent(ScriptedModel([call("add", a=1, b=2), "3"]), tools=[add], tracing=off)
    await agent.run("1+2?")
    assert exporter.get_finished_spans() == ()
    assert off.start("agent") is None and tracing.start("agent") is not None


async def test_an_eval_trial_is_one_span_with_its_runs_inside(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    task = Task.single(
        id="restock",
        env=EnvSpec(name="shop", state={"products": {"M": {"name": "Mug", "price": 1.0, "stock": 0}}}),
        prompt="Restock 2 mugs.",
        gold=[GoldCall(name="restock", arguments={"sku": "M", "quantity": 2})],
    )
    model = ScriptedModel([call("restock", sku="M", quantity=2), "Done."])
    record = await run_trial(task, 0, TrialSetup(model=model, settings=ModelSettings(), tracing=tracing))
    spans = exporter.get_finished_spans()
    [trial] = named(spans, "eval_trial")
    [run] = named(spans, "invoke_agent")
    assert parent_id(run) == trial.context.span_id and trial.parent is None
    assert attrs(trial) == {
        "gemma_agents.eval.task_id": "restock",
        "gemma_agents.eval.trial": 0,
        "gen_ai.request.model": "scripted",
        "gemma_agents.eval.passed": record.passed,
    }
    assert len(named(spans, "execute_tool")) == 1 and len(named(spans, "chat")) == 2

    exporter.clear()
    failing = TrialSetup(model=ScriptedModel([]), settings=ModelSettings(), tracing=tracing)
    record = await run_trial(task, 1, failing)
    [trial] = named(exporter.get_finished_spans(), "eval_trial")
    assert not record.passed and attrs(trial)["error.type"] == record.error_type == "AgentsError"
    assert trial.status.status_code == StatusCode.ERROR


_GLOBAL = textwrap.dedent(
    """
    import asyncio, sys
    from agents import Agent
    from agents.testing import ScriptedModel

    agent = Agent(ScriptedModel(["one", "two", "three"]))
    asyncio.run(agent.run("hi"))
    loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
    print("loaded without a provider:", loaded)

    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    asyncio.run(agent.run("hi"))  # imported, but no provider set: still nothing
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    print("spans before the provider:", len(exporter.get_finished_spans()))
    asyncio.run(agent.run("hi"))
    print("spans after:", sorted(s.name for s in exporter.get_finished_spans()))
    """
)


def test_without_a_provider_opentelemetry_is_not_even_imported_and_the_global_one_is_used() -> None:
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", _GLOBAL], capture_output=True, text=True, timeout=60, check=True, cwd=root
    )
    assert out.stdout.splitlines() == [
        "loaded without a provider: []",
        "spans before the provider: 0",
        "spans after: ['chat scripted', 'invoke_agent agent']",
    ]
