"""A live entry's system prompt and earlier exchange reach the model before its question."""

from __future__ import annotations

from typing import Any

from agents.models.base import ModelSettings
from agents.testing import FunctionModel
from evals.bfcl.data import load_category
from evals.bfcl.suites import single_turn_task
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
