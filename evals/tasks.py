"""Tasks and suites: what to ask, in which environment, how to score it, and the gold answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evals.checks import Check


class GoldCall(BaseModel):
    """One call of a gold answer."""

    model_config = ConfigDict(extra="forbid")

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Turn(BaseModel):
    """One user turn; its checks run on that turn's calls and answer and the state after it.

    `gold` is the list of calls that answers the turn (replayed in order by the oracle, all
    in one response when `gold_parallel`), and `gold_answer` the final text after them.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    user: str
    checks: list[Check] = Field(default_factory=list)
    gold: list[GoldCall] = Field(default_factory=list)
    gold_answer: str = "Done."
    gold_parallel: bool = False


class EnvSpec(BaseModel):
    """The stateful tool environment of a task.

    `name` is a registered environment (`evals.envs.register_env`) or "package.module:Class".
    `state` is the initial state it is built from, afresh for every trial. `tools`, when
    given, exposes only these methods as tools.
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    state: dict[str, Any] = Field(default_factory=dict)
    tools: list[str] | None = None


class Task(BaseModel):
    """One eval task.

    A task runs its turns in order in one conversation against a fresh environment.
    `tools` holds raw OpenAI-style function declarations for tasks without an environment
    (calls to them are answered by a stub and scored on their arguments). `max_steps` bounds
    the model requests of each turn; `timeout_s` the whole trial. `single_response` asks the
    model once per turn and scores that response (BFCL's single-turn protocol): its calls
    are run, and the turn ends there without another request.

    A single-turn task may be written with `prompt` (and `gold`, `gold_answer`,
    `gold_parallel`) instead of `turns`: in data files directly, in Python through
    `Task.single(...)`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    id: str
    turns: list[Turn]
    env: EnvSpec | None = None
    tools: list[dict[str, Any]] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    max_steps: int = 10
    single_response: bool = False
    timeout_s: float | None = None
    tags: list[str] = Field(default_factory=list)
    instructions: str | None = None
    history: list[dict[str, str]] = Field(default_factory=list)
    """Chat messages before the first turn (`{"role": "user" | "assistant", "content": ...}`)."""
    metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _single_turn(cls, data: Any) -> Any:
        if isinstance(data, dict) and "prompt" in data:
            if "turns" in data:
                raise ValueError("give either `prompt` (one turn) or `turns`, not both")
            data = dict(data)
            turn = {"user": data.pop("prompt")}
            for key in ("gold", "gold_answer", "gold_parallel"):
                if key in data:
                    turn[key] = data.pop(key)
            data["turns"] = [turn]
        return data

    @model_validator(mode="after")
    def _sane(self) -> Task:
        if not self.turns:
            raise ValueError(f"task {self.id!r} has no turns")
        if self.max_steps < 1:
            raise ValueError(f"task {self.id!r}: max_steps must be at least 1")
        for message in self.history:
            if message.get("role") not in ("user", "assistant") or not isinstance(
                message.get("content"), str
            ):
                raise ValueError(
                    f"task {self.id!r}: a history message is {message!r}; expected "
                    '{"role": "user" or "assistant", "content": "..."}'
                )
        return self

    @classmethod
    def single(cls, **fields: Any) -> Task:
        """A one-turn task from `prompt=...` (and `gold`, `gold_answer`, ...) plus any Task field."""
        return cls.model_validate(fields)

    @property
    def needs_calls(self) -> bool:
        return any(t.gold for t in self.turns)


class Suite(BaseModel):
    """A named list of tasks, with the instructions every task's agent gets by default."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    name: str
    tasks: list[Task]
    description: str = ""
    instructions: str | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for task in self.tasks:
            if task.id in seen:
                raise ValueError(f"suite {self.name!r}: task id {task.id!r} is used twice")
            seen.add(task.id)
        return self

    def select(self, *, tags: list[str] | None = None, limit: int | None = None) -> Suite:
        """The tasks that carry any of `tags` (all when None), at most `limit` of them."""
        tasks = [t for t in self.tasks if not tags or set(tags) & set(t.tags)]
        if limit is not None:
            tasks = tasks[:limit]
        return self.model_copy(update={"tasks": tasks})
