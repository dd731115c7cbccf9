"""Sessions, approvals that wait, and resume after a crash: an agent on a real SQLite store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agents import Agent, RunContext
from agents.errors import ConfigError
from agents.memory import Approve, Deny, Edit, RunConflict, SessionConflict, Store
from agents.messages import AssistantMessage, Message, SystemMessage, ToolResultMessage, UserMessage
from agents.models.base import ModelRequest, ModelResponse
from agents.testing import FunctionModel, ScriptedModel, as_response, call
from tools import Toolset, tool


class Crash(BaseException):
    """Stands for the process dying: not an error the run handles."""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "store.db")
    yield opened
    await opened.aclose()


def no_orphans(messages: list[Message]) -> None:
    """What a provider checks: every call answered before the conversation goes on."""
    open_calls: set[str] = set()
    for m in messages:
        if isinstance(m, ToolResultMessage):
            assert m.call_id in open_calls, f"result without its call: {m.call_id}"
            open_calls.discard(m.call_id)
        else:
            assert not open_calls, f"orphaned calls sent to the model: {open_calls}"
        if isinstance(m, AssistantMessage):
            open_calls = {c.id for c in m.tool_calls}
    assert not open_calls, f"orphaned calls sent to the model: {open_calls}"


def checked(script: list[Any]) -> FunctionModel:
    """A scripted model that fails the test if a request ever carries an orphaned call."""
    items = iter(script)

    def respond(request: ModelRequest) -> ModelResponse:
        no_orphans(request.messages)
        return as_response(next(items))

    return FunctionModel(respond)


async def test_a_session_carries_the_conversation_across_runs(store: Store) -> None:
    @tool(effect="read_only")
    def add(a: int, b: int) -> int:
        return a + b

    model = ScriptedModel([call("add", a=2, b=3), "5", "You asked about 2 and 3."])
    agent = Agent(model, tools=[add], instructions="Be brief.", store=store)
    first = await agent.run("What is 2+3?", session="chat")
    second = await agent.run("What did I ask?", session="chat")
    assert first.output == "5" and first.session_id == "chat"
    sent = model.requests[-1].messages
    assert isinstance(sent[0], SystemMessage) and sum(isinstance(m, SystemMessage) for m in sent) == 1
    assert [m.role for m in sent[1:]] == ["user", "assistant", "tool", "assistant", "user"]
    stored = (await store.history("chat")).messages
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant", "user", "assistant"]
    assert second.new_messages()[0] == UserMessage(content="What did I ask?")


async def test_session_needs_a_store() -> None:
    agent = Agent(ScriptedModel(["hi"]))
    with pytest.raises(ConfigError, match="session= needs a store"):
        await agent.run("hi", session="s")


async def test_approval_waits_then_resumes_from_another_agent_and_store(tmp_path: Path) -> None:
    sent: list[str] = []

    def make_agent(model: ScriptedModel, store: Store) -> Agent[str]:
        @tool(requires_approval=True)
        def send_email(to: str, body: str) -> str:
            sent.append(to)
            return f"sent to {to}"

        return Agent(model, tools=[send_email], store=store)

    first_store = await Store.open(tmp_path / "s.db")
    email = call("send_email", to="bob@example.com", body="hi")
    waiting = await make_agent(ScriptedModel([email]), first_store).run("Email Bob", session="desk")
    assert waiting.waiting and waiting.output is None and sent == []
    (pending,) = waiting.pending
    assert pending.call_id == email.id and pending.reason == "approval"
    assert (await first_store.run(waiting.run_id)).status == "waiting"
    await first_store.aclose()

    # "Another process": a new store object and a new agent, the model's script goes on.
    second_store = await Store.open(tmp_path / "s.db")
    edited = Edit({"to": "alice@example.com", "body": "hi"})
    agent = make_agent(ScriptedModel(["Done."]), second_store)
    result = await agent.resume(waiting.run_id, decisions={email.id: edited})
    assert result.output == "Done." and sent == ["alice@example.com"]
    assert (await second_store.run(waiting.run_id)).status == "finished"
    again = await agent.resume(waiting.run_id)  # a finished run returns its stored result
    assert again.output == "Done." and sent == ["alice@example.com"]
    await second_store.aclose()


async def test_a_denied_call_is_not_run_and_the_model_hears_why(store: Store) -> None:
    ran: list[str] = []

    @tool(requires_approval=True)
    def wipe(path: str) -> str:
        ran.append(path)
        return "wiped"

    wipe_call = call("wipe", path="/")
    model = ScriptedModel([wipe_call, "I could not wipe it."])
    agent = Agent(model, tools=[wipe], store=store)
    waiting = await agent.run("wipe /")
    result = await agent.resume(waiting.run_id, decisions={wipe_call.id: Deny("never the root")})
    assert ran == [] and result.output == "I could not wipe it."
    denied = result.messages[-2]
    assert isinstance(denied, ToolResultMessage) and denied.status == "denied"
    assert "never the root" in denied.content


@pytest.mark.parametrize("durability", ["event", "step"])
async def test_an_idempotent_call_in_flight_at_a_crash_runs_again_with_the_same_key(
    store: Store, durability: Any
) -> None:
    keys: list[str | None] = []
    crash = [True]

    @tool(effect="idempotent")
    async def charge(ctx: RunContext[None], amount: int) -> str:
        keys.append(ctx.idempotency_key)
        if crash.pop() if crash else False:
            raise Crash
        return f"charged {amount}"

    charge_call = call("charge", amount=5)
    agent = Agent(checked([charge_call]), tools=[charge], store=store, durability=durability)
    with pytest.raises(Crash):
        await agent.run("charge 5", run_id="r1")
    assert (await store.run("r1")).status == "running"
    resumed = Agent(checked(["Charged."]), tools=[charge], store=store, durability=durability)
    result = await resumed.resume("r1")
    assert result.output == "Charged." and len(keys) == 2 and keys[0] == keys[1] == f"r1:1:{charge_call.id}"


async def test_an_unsafe_call_in_flight_at_a_crash_is_surfaced_not_rerun(store: Store) -> None:
    runs: list[int] = []

    @tool  # unsafe by default
    async def launch(n: int) -> str:
        runs.append(n)
        if len(runs) == 1:
            raise Crash
        return "launched"

    launch_call = call("launch", n=1)
    with pytest.raises(Crash):
        await Agent(checked([launch_call]), tools=[launch], store=store, durability="event").run(
            "go", run_id="u"
        )
    agent = Agent(checked(["Launched."]), tools=[launch], store=store, durability="event")
    waiting = await agent.resume("u")
    assert waiting.waiting and runs == [1]
    assert [(p.call_id, p.reason) for p in waiting.pending] == [(launch_call.id, "interrupted")]
    result = await agent.resume("u", decisions={launch_call.id: Approve()})
    assert result.output == "Launched." and runs == [1, 1]


async def test_a_call_never_dispatched_runs_on_resume_in_event_durability(store: Store) -> None:
    runs: list[str] = []

    @tool
    def first(x: str) -> str:
        runs.append(x)
        raise Crash

    @tool
    def second(x: str) -> str:
        runs.append(x)
        return x

    calls = [call("first", x="a"), call("second", x="b")]
    toolset = Toolset([first, second], max_concurrency=1)
    with pytest.raises(Crash):
        await Agent(checked([calls]), tools=toolset, store=store, durability="event").run("go", run_id="d")
    toolset2 = Toolset([first, second], max_concurrency=1)
    agent = Agent(checked(["ok"]), tools=toolset2, store=store, durability="event")
    waiting = await agent.resume("d")
    # `first` was dispatched (and is unsafe): surfaced. `second` never started: not a question.
    assert [p.call_id for p in waiting.pending] == [calls[0].id]
    result = await agent.resume("d", decisions={calls[0].id: Deny("not twice")})
    assert result.output == "ok" and runs == ["a", "b"]


async def test_two_resumers_of_one_run_one_wins(store: Store) -> None:
    @tool(effect="read_only")
    async def look() -> str:
        raise Crash

    with pytest.raises(Crash):
        await Agent(checked([call("look")]), tools=[look], store=store).run("look", run_id="twice")

    @tool(name="look", effect="read_only")
    async def look_ok() -> str:
        await asyncio.sleep(0.05)
        return "seen"

    agents = [Agent(checked(["done"]), tools=[look_ok], store=store) for _ in range(2)]
    outcomes = await asyncio.gather(*(a.resume("twice") for a in agents), return_exceptions=True)
    assert sorted(type(o).__name__ for o in outcomes) == ["RunConflict", "RunResult"]
    assert any(isinstance(o, RunConflict) for o in outcomes)


async def test_a_session_written_meanwhile_is_a_conflict_not_an_overwrite(store: Store) -> None:
    async def slow(request: ModelRequest) -> ModelResponse:
        await store.append("shared", [UserMessage(content="someone else")])
        return ModelResponse(text="mine")

    agent = Agent(FunctionModel(slow), store=store, durability="end")
    with pytest.raises(SessionConflict):
        await agent.run("hi", session="shared")
    stored = (await store.history("shared")).messages
    assert stored == [UserMessage(content="someone else")]


async def test_end_durability_writes_once(store: Store) -> None:
    @tool(effect="read_only")
    def two() -> int:
        return 2

    agent = Agent(ScriptedModel([call("two"), "2"]), tools=[two], store=store, durability="end")
    result = await agent.run("two?")
    record = await store.run(result.run_id)
    assert record.status == "finished" and record.version == 1
    kinds = [e.kind for e in await store.events(result.run_id)]
    assert kinds == ["started", "response", "call_started", "call_finished", "finished"]


async def test_gemma4_thoughts_are_stored_but_never_sent_back(store: Store) -> None:
    from agents.models.profiles import GEMMA4

    seen: list[list[Message]] = []

    def respond(request: ModelRequest) -> ModelResponse:
        seen.append(list(request.messages))
        return ModelResponse(text=f"answer {len(seen)}", reasoning="private thoughts")

    agent = Agent(FunctionModel(respond, profile=GEMMA4), store=store)
    await agent.run("first", session="t")
    await agent.run("second", session="t")
    stored = (await store.history("t")).messages
    assert [m.reasoning for m in stored if isinstance(m, AssistantMessage)] == ["private thoughts"] * 2
    assert all(m.reasoning is None for m in seen[1] if isinstance(m, AssistantMessage))
    assert [m.role for m in seen[1]] == ["user", "assistant", "user"]


def test_a_store_url_opens_once_per_event_loop_for_run_sync(tmp_path: Path) -> None:
    model = ScriptedModel(["one", "two"])
    agent = Agent(model, store=str(tmp_path / "by-url.db"))
    assert agent.run_sync("hi", session="s").output == "one"
    assert agent.run_sync("again", session="s").output == "two"  # a new loop, the same file
    assert [m.role for m in model.requests[1].messages] == ["user", "assistant", "user"]


async def test_run_stream_with_a_session_stops_at_a_call_that_waits(store: Store) -> None:
    from agents.events import RunWaiting

    @tool(requires_approval=True)
    def post(text: str) -> str:
        return "posted"

    agent = Agent(ScriptedModel([call("post", text="hello")]), tools=[post], store=store)
    async with agent.run_stream("post hello", session="feed") as stream:
        events = [e async for e in stream]
    assert isinstance(events[-1], RunWaiting) and stream.result.waiting
    assert (await store.run(stream.result.run_id)).status == "waiting"


async def test_the_history_policy_chooses_what_of_the_session_the_model_sees(store: Store) -> None:
    from agents.memory import LastTurns

    model = ScriptedModel(["a1", "a2", "a3"])
    agent = Agent(model, store=store, history=LastTurns(1))
    for prompt in ("q1", "q2", "q3"):
        await agent.run(prompt, session="long")
    sent = [m.content for m in model.requests[-1].messages if isinstance(m, UserMessage)]
    assert sent == ["q2", "q3"]  # one earlier turn, then the new prompt
    assert len((await store.history("long")).messages) == 6  # the store keeps everything


async def test_bad_durable_configuration_and_unknown_runs_are_clear_errors(store: Store) -> None:
    from agents.memory import StoreError

    with pytest.raises(ConfigError, match="durability must be one of event, step, end"):
        Agent(ScriptedModel([]), store=store, durability="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="resume needs the store"):
        await Agent(ScriptedModel([])).resume("any")
    with pytest.raises(StoreError, match="No run 'ghost'"):
        await Agent(ScriptedModel([]), store=store).resume("ghost")
    assert await store.runs() == []  # nothing was written


async def test_events_of_concurrent_calls_are_all_on_record(store: Store) -> None:
    # Calls of one batch write their events while another write is on its way: none is lost.
    @tool(effect="read_only")
    async def slow(n: int) -> int:
        await asyncio.sleep(0.01 * (3 - n))
        return n

    batch = [call("slow", n=n) for n in range(3)]
    agent = Agent(checked([batch, "done"]), tools=[slow], store=store, durability="event")
    await agent.run("go", run_id="r-events")
    kinds = [e.kind for e in await store.events("r-events")]
    assert kinds.count("call_started") == 3 and kinds.count("call_finished") == 3
