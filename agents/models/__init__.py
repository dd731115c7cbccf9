"""Model clients: the `Model` protocol, the OpenAI-compatible client, and family profiles."""

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
from agents.models.openai import OpenAIChatModel, RetryPolicy
from agents.models.profiles import GEMMA4, GEMMA4_LOCAL, GENERIC, ModelProfile, get_profile, profile_for

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
