"""`Planner`: how an agent plans, when it is given one (`Agent(..., planner=Planner())`)."""

from __future__ import annotations

from dataclasses import dataclass

from agents.errors import ConfigError

INSTRUCTIONS = (
    "Plan before you act. Write the whole plan as JSON: a list of steps, each a call to one of your "
    'tools with its arguments. Where an argument is the result of an earlier step, write {"$ref": '
    '"s1"} (or a field of it: {"$ref": "s1.field.0"}) instead of guessing the value; steps that do not '
    "depend on each other run at the same time. After the steps have run you get their results and "
    "answer the task; if a step failed you may write a revised plan instead."
)


@dataclass(frozen=True)
class Planner:
    """Run the agent as plan-and-execute instead of call-by-call.

    The model writes a plan (a DAG of tool calls, constrained to the toolset's schemas by the
    server); each step runs as soon as its part of the plan has streamed in and its dependencies
    are done, with references to earlier results resolved by the executor, not by the model. Then
    one request answers under the agent's output type, or, when steps failed, writes a revised
    plan (at most `max_replans` times). `max_steps` bounds one plan. `instructions` are added to
    the agent's own, once, at the start of the system message's text.
    """

    max_steps: int = 16
    max_replans: int = 1
    instructions: str = INSTRUCTIONS

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.max_replans < 0:
            raise ConfigError(
                "Planner needs max_steps >= 1 and max_replans >= 0, "
                f"not {self.max_steps} and {self.max_replans}."
            )
