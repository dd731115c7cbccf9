"""The oracle: a scripted model that answers every turn with its gold calls, then its gold answer.

Replaying the gold answers through the real runner, toolsets and scorers shows that a suite's
checks accept its own gold answers: an oracle run must score 100%. The oracle generates no
tokens, so it reports none (the scripted model's stand-in estimates would look measured).
"""

from __future__ import annotations

from dataclasses import replace

from agents.models.base import ModelRequest, ModelResponse, Usage
from agents.testing import ScriptedModel, ScriptItem, call
from evals.tasks import Task


def gold_script(task: Task) -> list[ScriptItem]:
    """The responses that replay `task`'s gold.

    Per turn: its calls (one a response, or all in one when `gold_parallel`), then its answer.
    """
    script: list[ScriptItem] = []
    for turn in task.turns:
        calls = [call(g.name, **g.arguments) for g in turn.gold]
        if turn.gold_parallel and calls:
            script.append(ModelResponse(tool_calls=calls, finish_reason="tool_calls"))
        else:
            script.extend(calls)
        script.append(turn.gold_answer)
    return script


class OracleModel(ScriptedModel):
    """A scripted model that reports no token usage."""

    async def request(self, request: ModelRequest) -> ModelResponse:
        return replace(await super().request(request), usage=Usage())


def oracle_model(task: Task) -> ScriptedModel:
    """A fresh scripted model for one trial of `task`."""
    return OracleModel(gold_script(task), name="oracle")
