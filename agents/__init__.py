"""gemma-agents: tool-using agents around native function calling, for Gemma 4 on vLLM."""

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
