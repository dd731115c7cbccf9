"""A plan as data: steps that call a tool or pursue a sub-goal, wired by typed references.

A step's arguments may hold `{"$ref": "s1.items.0"}` anywhere, meaning "this value comes from
step s1's result, at path items.0". References are parsed into `Ref` objects when a step is
validated, so the executor resolves them by walking values, never by substituting text.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from agents.errors import AgentsError, UsageLimitExceeded

if TYPE_CHECKING:
    from tools import Toolset

STEP_ID_PATTERN = r"^s[0-9]{1,4}$"
REF_PATTERN = r"^s[0-9]{1,4}(\.[A-Za-z0-9_-]{1,64}){0,8}$"
"""A reference: a step id, then an optional dotted path into its result ("result." may lead it).
Path segments are keys or list indices made of letters, digits, `_` and `-` (so `-1` is the last
item); a narrow alphabet keeps the pattern cheap for a constrained decoder and free of quotes, and
its bounds end a reference that a small model would otherwise write until max_tokens."""

StepStatus = Literal["pending", "running", "done", "failed", "skipped"]


class PlanError(AgentsError):
    """A plan (or a step of one) that does not follow the plan format."""


class PlanLimitExceeded(UsageLimitExceeded):
    """A plan-and-execute run hit a limit: one of the run's `UsageLimits`, or the planner's
    `max_steps` for one plan. `.plan` holds the plan as far as it got, each step with its status
    and its result or error; `.trace` holds the run, as for any `UsageLimitExceeded`."""

    def __init__(self, limit: str, value: float, maximum: float, plan: Plan) -> None:
        super().__init__(limit, value, maximum)
        self.plan = plan
        done = sum(1 for s in plan.steps if s.status == "done")
        where = f"The plan (revision {plan.revision}) had {done} of {len(plan.steps)} steps done"
        self.args = (f"{self.args[0]} {where}: see the error's .plan.",)


class Ref(BaseModel):
    """A reference to an earlier step's output: `{"$ref": "s1"}` or `{"$ref": "s1.result.path.0"}`.

    `step` is the step id; `path` the keys (or list indices, as digits) into that step's result.
    A leading "result" segment is optional sugar: `s1.rows.0` == `s1.result.rows.0`.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    ref: str = Field(alias="$ref", pattern=REF_PATTERN)

    @classmethod
    def parse(cls, text: str) -> Ref:
        """The reference written as `text` (`"s1.path"`); raises `PlanError` when malformed."""
        try:
            return cls.model_validate({"$ref": text})
        except ValidationError:
            raise PlanError(_bad_ref(text)) from None

    @property
    def step(self) -> str:
        """The id of the step referred to."""
        return self.ref.split(".", 1)[0]

    @property
    def path(self) -> tuple[str, ...]:
        """The path into the step's result, without the optional leading "result"."""
        parts = tuple(self.ref.split(".")[1:])
        return parts[1:] if parts[:1] == ("result",) else parts

    @model_serializer
    def _dump(self) -> dict[str, str]:
        return {"$ref": self.ref}


class Step(BaseModel):
    """One step of a plan: a tool call (`tool` + `args`) or a sub-goal (`goal`), never both.

    `deps` lists explicit dependencies; every `Ref` in `args` adds its step as an implicit one
    (`needs` has both). `status`, `result` and `error` are filled in by the executor and are not
    part of what a planner writes.
    """

    id: str = Field(pattern=STEP_ID_PATTERN)
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    goal: str | None = None
    deps: list[str] = Field(default_factory=list)
    status: SkipJsonSchema[StepStatus] = "pending"
    result: SkipJsonSchema[Any] = None
    error: SkipJsonSchema[str | None] = None

    @field_validator("args", mode="before")
    @classmethod
    def _parse_refs(cls, value: Any) -> Any:
        try:
            return _with_refs(value) if isinstance(value, dict) else value
        except PlanError as e:  # a ValueError, so that it reads as one of the step's problems
            raise ValueError(str(e)) from None

    @field_validator("deps")
    @classmethod
    def _check_deps(cls, value: list[str]) -> list[str]:
        for dep in value:
            if dep[:1] != "s" or not dep[1:].isdigit():
                raise ValueError(f"dependency {dep!r} is not a step id like 's1'")
        return value

    @model_validator(mode="after")
    def _tool_or_goal(self) -> Step:
        if (self.tool is None) == (self.goal is None):
            raise ValueError(
                f"step {self.id} must have exactly one of 'tool' (a tool call) or 'goal' (a sub-goal)"
            )
        return self

    def refs(self) -> list[Ref]:
        """Every reference in this step's arguments, in the order they appear."""
        return list(_walk_refs(self.args))

    @property
    def needs(self) -> list[str]:
        """The ids this step waits for: explicit `deps`, then the steps its refs name (no repeats)."""
        return list(dict.fromkeys([*self.deps, *(r.step for r in self.refs())]))


class Plan(BaseModel):
    """The steps of a plan, in the order the planner wrote them."""

    steps: list[Step] = Field(default_factory=list)
    revision: int = 0

    def step(self, step_id: str) -> Step | None:
        """The step with this id, or None."""
        return next((s for s in self.steps if s.id == step_id), None)

    def check(self, toolset: Toolset | None = None) -> list[str]:
        """The plan's problems, one sentence each (empty when it is sound).

        Duplicate ids, dependencies or refs on unknown ids, on the step itself or on a later step
        (which is how every cycle shows up, since steps run in the order they may be written),
        and, given a toolset, tools it does not have.
        """
        problems: list[str] = []
        position: dict[str, int] = {}
        for i, s in enumerate(self.steps):
            if s.id in position:
                problems.append(f"step id {s.id} is used twice (steps {position[s.id] + 1} and {i + 1})")
            else:
                position[s.id] = i
        for i, s in enumerate(self.steps):
            for need in s.needs:
                if need not in position:
                    problems.append(f"step {s.id} depends on unknown step {need}")
                elif need == s.id:
                    problems.append(f"step {s.id} depends on itself")
                elif position[need] > i:
                    problems.append(
                        f"step {s.id} depends on {need}, which comes later: a step may only "
                        "depend on earlier steps (a later one can form a cycle)"
                    )
            if toolset is not None and s.tool is not None and s.tool not in toolset:
                problems.append(
                    f"step {s.id} calls unknown tool {s.tool!r}; tools: {', '.join(toolset.names)}"
                )
        return problems


def _with_refs(value: Any) -> Any:
    """`value` with every `{"$ref": str}` object turned into a `Ref`."""
    if isinstance(value, dict):
        if set(value) == {"$ref"}:
            return Ref.parse(value["$ref"])
        return {k: _with_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_refs(v) for v in value]
    return value


def _walk_refs(value: Any) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk_refs(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk_refs(v)


def _bad_ref(text: object) -> str:
    return (
        f"Malformed reference {text!r}: expected a step id then an optional dotted path, "
        "like 's1' or 's1.items.0' (write {\"$ref\": \"s1.items.0\"})."
    )
