"""PydanticAI's `Agent` under the harness: `--agent evals.adapters.pydantic_ai:factory`.

Needs PydanticAI (the `pydantic-ai` extra), best in its own environment: `scripts/setup-pydantic-ai`
makes `.pydantic-ai/venv`, and `.pydantic-ai/venv/bin/agents eval SUITE --agent
evals.adapters.pydantic_ai:factory --base-url URL` runs it. The model is PydanticAI's own
OpenAI-compatible chat client on the trial's endpoint; the tools are registered from their JSON
schemas (`Tool.from_schema`), so PydanticAI sends the schemas the task declares and calls the
harness's functions, which validate the arguments as for our agent and record each call.

A single-response turn (BFCL's single-turn categories) is one model request: PydanticAI runs that
response's calls, then stops at its request limit (`UsageLimitExceeded`), and the turn ends there
with the run's messages and usage so far.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai import Agent, Tool
from pydantic_ai.exceptions import UsageLimitExceeded
from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import UsageLimits

from evals.frameworks import AgentSetup, TurnResult
from tools.errors import ConfigError

__all__ = ["PydanticAIAgent", "factory"]


def _settings(setup: AgentSetup) -> ModelSettings:
    settings = ModelSettings()
    if setup.settings.temperature is not None:
        settings["temperature"] = setup.settings.temperature
    if setup.settings.max_tokens is not None:
        settings["max_tokens"] = setup.settings.max_tokens
    if setup.settings.seed is not None:
        settings["seed"] = setup.settings.seed
    return settings


def _dump(messages: list[ModelMessage]) -> list[dict[str, Any]]:
    dumped: list[dict[str, Any]] = ModelMessagesTypeAdapter.dump_python(messages, mode="json")
    return dumped


class PydanticAIAgent:
    """A PydanticAI agent on the trial's endpoint; the conversation carried from turn to turn."""

    def __init__(self, setup: AgentSetup) -> None:
        if setup.endpoint is None:
            raise ConfigError(
                "The PydanticAI adapter talks to a model server: run it with --base-url, not --oracle."
            )
        provider = OpenAIProvider(base_url=setup.endpoint.base_url, api_key="not-needed")
        self.model = OpenAIChatModel(setup.endpoint.model, provider=provider)
        tools = [Tool.from_schema(t.function, t.name, t.description, t.parameters) for t in setup.tools]
        self.agent: Agent[None, str] = Agent(self.model, tools=tools, instructions=setup.instructions)
        self.settings = _settings(setup)
        self.limits = UsageLimits(request_limit=setup.max_steps)
        self.single_response = setup.single_response
        self.history: list[ModelMessage] = []

    async def run_turn(self, prompt: str) -> TurnResult:
        """One user turn; a single-response turn ends at its request limit, its calls run."""
        async with self.agent.iter(
            prompt, message_history=self.history, model_settings=self.settings, usage_limits=self.limits
        ) as run:
            try:
                async for _ in run:
                    pass
            except UsageLimitExceeded:
                if not self.single_response:
                    raise
            usage = run.usage()
            self.history = run.all_messages()
            output = None if run.result is None else str(run.result.output)
            return TurnResult(
                output=output,
                requests=usage.requests,
                input_tokens=usage.input_tokens or None,
                output_tokens=usage.output_tokens or None,
                messages=_dump(run.new_messages()),
            )


def factory(setup: AgentSetup) -> PydanticAIAgent:
    """The `--agent` factory for PydanticAI."""
    return PydanticAIAgent(setup)
