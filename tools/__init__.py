"""The typed tool registry: tools from functions or raw JSON schemas, and the runner of calls.

>>> from tools import tool, Toolset
>>> @tool
... def add(a: int, b: int) -> int:
...     '''Add two integers.'''
...     return a + b
>>> Toolset([add]).specs()[0]["function"]["name"]
'add'
"""

import logging

from tools._context import RunContext
from tools._tool import Tool, ToolOptions, ToolRules, tool
from tools._toolset import Approver, Toolset
from tools._types import Effect, ResultStatus, ToolCall, ToolResult
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

__all__ = [
    "AgentsError",
    "ApprovalError",
    "Approver",
    "ConfigError",
    "Effect",
    "ModelRetry",
    "ResultStatus",
    "RunContext",
    "Tool",
    "ToolArgumentsError",
    "ToolCall",
    "ToolError",
    "ToolFatalError",
    "ToolOptions",
    "ToolResult",
    "ToolRetriesExceeded",
    "ToolRules",
    "Toolset",
    "UnknownToolError",
    "tool",
]

# A library logs, the application decides what to show: without this, Python would print
# warnings to stderr through its last-resort handler.
logging.getLogger(__name__).addHandler(logging.NullHandler())
