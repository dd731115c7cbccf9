"""History policies: turn boundaries, token budgets, cached summaries, and /tokenize counting."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from agents.errors import ConfigError
from agents.memory import HistoryPolicy, LastTurns, PolicyContext, Summarize, TokenBudget
from agents.memory._turns import split_turns
from agents.memory.history import SUMMARY_PREFIX, estimate_tokens
from agents.messages import (
    AssistantMessage,
    ImagePart,
    Message,
    TextPart,
    ToolResultMessage,
    UserMessage,
)
from agents.models import OpenAIChatModel
from agents.models.base import ModelRequest
from agents.testing import FunctionModel
from tools import ToolCall


class DictMeta:
    """A MetaStore in a dict, counting writes."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}
        self.writes = 0

    async def get_meta(self, session_id: str) -> dict[str, Any]:
        return dict(self.data.get(session_id, {}))

    async def set_meta(self, session_id: str, meta: dict[str, Any]) -> None:
        self.writes += 1
        self.data[session_id] = json.loads(json.dumps(meta))  # JSON only, as a store keeps it


def turn(i: int, *, calls: int = 0, answer: str | None = None) -> list[Message]:
    """User message `u{i}`, `calls` tool calls with results, then the answer `a{i}`."""
    out: list[Message] = [UserMessage(content=f"u{i}")]
    if calls:
        ids = [f"c{i}_{k}" for k in range(calls)]
        out.append(
            AssistantMessage(tool_calls=[ToolCall(id=c, name="look", arguments={"k": c}) for c in ids])
        )
        out += [ToolResultMessage(call_id=c, name="look", content=f"result {c}") for c in ids]
    out.append(AssistantMessage(text=answer or f"a{i}"))
    return out


def history(n: int, **kwargs: Any) -> list[Message]:
    return [m for i in range(1, n + 1) for m in turn(i, **kwargs)]


def texts(messages: Sequence[Message]) -> list[str]:
    return [
        m.text if isinstance(m, UserMessage | AssistantMessage) else f"tool:{m.call_id}" for m in messages
    ]  # type: ignore[union-attr]


def echo_model(**kwargs: Any) -> FunctionModel:
    return FunctionModel(lambda r: "ok", **kwargs)


def ctx(model: Any = None, meta: DictMeta | None = None, head: int = 0) -> PolicyContext:
    return PolicyContext(model=model or echo_model(), session_id="s1", meta=meta, head=head)


def test_policies_are_history_policies() -> None:
    for policy in (LastTurns(2), TokenBudget(100), Summarize()):
        assert isinstance(policy, HistoryPolicy)


def test_turns_keep_calls_with_their_results() -> None:
    h = history(3, calls=2)
    turns = split_turns(h)
    assert [len(t) for t in turns] == [5, 5, 5]
    assert all(isinstance(t[0], UserMessage) for t in turns)


def test_a_user_message_between_a_call_and_its_result_stays_in_the_turn() -> None:
    call = AssistantMessage(tool_calls=[ToolCall(id="x", name="look", arguments={})])
    h: list[Message] = [
        UserMessage(content="u1"),
        call,
        UserMessage(content="still waiting?"),
        ToolResultMessage(call_id="x", name="look", content="r"),
        AssistantMessage(text="a1"),
        UserMessage(content="u2"),
    ]
    assert [len(t) for t in split_turns(h)] == [5, 1]


async def test_last_turns_cuts_at_a_user_message() -> None:
    h = history(5, calls=1)
    kept = await LastTurns(2).apply(h, ctx())
    assert kept == h[-8:]
    assert isinstance(kept[0], UserMessage) and kept[0].text == "u4"
    assert await LastTurns(5).apply(h, ctx()) is h  # nothing to cut: unchanged


async def test_a_history_that_starts_mid_turn_drops_that_part_first() -> None:
    h = [ToolResultMessage(call_id="old", name="look", content="r"), AssistantMessage(text="a0"), *history(2)]
    kept = await LastTurns(2).apply(h, ctx())
    assert texts(kept) == ["u1", "a1", "u2", "a2"]


