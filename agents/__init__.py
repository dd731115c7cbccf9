"""gemma-agents: tool-using agents around native function calling, for Gemma 4 on vLLM.

Everything an agent's code needs comes from here: the agent and its model, tools and their
run context, limits and settings, messages, and the errors worth catching. Test doubles are in
`agents.testing`, stream events in `agents.events`, the whole error tree in `agents.errors`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from agents import _shadow  # noqa: F401  (first: names a user's tools.py that hides our `tools`)
from tools._lazy import lazy_names

if TYPE_CHECKING:
    from agents.agent import Agent, AgentStream, RunResult
    from agents.errors import (
        AgentsError,
        ConfigError,
        ContextLengthExceeded,
        ModelError,
        ModelHTTPError,
        ModelRetry,
        ModelTimeout,
        ModelUnreachable,
        OutputValidationError,
        ResponseTruncated,
        ToolFatalError,
        ToolRetriesExceeded,
        UsageLimitExceeded,
    )
    from agents.messages import (
        AssistantMessage,
        AudioPart,
        ImagePart,
        Message,
        SystemMessage,
        TextPart,
        ToolResultMessage,
        UserMessage,
    )
    from agents.models.base import ModelSettings
    from agents.models.openai import OpenAIChatModel
    from agents.usage import RunUsage, UsageLimits
    from tools import RunContext, Tool, ToolCall, ToolResult, Toolset, tool

# Each public name's module, imported on first use (PEP 562): `from agents import Agent` costs
# what an agent needs, and `agents.errors`, `agents.testing` or the command line do not pay for
# the HTTP client and the pydantic models first.
_WHERE = {
    **dict.fromkeys(("Agent", "AgentStream", "RunResult"), "agents.agent"),
    **dict.fromkeys(
        (
            "AgentsError",
            "ConfigError",
            "ContextLengthExceeded",
            "ModelError",
            "ModelHTTPError",
            "ModelRetry",
            "ModelTimeout",
            "ModelUnreachable",
            "OutputValidationError",
            "ResponseTruncated",
            "ToolFatalError",
            "ToolRetriesExceeded",
            "UsageLimitExceeded",
        ),
        "agents.errors",
    ),
    **dict.fromkeys(
        (
            "AssistantMessage",
            "AudioPart",
            "ImagePart",
            "Message",
            "SystemMessage",
            "TextPart",
            "ToolResultMessage",
            "UserMessage",
        ),
        "agents.messages",
    ),
    "ModelSettings": "agents.models.base",
    "OpenAIChatModel": "agents.models.openai",
    **dict.fromkeys(("RunUsage", "UsageLimits"), "agents.usage"),
    **dict.fromkeys(("RunContext", "Tool", "ToolCall", "ToolResult", "Toolset", "tool"), "tools"),
}


__getattr__, __dir__ = lazy_names(__name__, _WHERE)


__all__ = [
    "Agent",
    "AgentStream",
    "AgentsError",
    "AssistantMessage",
    "AudioPart",
    "ConfigError",
    "ContextLengthExceeded",
    "ImagePart",
    "Message",
    "ModelError",
    "ModelHTTPError",
    "ModelRetry",
    "ModelSettings",
    "ModelTimeout",
    "ModelUnreachable",
    "OpenAIChatModel",
    "OutputValidationError",
    "ResponseTruncated",
    "RunContext",
    "RunResult",
    "RunUsage",
    "SystemMessage",
    "TextPart",
    "Tool",
    "ToolCall",
    "ToolFatalError",
    "ToolResult",
    "ToolResultMessage",
    "ToolRetriesExceeded",
    "Toolset",
    "UsageLimitExceeded",
    "UsageLimits",
    "UserMessage",
    "tool",
]
__version__ = "0.1.0"

# A library logs, the application decides what to show: without this, Python would print
# warnings to stderr through its last-resort handler.
logging.getLogger(__name__).addHandler(logging.NullHandler())
