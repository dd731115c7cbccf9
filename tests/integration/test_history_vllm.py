"""Token counts from a real vLLM's /tokenize, and a token budget that holds by the server's count."""

from __future__ import annotations

from agents.memory import PolicyContext, TokenBudget
from agents.memory._turns import split_turns
from agents.messages import AssistantMessage, Message, ToolResultMessage, UserMessage
from agents.models import ModelRequest, ModelSettings, OpenAIChatModel
from tools import ToolCall


def conversation(n: int) -> list[Message]:
    out: list[Message] = []
    for i in range(n):
        call = ToolCall(id=f"c{i}", name="weather", arguments={"city": f"city {i}"})
        out += [
            UserMessage(content=f"Question {i}: what is the weather in city {i} today?"),
            AssistantMessage(tool_calls=[call], reasoning="I should call the tool."),
            ToolResultMessage(call_id=f"c{i}", name="weather", content=f"{10 + i} degrees, cloudy"),
            AssistantMessage(text=f"It is {10 + i} degrees and cloudy in city {i}."),
        ]
    return out


async def test_count_tokens_matches_the_prompt_the_server_sees(tiny_url: str) -> None:
    async with OpenAIChatModel("tiny", base_url=tiny_url) as model:
        messages = [*conversation(2), UserMessage(content="And tomorrow?")]
        counted = await model.count_tokens(messages)
        response = await model.request(ModelRequest(messages=messages, settings=ModelSettings(max_tokens=1)))
        assert counted is not None
        # The request's prompt also holds the generation prompt, a few tokens: nothing else differs.
        assert counted < response.usage.input_tokens <= counted + 8


async def test_per_turn_counts_add_up_to_about_the_whole(tiny_url: str) -> None:
    async with OpenAIChatModel("tiny", base_url=tiny_url) as model:
        history = conversation(10)
        whole = await model.count_tokens(history)
        per_turn = [await model.count_tokens(turn) for turn in split_turns(history)]
        assert whole is not None and None not in per_turn
        # Counted alone, a turn carries its own start token: the sum errs high, by little.
        assert whole <= sum(c for c in per_turn if c is not None) <= whole + 2 * len(per_turn)


async def test_token_budget_fits_by_the_servers_count(tiny_url: str) -> None:
    async with OpenAIChatModel("tiny", base_url=tiny_url) as model:
        history = conversation(20)
        kept = await TokenBudget(300).apply(history, PolicyContext(model=model, session_id="s"))
        assert 1 < len(split_turns(kept)) < 20 and isinstance(kept[0], UserMessage)
        counted = await model.count_tokens(kept)
        assert counted is not None and counted <= 300