def test_bad_arguments_say_what_is_expected() -> None:
    with pytest.raises(ConfigError, match="at least one turn"):
        LastTurns(0)
    with pytest.raises(ConfigError, match="at least 1"):
        TokenBudget(0)
    with pytest.raises(ConfigError, match="at least one turn"):
        Summarize(keep_last=0)


def test_estimate_counts_text_tool_calls_and_images() -> None:
    assert estimate_tokens([UserMessage(content="x" * 400)]) == 104
    image = UserMessage(content=[TextPart(text="y" * 40), ImagePart(url="http://i/x.png")])
    assert estimate_tokens([image]) == 4 + 10 + 256
    thought = AssistantMessage(text="z" * 40, reasoning="r" * 400)
    assert estimate_tokens([thought], with_reasoning=False) == 14
    assert estimate_tokens([thought]) == 114
    call = AssistantMessage(tool_calls=[ToolCall(id="c", name="look", arguments={"k": 1})])
    result = ToolResultMessage(call_id="c", name="look", content="r" * 40)
    assert estimate_tokens([call, result]) == (4 + 10 + 3) + (4 + 10 + 10)  # markup of call and result


async def test_token_budget_keeps_the_recent_turns_that_fit() -> None:
    h = history(6)  # each turn: 2 messages of 2 characters = 8 estimated tokens
    assert texts(await TokenBudget(25).apply(h, ctx())) == ["u4", "a4", "u5", "a5", "u6", "a6"]
    assert await TokenBudget(48).apply(h, ctx()) is h


async def test_token_budget_always_keeps_the_newest_turn() -> None:
    h = [*history(2), UserMessage(content="x" * 4000), AssistantMessage(text="long")]
    kept = await TokenBudget(10).apply(h, ctx())
    assert len(kept) == 2 and isinstance(kept[0], UserMessage) and len(kept[0].text) == 4000


async def test_token_budget_counts_each_turn_once_across_runs() -> None:
    counted: list[int] = []

    async def counter(messages: Sequence[Message]) -> int:
        counted.append(len(messages))
        return 10

    policy = TokenBudget(35, counter=counter)
    h = history(8, calls=1)
    assert len(await policy.apply(h, ctx())) == 3 * 4
    assert len(counted) == 4  # three that fit, the one that did not; older turns never counted
    h += turn(9, calls=1)
    assert len(await policy.apply(h, ctx())) == 3 * 4
    assert len(counted) == 5  # only the new turn


async def test_token_budget_takes_a_sync_counter() -> None:
    kept = await TokenBudget(3, counter=lambda messages: len(messages)).apply(history(3), ctx())
    assert texts(kept) == ["u3", "a3"]


async def test_token_budget_uses_the_models_count_tokens() -> None:
    class Counting(FunctionModel):
        def __init__(self) -> None:
            super().__init__(lambda r: "ok")
            self.calls = 0

        async def count_tokens(self, messages: Sequence[Message]) -> int | None:
            self.calls += 1
            return 100 * len(messages)

    model = Counting()
    kept = await TokenBudget(450).apply(history(4), ctx(model))
    assert texts(kept) == ["u3", "a3", "u4", "a4"]
    assert model.calls == 3


# --- Summarize ------------------------------------------------------------------------------


