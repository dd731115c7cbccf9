"""The typed tool registry: tools from functions or raw JSON schemas, and the runner of calls.

>>> from tools import tool, Toolset
>>> @tool
... def add(a: int, b: int) -> int:
...     '''Add two integers.'''
...     return a + b
>>> Toolset([add]).specs()[0]["function"]["name"]
'add'
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tools._lazy import lazy_names

if TYPE_CHECKING:
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

# Each public name's module, imported on first use (PEP 562): the errors and the plain types
# come without pydantic, which only tools built from functions (`tools._tool`) need.
_WHERE = {
    "RunContext": "tools._context",
    **dict.fromkeys(("Tool", "ToolOptions", "ToolRules", "tool"), "tools._tool"),
    **dict.fromkeys(("Approver", "Toolset"), "tools._toolset"),
    **dict.fromkeys(("Effect", "ResultStatus", "ToolCall", "ToolResult"), "tools._types"),
    **dict.fromkeys(
        (
            "AgentsError",
            "ApprovalError",
            "ConfigError",
            "ModelRetry",
            "ToolArgumentsError",
            "ToolError",
            "ToolFatalError",
            "ToolRetriesExceeded",
            "UnknownToolError",
        ),
        "tools.errors",
    ),
}


__getattr__, __dir__ = lazy_names(__name__, _WHERE)


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
