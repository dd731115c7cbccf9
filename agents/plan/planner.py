"""`Planner`: how an agent plans, when it is given one (`Agent(..., planner=Planner())`)."""

from __future__ import annotations

from dataclasses import dataclass

from agents.errors import ConfigError

INSTRUCTIONS = (
    'Plan before you act: write the plan as JSON, steps that each call a tool ({"id": "s1", "tool": ..., '
    '"args": {...}}) or pursue a sub-goal that needs several calls ({"id": "s2", "goal": "..."}). '
    'Where an argument is an earlier step\'s result, write {"$ref": "s1"} or {"$ref": "s1.field"}. '
    "Independent steps run at the same time. You then get the results."
)


@dataclass(frozen=True)
class Planner:
    """Run the agent as plan-and-execute instead of call-by-call.

    The model writes a plan (a DAG of tool calls, constrained to the toolset's schemas by the
    server); each step runs as soon as its part of the plan has streamed in and its dependencies
    are done, with references to earlier results resolved by the executor, not by the model. Then
    one request, the joiner, answers under the agent's output type or asks for a revised plan.
    Steps that failed bring a revised plan at once, without the joiner. A revised plan keeps the
    steps that are done, with their results. Both kinds of revision count against `max_replans`;
    once none are left, the joiner must answer from what it has.

    A sub-goal step (`{"id": "s3", "goal": "..."}`) runs as a tool loop of its own (the agent's
    tools and instructions, the task, the plan and its dependencies' results in context), with at
    most `max_goal_tool_calls` tool calls. `max_steps` bounds one plan. The run's `UsageLimits`
    hold across all of it; a limit reached raises `PlanLimitExceeded`, which carries the plan as
    far as it got. `instructions` are added to the agent's own in the system message.
    """

    max_steps: int = 16
    max_replans: int = 1
    max_goal_tool_calls: int = 8
    instructions: str = INSTRUCTIONS

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.max_replans < 0 or self.max_goal_tool_calls < 1:
            raise ConfigError(
                "Planner needs max_steps >= 1, max_replans >= 0 and max_goal_tool_calls >= 1, not "
                f"{self.max_steps}, {self.max_replans} and {self.max_goal_tool_calls}."
            )