class Summariser:
    """A FunctionModel body that writes "S<n>" and records what it was shown."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def __call__(self, request: ModelRequest) -> str:
        assert not request.tools
        last = request.messages[-1]
        assert isinstance(last, UserMessage)
        self.prompts.append(last.text)
        return f"S{len(self.prompts)}"


async def test_summarize_merges_the_summary_into_the_first_kept_user_message() -> None:
    s = Summariser()
    model = FunctionModel(s)
    kept = await Summarize(keep_last=2).apply(history(5, calls=1), ctx(model))
    first = kept[0]
    assert isinstance(first, UserMessage) and first.text == f"{SUMMARY_PREFIX}S1\n\nu4"
    assert [m.role for m in kept[:2]] == ["user", "assistant"]  # roles still alternate
    assert len(kept) == 2 * 4
    assert "u1" in s.prompts[0] and "u3" in s.prompts[0] and "u4" not in s.prompts[0]
    assert model.requests[0].settings.max_tokens == 256


async def test_summarize_uses_its_own_model_when_given() -> None:
    s = Summariser()
    run_model = FunctionModel(lambda r: pytest.fail("the run's model must not summarise"))
    await Summarize(keep_last=1, model=FunctionModel(s)).apply(history(3), ctx(run_model))
    assert len(s.prompts) == 1


async def test_summary_is_cached_and_extended_only_when_turns_fall_out() -> None:
    s, meta = Summariser(), DictMeta()
    policy = Summarize(keep_last=2)
    model = FunctionModel(s)
    h = history(4)
    await policy.apply(h, ctx(model, meta))
    await policy.apply(h, ctx(model, meta))  # nothing new fell out: no request
    assert len(s.prompts) == 1 and meta.data["s1"]["summary"]["text"] == "S1"
    assert meta.data["s1"]["summary"]["upto"] == 4

    h += turn(5)
    kept = await policy.apply(h, ctx(model, meta))
    assert len(s.prompts) == 2
    assert "The summary so far:\nS1" in s.prompts[1]
    assert "u3" in s.prompts[1] and "u1" not in s.prompts[1]  # only the newly dropped turn
    assert isinstance(kept[0], UserMessage) and kept[0].text.startswith(f"{SUMMARY_PREFIX}S2")


async def test_a_summary_of_another_history_is_not_reused() -> None:
    s, meta = Summariser(), DictMeta()
    await Summarize(keep_last=1).apply(history(3), ctx(FunctionModel(s), meta))
    other = [*history(1, answer="something else"), *history(3)[2:]]
    await Summarize(keep_last=1).apply(other, ctx(FunctionModel(s), meta))
    assert len(s.prompts) == 2 and "summary so far" not in s.prompts[1]


async def test_summarize_without_a_meta_store_summarises_every_time() -> None:
    s = Summariser()
    model = FunctionModel(s)
    for _ in range(2):
        await Summarize(keep_last=2).apply(history(4), ctx(model))
    assert len(s.prompts) == 2


async def test_summarize_keeps_other_meta_keys() -> None:
    meta = DictMeta()
    meta.data["s1"] = {"title": "kept"}
    await Summarize(keep_last=1).apply(history(2), ctx(FunctionModel(Summariser()), meta))
    assert meta.data["s1"]["title"] == "kept" and "summary" in meta.data["s1"]


async def test_no_thoughts_or_images_reach_the_summariser() -> None:
    s = Summariser()
    h: list[Message] = [
        UserMessage(content=[TextPart(text="look at this"), ImagePart(data=b"\x89PNGsecret-bytes")]),
        AssistantMessage(
            text="a1", reasoning="SECRET THOUGHT", tool_calls=[ToolCall(id="c", name="f", arguments={})]
        ),
        ToolResultMessage(call_id="c", name="f", content="R" * 2000),
        AssistantMessage(text="done"),
        *history(1),
    ]
    await Summarize(keep_last=1).apply(h, ctx(FunctionModel(s)))
    prompt = s.prompts[0]
    assert "SECRET" not in prompt and "[image]" in prompt and "look at this" in prompt
    assert "R" * 500 in prompt and "R" * 501 not in prompt  # tool results are cut


async def test_image_bytes_do_not_stop_counting_or_caching() -> None:
    png = UserMessage(content=[TextPart(text="see"), ImagePart(data=b"\x89PNG\r\n\x1a\n\xff\xfe")])
    h: list[Message] = [png, AssistantMessage(text="a0"), *history(2)]
    assert texts(await TokenBudget(20).apply(h, ctx())) == ["u1", "a1", "u2", "a2"]
    meta = DictMeta()
    await Summarize(keep_last=1).apply(h, ctx(FunctionModel(Summariser()), meta))
    assert meta.data["s1"]["summary"]["upto"] == 4


async def test_an_empty_summary_is_not_cached() -> None:
    meta = DictMeta()
    kept = await Summarize(keep_last=1).apply(history(3), ctx(FunctionModel(lambda r: ""), meta))
    assert texts(kept) == ["u3", "a3"] and meta.writes == 0


# --- count_tokens on the OpenAI client -------------------------------------------------------


async def test_count_tokens_posts_the_chat_messages_to_the_server_root() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"count": 42, "max_model_len": 8192, "tokens": [1] * 42})

    model = OpenAIChatModel("m", base_url="http://test:8000/v1", transport=httpx.MockTransport(handler))
    messages = [UserMessage(content="hi"), AssistantMessage(text="hello", reasoning="thinking")]
    assert await model.count_tokens(messages) == 42
    assert str(seen[0].url) == "http://test:8000/tokenize"
    body = json.loads(seen[0].content)
    assert body["model"] == "m" and body["add_generation_prompt"] is False
    assert body["messages"][0] == {"role": "user", "content": "hi"}
    assert body["messages"][1]["content"] == "hello"


async def test_count_tokens_returns_none_and_remembers_a_server_without_tokenize() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(404, json={"detail": "Not Found"})

    model = OpenAIChatModel("m", base_url="http://test", transport=httpx.MockTransport(handler))
    assert await model.count_tokens([UserMessage(content="hi")]) is None
    assert await model.count_tokens([UserMessage(content="hi")]) is None
    assert calls == 1
    # TokenBudget falls back to the estimate.
    kept = await TokenBudget(20).apply(history(4), ctx(model))
    assert texts(kept) == ["u3", "a3", "u4", "a4"] and calls == 1


async def test_count_tokens_error_status_is_not_remembered() -> None:
    statuses = [500, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        status = statuses.pop(0)
        return httpx.Response(status, json={"count": 7} if status == 200 else {"error": "busy"})

    model = OpenAIChatModel("m", base_url="http://test", transport=httpx.MockTransport(handler))
    assert await model.count_tokens([UserMessage(content="hi")]) is None
    assert await model.count_tokens([UserMessage(content="hi")]) == 7


def random_history(rng: random.Random) -> list[Message]:
    out: list[Message] = []
    for i in range(rng.randint(1, 8)):
        out.append(UserMessage(content=f"u{i} " + "x" * rng.randint(0, 60)))
        for step in range(rng.randint(0, 2)):
            ids = [f"c{i}_{step}_{k}" for k in range(rng.randint(1, 3))]
            out.append(AssistantMessage(tool_calls=[ToolCall(id=c, name="f", arguments={}) for c in ids]))
            if rng.random() < 0.2:
                out.append(UserMessage(content="interjection"))  # before the results: same turn
            out += [ToolResultMessage(call_id=c, name="f", content="r" * rng.randint(0, 80)) for c in ids]
        out.append(AssistantMessage(text=f"a{i}"))
    return out


@pytest.mark.parametrize("seed", range(40))
async def test_no_policy_separates_calls_from_results(seed: int) -> None:
    rng = random.Random(seed)
    h = random_history(rng)
    model = FunctionModel(lambda r: "summary")
    policies: list[HistoryPolicy] = [
        LastTurns(rng.randint(1, 4)),
        TokenBudget(rng.randint(1, 200)),
        Summarize(keep_last=rng.randint(1, 4)),
    ]
    for policy in policies:
        kept = await policy.apply(h, ctx(model))
        assert kept[1:] == h[len(h) - len(kept) + 1 :]  # a suffix (the first may carry the summary)
        assert isinstance(kept[0], UserMessage)
        calls = {c.id for m in kept if isinstance(m, AssistantMessage) for c in m.tool_calls}
        results = {m.call_id for m in kept if isinstance(m, ToolResultMessage)}
        assert calls == results, type(policy).__name__
