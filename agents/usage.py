"""Usage limits and the running usage of one agent run."""

from __future__ import annotations

from dataclasses import dataclass

from agents.errors import UsageLimitExceeded
from agents.models.base import Usage


@dataclass
class RunUsage:
    """What a run has used so far."""

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    tool_calls: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add_response(self, usage: Usage) -> None:
        self.requests += 1
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens


@dataclass(frozen=True)
class UsageLimits:
    """Bounds on one run; None means unbounded. `max_steps` counts model requests."""

    max_steps: int | None = 20
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    max_total_tokens: int | None = None
    max_tool_calls: int | None = None
    max_wall_time_s: float | None = None

    def check_before_request(self, usage: RunUsage, elapsed_s: float) -> None:
        if self.max_steps is not None and usage.requests + 1 > self.max_steps:
            raise UsageLimitExceeded("max_steps", usage.requests + 1, self.max_steps)
        self.check_time(elapsed_s)

    def check_time(self, elapsed_s: float) -> None:
        if self.max_wall_time_s is not None and elapsed_s > self.max_wall_time_s:
            raise UsageLimitExceeded("max_wall_time_s", elapsed_s, self.max_wall_time_s)

    def check_tool_calls(self, usage: RunUsage, calls: int) -> None:
        """Before running a batch of `calls`: would it take the run past `max_tool_calls`?"""
        if self.max_tool_calls is not None and usage.tool_calls + calls > self.max_tool_calls:
            raise UsageLimitExceeded("max_tool_calls", usage.tool_calls + calls, self.max_tool_calls)

    def check_tokens(self, usage: RunUsage) -> None:
        for name, value, maximum in (
            ("max_input_tokens", usage.input_tokens, self.max_input_tokens),
            ("max_output_tokens", usage.output_tokens, self.max_output_tokens),
            ("max_total_tokens", usage.total_tokens, self.max_total_tokens),
            ("max_tool_calls", usage.tool_calls, self.max_tool_calls),
        ):
            if maximum is not None and value > maximum:
                raise UsageLimitExceeded(name, value, maximum)
