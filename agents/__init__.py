"""gemma-agents: tool-using agents around native function calling, for Gemma 4 on vLLM."""

import logging

from agents.agent import Agent, AgentStream, RunResult
from agents.errors import AgentsError
from agents.messages import AudioPart, ImagePart, TextPart
from agents.models.base import ModelSettings
from agents.models.openai import OpenAIChatModel
from agents.usage import RunUsage, UsageLimits

__all__ = [
    "Agent",
    "AgentStream",
    "AgentsError",
    "AudioPart",
    "ImagePart",
    "ModelSettings",
    "OpenAIChatModel",
    "RunResult",
    "RunUsage",
    "TextPart",
    "UsageLimits",
]
__version__ = "0.1.0"

# A library logs, the application decides what to show: without this, Python would print
# warnings to stderr through its last-resort handler.
logging.getLogger(__name__).addHandler(logging.NullHandler())
