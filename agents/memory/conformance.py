"""The store's behaviour as a pytest suite, for any backend.

Use it for your own database: in a test module,

    from agents.memory.conformance import *  # noqa: F403

    @pytest_asyncio.fixture(loop_scope="function")
    async def store() -> AsyncIterator[Store]:   # a fresh, empty store per test
        s = await Store.open("postgresql://...")
        yield s
        await s.aclose()

Tests are async (pytest-asyncio) and take only the `store` fixture.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.memory import (
    Approve,
    Deny,
    Edit,
    RunConflict,
    RunRecord,
    RunWrite,
    SessionConflict,
    Store,
    StoreError,
)
from agents.memory._repair import INTERRUPTED
from agents.memory.records import decision_from_json
from agents.messages import (
    AssistantMessage,
    AudioPart,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolResultMessage,
    UserMessage,
    user,
)
from tools import ToolCall

pytestmark = pytest.mark.asyncio


def _texts(messages: list[Message]) -> list[str]:
    return [m.text if isinstance(m, UserMessage) else "" for m in messages]


def _call(*ids: str) -> AssistantMessage:
    return AssistantMessage(tool_calls=[ToolCall(id=i, name=f"tool_{i}", arguments={"n": 1}) for i in ids])


def _result(call_id: str, content: str = "done") -> ToolResultMessage:
    return ToolResultMessage(call_id=call_id, name=f"tool_{call_id}", content=content)


async def _run(store: Store, run_id: str = "r1", session_id: str = "s1") -> RunRecord:
    record = RunRecord(
        id=run_id,
        session_id=session_id,
        agent="a",
        status="running",
        config={"model": "m"},
        checkpoint={"step": 0},
    )
    await store.create_run(record)
    return await store.run(run_id)


# sessions


async def test_append_numbers_messages_gaplessly(store: Store) -> None:
    assert await store.append("s", [user("1"), user("2")]) == 2
    assert await store.append("s", [user("3")]) == 3
    assert await store.append("s", []) == 3
    history = await store.history("s")
    assert (history.head, _texts(history.messages)) == (3, ["1", "2", "3"])
    later = await store.history("s", after=1)
    assert (later.head, _texts(later.messages)) == (3, ["2", "3"])


async def test_unknown_session_is_empty(store: Store) -> None:
    history = await store.history("nobody")
    assert (history.messages, history.head, history.repaired) == ([], 0, 0)
    assert await store.sessions() == []


async def test_system_messages_are_not_stored(store: Store) -> None:
    assert await store.append("s", [SystemMessage(content="be brief"), user("hi")]) == 1
    assert _texts((await store.history("s")).messages) == ["hi"]


async def test_a_batch_that_cannot_be_serialised_leaves_nothing(store: Store) -> None:
    await store.append("s", [user("kept")])
    bad = AssistantMessage(tool_calls=[ToolCall(id="c", name="f", arguments={"x": object()})])
    with pytest.raises(StoreError, match="cannot be stored"):
        await store.append("s", [user("lost"), bad])
    with pytest.raises(StoreError):
        await store.append("new", [user("lost"), bad])
    assert _texts((await store.history("s")).messages) == ["kept"]
    assert [s.id for s in await store.sessions()] == ["s"]


async def test_expected_head_conflict_leaves_nothing(store: Store) -> None:
    assert await store.append("s", [user("a")], expected_head=0) == 1
    with pytest.raises(SessionConflict) as info:
        await store.append("s", [user("b"), user("c")], expected_head=0)
    assert (info.value.expected, info.value.actual) == (0, 1)
    with pytest.raises(SessionConflict):
        await store.append("fresh", [user("x")], expected_head=5)
    assert [s.id for s in await store.sessions()] == ["s"]
    assert await store.append("s", [user("b")], expected_head=1) == 2
    assert _texts((await store.history("s")).messages) == ["a", "b"]


async def test_order_is_seq_even_with_identical_timestamps(store: Store) -> None:
    # A batch shares one timestamp; only seq can order it.
    texts = [f"m{i}" for i in range(60)]
    await store.append("s", [user(t) for t in texts])
    assert _texts((await store.history("s")).messages) == texts


async def test_concurrent_first_writes_all_land(store: Store) -> None:
    n = 16
    heads = await asyncio.gather(*(store.append("new", [user(f"{i}a"), user(f"{i}b")]) for i in range(n)))
    assert sorted(heads) == list(range(2, 2 * n + 1, 2))
    history = await store.history("new")
    assert history.head == 2 * n
    got = _texts(history.messages)
    # each batch is contiguous, in the order its head says
    by_head = sorted(range(n), key=lambda i: heads[i])
    assert got == [t for i in by_head for t in (f"{i}a", f"{i}b")]


async def test_racing_writers_with_the_same_expected_head_one_wins(store: Store) -> None:
    results = await asyncio.gather(
        *(store.append("s", [user(str(i))], expected_head=0) for i in range(4)), return_exceptions=True
    )
    assert sum(r == 1 for r in results) == 1
    assert sum(isinstance(r, SessionConflict) for r in results) == 3
    assert (await store.history("s")).head == 1


async def test_every_message_type_round_trips(store: Store) -> None:
    raw = bytes(range(256))
    messages: list[Message] = [
        user("plain text ünïcode"),
        UserMessage(
            content=[
                TextPart(text="look"),
                ImagePart(data=raw, media_type="image/jpeg"),
                ImagePart(url="https://example.com/a.png"),
                AudioPart(data=raw[::-1], format="mp3"),
            ]
        ),
        AssistantMessage(
            text="thinking done",
            reasoning="because",
            tool_calls=[
                ToolCall(id="c1", name="f", arguments={"a": [1, 2.5, None, True], "b": {"c": "d"}}),
                ToolCall(id="c2", name="g", arguments='{"raw": "json text"}'),
            ],
        ),
        ToolResultMessage(call_id="c1", name="f", content="ok"),
        ToolResultMessage(call_id="c2", name="g", content="bad", status="error"),
        AssistantMessage(text="answer"),
    ]
    await store.append("s", messages)
    back = (await store.history("s", repair=False)).messages
    assert back == messages
    image = back[1]
    assert isinstance(image, UserMessage) and isinstance(image.content, list)
    assert isinstance(image.content[1], ImagePart) and image.content[1].data == raw


# repair


async def test_repair_gives_an_orphaned_call_the_interrupted_result_in_place(store: Store) -> None:
    await store.append("s", [user("go"), _call("c1", "c2", "c3"), _result("c2")])
    history = await store.history("s")
    assert history.repaired == 2
    ids = [m.call_id for m in history.messages if isinstance(m, ToolResultMessage)]
    assert ids == ["c2", "c1", "c3"]  # stored result first, then the missing ones in call order
    synthesized = history.messages[-1]
    assert isinstance(synthesized, ToolResultMessage)
    assert (synthesized.status, synthesized.content, synthesized.name) == ("error", INTERRUPTED, "tool_c3")
    raw = await store.history("s", repair=False)
    assert (len(raw.messages), raw.repaired) == (3, 0)


async def test_history_after_a_seq_keeps_results_of_earlier_calls(store: Store) -> None:
    await store.append("s", [user("go"), _call("c1", "c2"), _result("c1"), _result("c2"), _call("c3")])
    later = await store.history("s", after=3)
    assert [getattr(m, "call_id", m.role) for m in later.messages] == ["c2", "assistant", "c3"]
    assert later.repaired == 1


async def test_repair_puts_results_before_the_next_turn_and_drops_stray_results(store: Store) -> None:
    await store.append("s", [user("go"), _call("c1"), user("again"), _result("c1"), _result("zz")])
    history = await store.history("s")
    roles = [m.role for m in history.messages]
    assert roles == ["user", "assistant", "tool", "user"]
    assert history.repaired == 1
    assert history.head == 5  # repair never changes what is stored


# sessions: list, meta, delete


async def test_sessions_and_meta(store: Store) -> None:
    await store.append("a", [user("1")])
    await store.set_meta("b", {"title": "B", "n": [1, 2]})
    assert await store.get_meta("b") == {"title": "B", "n": [1, 2]}
    assert await store.get_meta("a") == {}
    assert await store.get_meta("none") == {}
    infos = {s.id: s for s in await store.sessions()}
    assert set(infos) == {"a", "b"}
    assert (infos["a"].head, infos["b"].head, infos["b"].meta) == (1, 0, {"title": "B", "n": [1, 2]})
    assert infos["a"].created_at.tzinfo is not None
    assert len(await store.sessions(limit=1)) == 1
    assert len(await store.sessions(limit=10, offset=1)) == 1


async def test_delete_session_removes_messages_and_runs(store: Store) -> None:
    await store.append("s", [user("1")])
    await store.append("other", [user("kept")])
    run = await _run(store, session_id="s")
    await store.commit(RunWrite(run.id, 0, events=[("started", {})]))
    assert await store.delete_session("s") is True
    assert await store.delete_session("s") is False
    assert (await store.history("s")).head == 0
    assert await store.runs(session_id="s") == []
    assert await store.events(run.id) == []
    assert _texts((await store.history("other")).messages) == ["kept"]
    assert await store.append("s", [user("again")]) == 1


# runs


async def test_create_and_read_runs(store: Store) -> None:
    run = await _run(store)
    assert (run.version, run.status, run.config, run.checkpoint, run.output) == (
        0,
        "running",
        {"model": "m"},
        {"step": 0},
        None,
    )
    with pytest.raises(RunConflict):
        await store.create_run(run)
    with pytest.raises(StoreError, match="No run"):
        await store.run("missing")
    with pytest.raises(KeyError):
        await store.run("missing")
    await _run(store, "r2", "s2")
    assert {r.id for r in await store.runs()} == {"r1", "r2"}
    assert [r.id for r in await store.runs(session_id="s2")] == ["r2"]
    assert await store.runs(status="finished") == []


async def test_commit_writes_messages_events_and_fields_together(store: Store) -> None:
    run = await _run(store)
    w = RunWrite(
        run.id,
        0,
        messages=[user("q"), AssistantMessage(text="a")],
        expected_head=0,
        events=[("started", {"x": 1}), ("response", {"n": 2})],
        checkpoint={"step": 1},
    )
    first = await store.commit(w)
    assert (first.version, first.head) == (1, 2)
    assert (await store.commit(RunWrite(run.id, 1))).version == 2
    run = await store.run(run.id)
    assert (run.version, run.checkpoint) == (2, {"step": 1})
    assert [(e.seq, e.kind, e.data) for e in await store.events(run.id)] == [
        (1, "started", {"x": 1}),
        (2, "response", {"n": 2}),
    ]
    assert [e.seq for e in await store.events(run.id, after=1)] == [2]
    done = await store.commit(
        RunWrite(run.id, 2, status="finished", output={"answer": 42}, events=[("finished", {})])
    )
    assert (done.version, done.head) == (3, 2)
    run = await store.run(run.id)
    assert (run.status, run.output, run.error) == ("finished", {"answer": 42}, None)
    assert [r.id for r in await store.runs(status="finished")] == [run.id]
    history = await store.history("s1")
    assert _texts(history.messages)[0] == "q" and history.head == 2


async def test_commit_is_atomic_when_the_session_moved(store: Store) -> None:
    run = await _run(store)
    await store.append("s1", [user("someone else")])
    w = RunWrite(
        run.id,
        0,
        messages=[user("mine")],
        expected_head=0,
        events=[("response", {})],
        checkpoint={"step": 1},
        status="failed",
    )
    with pytest.raises(SessionConflict):
        await store.commit(w)
    after = await store.run(run.id)
    assert (after.version, after.checkpoint, after.status) == (0, {"step": 0}, "running")
    assert await store.events(run.id) == []
    assert _texts((await store.history("s1")).messages) == ["someone else"]


async def test_a_cancelled_run_never_overwrites_a_newer_checkpoint(store: Store) -> None:
    run = await _run(store)
    # Two workers hold version 0; the resumed one commits first, the cancelled one is stale.
    newer = await store.commit(RunWrite(run.id, 0, checkpoint={"step": 2}, events=[("resumed", {})]))
    with pytest.raises(RunConflict) as info:
        await store.commit(
            RunWrite(run.id, 0, checkpoint={"step": 1}, messages=[user("stale")], events=[("response", {})])
        )
    assert (info.value.expected, info.value.actual) == (0, newer.version)
    after = await store.run(run.id)
    assert (after.version, after.checkpoint) == (newer.version, {"step": 2})
    assert [e.kind for e in await store.events(run.id)] == ["resumed"]
    assert (await store.history("s1")).head == 0


async def test_racing_commits_one_wins(store: Store) -> None:
    run = await _run(store)
    results = await asyncio.gather(
        *(store.commit(RunWrite(run.id, 0, events=[("step", {"i": i})])) for i in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, RunConflict) for r in results) == 3
    assert [e.seq for e in await store.events(run.id)] == [1]


async def test_a_first_commit_creates_the_run_in_the_same_transaction(store: Store) -> None:
    record = RunRecord(id="new", session_id="s1", agent="a", status="running", config={}, checkpoint={})
    done = await store.commit(
        RunWrite("new", 0, messages=[user("q")], expected_head=0, events=[("started", {})], create=record)
    )
    assert done.version == 1 and (await store.run("new")).status == "running"
    await store.append("s1", [user("someone else")])
    again = RunRecord(id="other", session_id="s1", agent="a", status="running", config={}, checkpoint={})
    with pytest.raises(SessionConflict):  # the session moved: the run is not created either
        await store.commit(RunWrite("other", 0, messages=[user("x")], expected_head=1, create=again))
    with pytest.raises(StoreError, match="No run"):
        await store.run("other")
    with pytest.raises(RunConflict):  # an id that is taken
        await store.commit(RunWrite("new", 0, create=record))
    assert (await store.run("new")).version == 1


async def test_commit_to_an_unknown_run(store: Store) -> None:
    with pytest.raises(StoreError, match="No run"):
        await store.commit(RunWrite("ghost", 0, messages=[user("x")]))
    assert await store.sessions() == []


async def _waiting(store: Store, pending: list[Any]) -> RunRecord:
    run = await _run(store)
    await store.commit(RunWrite(run.id, 0, status="waiting", events=[("waiting", {"pending": pending})]))
    return await store.run(run.id)


async def test_decide_records_a_decision_per_pending_call(store: Store) -> None:
    run = await _waiting(store, [{"call_id": "c1", "name": "f"}, {"call_id": "c2"}, "c3"])
    await store.decide(run.id, "c1", Approve())
    await store.decide(run.id, "c2", Edit(arguments={"x": 2}))
    await store.decide(run.id, "c3", Deny(reason="too risky"))
    decisions = [e.data for e in await store.events(run.id) if e.kind == "decision"]
    assert [d["call_id"] for d in decisions] == ["c1", "c2", "c3"]
    assert [decision_from_json(d["decision"]) for d in decisions] == [
        Approve(),
        Edit(arguments={"x": 2}),
        Deny(reason="too risky"),
    ]
    assert (await store.run(run.id)).version == run.version  # decisions do not move the run's version


async def test_decide_refuses_what_it_cannot_decide(store: Store) -> None:
    with pytest.raises(StoreError, match="No run"):
        await store.decide("ghost", "c1", Approve())
    running = await _run(store, "r0")
    with pytest.raises(StoreError, match="not waiting"):
        await store.decide(running.id, "c1", Approve())
    run = await _waiting(store, [{"call_id": "c1"}])
    with pytest.raises(StoreError, match="not pending"):
        await store.decide(run.id, "c9", Approve())
    await store.decide(run.id, "c1", Deny())
    with pytest.raises(StoreError, match="already decided"):
        await store.decide(run.id, "c1", Approve())
    # a new wait on the same call id takes a new decision
    await store.commit(
        RunWrite(run.id, run.version, events=[("resumed", {}), ("waiting", {"pending": ["c1"]})])
    )
    await store.decide(run.id, "c1", Approve())
