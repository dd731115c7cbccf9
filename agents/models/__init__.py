"""Model clients: the `Model` protocol, the OpenAI-compatible client, and family profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.models.base import (
    Model,
    ModelRequest,
    ModelResponse,
    ModelSettings,
    OutputSchema,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from agents.models.profiles import GEMMA4, GEMMA4_LOCAL, GENERIC, ModelProfile, get_profile, profile_for
from tools._lazy import lazy_names

if TYPE_CHECKING:
    from agents.models.openai import OpenAIChatModel, RetryPolicy


# The HTTP client (httpx) is imported on first use (PEP 562): importing `agents.models.base` runs
# this file, and a scripted or in-process model needs no client.
__getattr__, __dir__ = lazy_names(
    __name__, dict.fromkeys(("OpenAIChatModel", "RetryPolicy"), "agents.models.openai")
)


__all__ = [
    "GEMMA4",
    "GEMMA4_LOCAL",
    "GENERIC",
    "Model",
    "ModelProfile",
    "ModelRequest",
    "ModelResponse",
    "ModelSettings",
    "OpenAIChatModel",
    "OutputSchema",
    "ReasoningDelta",
    "RetryPolicy",
    "TextDelta",
    "ToolCallDelta",
    "Usage",
    "get_profile",
    "profile_for",
]
