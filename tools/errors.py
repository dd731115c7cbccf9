"""The framework's error tree.

The root, `AgentsError`, lives here because `tools` is the lowest layer; `agents.errors`
re-exports everything below together with the run-level errors. Every error says what was
wrong, what was expected, and what to do.
"""

from __future__ import annotations

from typing import Any


class AgentsError(Exception):
    """Root of every error the framework raises on purpose.

    `trace` is filled in one place, by the run loop, when the error ends a run: it is then an
    `agents.errors.RunTrace` holding what the run had done (messages, events, usage).
    """

    trace: Any = None


class ConfigError(AgentsError):
    """A tool, agent, model or server was configured in a way that cannot work."""


class ToolError(AgentsError):
    """Base of errors about tools and tool calls."""


class UnknownToolError(ToolError):
    """The model called a tool that is not in the toolset."""

    def __init__(self, name: str, available: list[str]) -> None:
        self.name = name
        self.available = available
        names = ", ".join(available) or "(none)"
        super().__init__(f"Unknown tool {name!r}. Available tools: {names}.")


class ToolArgumentsError(ToolError):
    """Arguments from the model do not validate against the tool's schema."""

    def __init__(self, tool: str, problems: list[str], schema: dict[str, Any]) -> None:
        self.tool = tool
        self.problems = problems
        self.schema = schema
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"Invalid arguments for tool {tool!r}:\n{lines}")


class ToolFatalError(ToolError):
    """Raised by a tool to stop the whole run (any other exception becomes an error result)."""


class ToolRetriesExceeded(ToolError):
    """A tool's retry budget (or the run's) was spent on calls the model had to redo.

    `retries` is the count that went over the budget `limit`: the tool's own count, or with
    `per_run` the run's total over all tools.
    """

    def __init__(
        self, tool: str, retries: int, last_problem: str, *, limit: int | None = None, per_run: bool = False
    ) -> None:
        self.tool = tool
        self.retries = retries
        self.last_problem = last_problem
        self.limit = limit
        self.per_run = per_run
        budget = f" (budget {limit})" if limit is not None else ""
        if per_run:
            super().__init__(
                f"The run needed {retries} tool retries in all{budget}; the last, for tool {tool!r}:\n"
                f"{last_problem}\nRaise Toolset(max_retries_per_run=...) or make the tools easier to call."
            )
        else:
            super().__init__(
                f"Tool {tool!r} had to be retried {retries} times{budget}; last problem:\n"
                f"{last_problem}\nRaise the tool's max_retries or make its schema easier to follow."
            )


class ModelRetry(Exception):  # named for what the tool asks for, not an error of ours
    """Raised inside a tool to send `message` back to the model and let it try again."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
