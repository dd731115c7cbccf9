"""The error tree, whole: tool-level errors from `tools.errors` plus run- and model-level ones.

    AgentsError
    ├── ConfigError
    ├── ToolError: UnknownToolError, ToolArgumentsError, ToolFatalError,
    │              ToolRetriesExceeded (UnreadableResponse), ApprovalError,
    │              MCPServerError (MCPServerLost, also a ToolFatalError), MCPToolError
    ├── ModelError: ModelUnreachable, ModelTimeout, ModelHTTPError (ContextLengthExceeded),
    │               ModelResponseError
    ├── UsageLimitExceeded
    ├── ResponseTruncated
    └── OutputValidationError

Errors raised during a run carry the partial trace in `.trace` (a `RunTrace`), so a failed
run loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tools.errors import (
    AgentsError,
    ApprovalError,
    ConfigError,
    ModelRetry,
    ToolArgumentsError,
    ToolError,
    ToolFatalError,
    ToolRetriesExceeded,
    UnknownToolError,
)

if TYPE_CHECKING:
    from agents.events import Event
    from agents.messages import Message
    from agents.usage import RunUsage

__all__ = [
    "AgentsError",
    "ApprovalError",
    "ConfigError",
    "ContextLengthExceeded",
    "MCPServerError",
    "MCPServerLost",
    "MCPToolError",
    "ModelError",
    "ModelHTTPError",
    "ModelResponseError",
    "ModelRetry",
    "ModelTimeout",
    "ModelUnreachable",
    "OutputValidationError",
    "ResponseTruncated",
    "RunTrace",
    "ToolArgumentsError",
    "ToolError",
    "ToolFatalError",
    "ToolRetriesExceeded",
    "UnknownToolError",
    "UnreadableResponse",
    "UsageLimitExceeded",
    "trace_of",
]


@dataclass
class RunTrace:
    """What a run had done when it stopped."""

    run_id: str
    messages: list[Message] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    usage: RunUsage | None = None


def trace_of(error: BaseException) -> RunTrace | None:
    """The partial trace attached to an error raised during a run, if any."""
    trace: Any = getattr(error, "trace", None)
    return trace if isinstance(trace, RunTrace) else None


class ModelError(AgentsError):
    """The model server failed to give a usable response."""


class ModelUnreachable(ModelError):
    """No connection (or only timeouts) after the bounded retries."""

    def __init__(self, url: str, attempts: int, cause: BaseException) -> None:
        self.url = url
        self.attempts = attempts
        self.cause = cause
        super().__init__(
            f"Model server at {url} is unreachable after {attempts} attempt(s): "
            f"{type(cause).__name__}: {cause or 'no detail'}. Is the server running? "
            "Start the local one with ./scripts/serve-local, or pass the right --base-url."
        )


class ModelHTTPError(ModelError):
    """The server answered with an error status (after retries, for 429 and 5xx)."""

    def __init__(self, url: str, status: int, message: str, attempts: int = 1) -> None:
        self.url = url
        self.status = status
        self.message = message
        self.attempts = attempts
        super().__init__(
            f"Model server {url} answered HTTP {status} after {attempts} attempt(s): {message}.{self._hint()}"
        )

    def _hint(self) -> str:
        if self.status == 404:
            return " Check the model name (GET /v1/models lists what the server serves) and the base URL."
        if self.status == 400:
            return " The server rejected the request as invalid; nothing was retried."
        return ""


class ModelTimeout(ModelError):
    """A live server did not answer within the client's timeout (not a connection failure)."""

    def __init__(self, url: str, timeout_s: float | None, attempts: int, phase: str = "read") -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.phase = phase
        limit = f"{timeout_s:g} s" if timeout_s is not None else "its"
        super().__init__(
            f"Model server at {url} did not answer within the {phase} timeout ({limit}) after "
            f"{attempts} attempt(s). The server is reachable but slow: raise timeout_s on the model, "
            "lower max_tokens, or check the server's load."
        )


class ContextLengthExceeded(ModelHTTPError):
    """The prompt plus `max_tokens` does not fit the server's context window (HTTP 400).

    Deterministic: retrying the same request fails the same way, so it is never retried.
    """

    def _hint(self) -> str:
        return (
            " The prompt does not fit the model's context window, and retrying cannot help: shorten the "
            "message history (or the tool results in it), lower max_tokens, or serve the model with a "
            "larger --max-model-len."
        )


class ModelResponseError(ModelError):
    """The server's response could not be understood (malformed JSON, broken stream)."""


class UsageLimitExceeded(AgentsError):
    """A run hit one of its `UsageLimits`; `.trace` holds what it had done."""

    def __init__(self, limit: str, value: float, maximum: float) -> None:
        self.limit = limit
        self.value = value
        self.maximum = maximum
        super().__init__(
            f"Usage limit {limit} exceeded: {value:g} > {maximum:g}. "
            "The partial run is in the error's .trace; raise the limit in UsageLimits if it is expected."
        )


class UnreadableResponse(ToolRetriesExceeded):
    """The model's responses could not be read (calls, or json mode's object) more often than the
    agent's `format_retries` allow. A `ToolRetriesExceeded` for the tool "(unreadable call)"."""

    def __init__(self, retries: int, last_problem: str, limit: int) -> None:
        ToolError.__init__(
            self,
            f"The model's response could not be read {retries} time(s) (format_retries={limit}); "
            f"last problem:\n{last_problem}\nRaise the agent's format_retries, or use a tool mode "
            "that constrains the format (grammar or json).",
        )
        self.tool = "(unreadable call)"
        self.retries = retries
        self.last_problem = last_problem
        self.limit = limit
        self.per_run = False


class ResponseTruncated(AgentsError):
    """Responses were cut off at `max_tokens` in a row: a cut call is never run, a cut answer
    does not parse, and asking again with the same budget gets the same cut."""

    def __init__(self, what: str, max_tokens: int | None, times: int) -> None:
        self.what = what
        self.max_tokens = max_tokens
        self.times = times
        limit = f"max_tokens={max_tokens}" if max_tokens is not None else "the server's default max_tokens"
        super().__init__(
            f"The model's {what} was cut off at the token limit ({limit}) {times} time(s) in a row, "
            "so it could not be used. Raise max_tokens: ModelSettings(max_tokens=...) on the agent "
            "or the run, or --max-tokens on the command line."
        )


class OutputValidationError(AgentsError):
    """The final answer did not validate against `output_type` within the output retries."""

    def __init__(self, output_type: str, problems: str, attempts: int) -> None:
        self.output_type = output_type
        self.problems = problems
        self.attempts = attempts
        super().__init__(
            f"The model's final answer did not validate as {output_type} after {attempts} attempt(s):\n"
            f"{problems}"
        )


class MCPServerError(ToolError):
    """An MCP server could not be started, listed or used; `server` names it, `problem` says why."""

    def __init__(self, server: str, problem: str) -> None:
        self.server = server
        self.problem = problem
        super().__init__(f"MCP server {server!r}: {problem}")


class MCPServerLost(MCPServerError, ToolFatalError):
    """The connection to an MCP server broke during a run (the process died, the HTTP server went
    away). A `ToolFatalError`: the run stops, and the error's `.trace` holds what it had done."""


class MCPToolError(ToolError):
    """An MCP server answered a call with an error result: the model reads it as the call's error."""

    def __init__(self, server: str, tool: str, message: str) -> None:
        self.server = server
        self.tool = tool
        super().__init__(f"MCP server {server!r} answered the call to {tool!r} with an error: {message}")
