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
    """Raised by a tool (or an approver) to stop the whole run; any other exception of a tool
    becomes an error result the model reads.

    `tool` names the tool it came from: the toolset fills it in, and the message then starts
    with it.
    """

    tool: str | None = None

    def __str__(self) -> str:
        message = super().__str__()
        return f"Tool {self.tool!r} stopped the run: {message}" if self.tool else message


class ApprovalError(ToolError):
    """An approver raised while deciding on a call, so the call was not run."""

    def __init__(self, tool: str, approver: str, error: BaseException) -> None:
        self.tool = tool
        self.approver = approver
        super().__init__(
            f"The approver {approver} raised {type(error).__name__}: {error}, while deciding on a call "
            f"to tool {tool!r}; the call was not run. Fix the approver, or have it return False to "
            "deny a call (or raise ToolFatalError to stop the run on purpose)."
        )


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
