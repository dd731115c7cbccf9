"""What the model sees: system prompts, earlier exchanges, and functions withheld until their turn."""

from __future__ import annotations

from typing import Any

import pytest

from agents.models.base import ModelSettings
from agents.testing import FunctionModel
from evals.bfcl.data import load_category
from evals.bfcl.suites import multi_turn_task, single_turn_task
from evals.trial import TrialSetup, run_trial


async def test_the_model_sees_the_system_prompt_then_the_earlier_exchange_then_the_question() -> None:
    entry = next(e for e in load_category("live_irrelevance") if e.history and e.system)
    seen: list[Any] = []

    def answer(request: Any) -> str:
        seen.extend(request.messages)
        return "No function fits."

    record = await run_trial(
        single_turn_task(entry), 0, TrialSetup(model=FunctionModel(answer), settings=ModelSettings())
    )
    roles = [m.role for m in seen]
    texts = [getattr(m, "text", None) if m.role == "assistant" else m.content for m in seen]
    assert roles == ["system", *(role for role, _ in entry.history), "user"]
    assert texts == [entry.system, *(content for _, content in entry.history), entry.turns[0]]
    assert record.passed  # no call on an irrelevance entry
    assert len(record.turns) == 1 and record.turns[0].user == entry.turns[0]


async def test_a_withheld_function_is_declared_to_the_model_from_its_turn_on() -> None:
    entry = next(e for e in load_category("multi_turn_miss_func") if e.missed_functions)
    ((reveal, withheld),) = entry.missed_functions.items()
    names = {f["name"] for f in withheld}
    declared: list[set[str]] = []  # per request, the declared function names

    def answer(request: Any) -> str:
        declared.append({t["function"]["name"] for t in request.tools})
        return "Understood."

    setup = TrialSetup(model=FunctionModel(answer), settings=ModelSettings(), tool_mode="server")
    record = await run_trial(multi_turn_task(entry), 0, setup)
    assert len(declared) == len(entry.turns) == len(record.turns)  # one text answer per turn
    assert [bool(names & d) for d in declared] == [i >= reveal for i in range(len(entry.turns))]
    assert (
        record.turns[reveal].user == "I have updated some more functions you can choose from. What about now?"
    )


def test_a_history_message_must_be_a_user_or_assistant_text() -> None:
    from pydantic import ValidationError

    from evals.tasks import Task

    Task.single(id="t", prompt="q", history=[{"role": "assistant", "content": "a"}])
    with pytest.raises(ValidationError, match="expected"):
        Task.single(id="t", prompt="q", history=[{"role": "system", "content": "s"}])
