"""Model clients: the `Model` protocol, the OpenAI-compatible client, and family profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from agents.models.openai import OpenAIChatModel, RetryPolicy


def __getattr__(name: str) -> Any:
    # The HTTP client (httpx) is imported on first use (PEP 562): importing
    # `agents.models.base` runs this file, and a scripted or in-process model needs no client.
    if name in ("OpenAIChatModel", "RetryPolicy"):
        from agents.models import openai

        value = getattr(openai, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


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
