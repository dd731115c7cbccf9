"""The oracle: a scripted model that answers every turn with its gold calls, then its gold answer.

Under the plan strategy (`--strategy plan`) each turn's gold calls come as one plan instead: a
step per call, each depending on the one before (the gold order, which a stateful environment
may need), or all independent when the turn's gold is parallel; then the gold answer.

Replaying the gold answers through the real runner, toolsets and scorers shows that a suite's
checks accept its own gold answers: an oracle run must score 100%. The oracle generates no
tokens, so it reports none (the scripted model's stand-in estimates would look measured).
"""

from __future__ import annotations

import json
from dataclasses import replace

from agents.models.base import ModelRequest, ModelResponse, Usage
from agents.testing import ScriptedModel, ScriptItem, call
from evals.strategy import Strategy, as_answer
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


def gold_plan_script(task: Task) -> list[ScriptItem]:
    """The responses that replay `task`'s gold under the plan strategy: per turn, a plan, then its answer.

    A turn without gold calls gets a plan of no steps (the planner is asked for a plan first).
    """
    script: list[ScriptItem] = []
    for turn in task.turns:
        steps = [
            {
                "id": f"s{i}",
                "tool": g.name,
                "args": g.arguments,
                "deps": [] if turn.gold_parallel or i == 1 else [f"s{i - 1}"],
            }
            for i, g in enumerate(turn.gold, 1)
        ]
        script += [json.dumps({"steps": steps}), turn.gold_answer]
    return script


class OracleModel(ScriptedModel):
    """A scripted model that reports no token usage, and gives a plan runner's joiner its answer
    as `{"finish": answer}` (`evals.strategy.as_answer`)."""

    async def request(self, request: ModelRequest) -> ModelResponse:
        response = await super().request(request)
        if response.text and not response.tool_calls and not response.text.startswith('{"steps"'):
            response = replace(response, text=as_answer(request, response.text))
        return replace(response, usage=Usage())


def oracle_model(task: Task, strategy: Strategy = "react") -> ScriptedModel:
    """A fresh scripted model for one trial of `task` under `strategy`."""
    script = gold_plan_script(task) if strategy == "plan" else gold_script(task)
    return OracleModel(script, name="oracle")
