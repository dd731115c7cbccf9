"""This project's `Agent` behind the harness's agent interface: `--agent evals.adapters.builtin:factory`.

Without `--agent` the harness runs the same agent directly (`evals.trial.run_trial`), with its
full event trace; this adapter shows that our agent fits the interface any framework gets, and
is the reference run to compare other frameworks' adapters against.
"""

from __future__ import annotations

from typing import Any

from agents import Agent, UsageLimits
from agents.errors import UsageLimitExceeded, trace_of
from agents.messages import Message
from agents.usage import RunUsage
from evals.frameworks import AgentSetup, TurnResult
from tools import Tool, Toolset

__all__ = ["BuiltinAgent", "factory"]


def _dump(messages: list[Message]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json", exclude_none=True) for m in messages]


class BuiltinAgent:
    """Our `Agent` on the setup's model, the tools registered from their JSON schemas; the
    conversation carried from turn to turn."""

    def __init__(self, setup: AgentSetup) -> None:
        toolset = Toolset()
        for t in setup.tools:
            toolset.add(Tool.from_schema(t.name, t.description, t.parameters, t.function))
        self.single_response = setup.single_response
        self.agent = Agent(
            setup.model,
            tools=toolset,
            instructions=setup.instructions,
            limits=UsageLimits(max_steps=setup.max_steps),
            settings=setup.settings,
            tool_mode=setup.tool_mode,
        )
        self.history: list[Message] | None = None

    async def run_turn(self, prompt: str) -> TurnResult:
        """One user turn; a single-response turn ends at its step limit with its calls run."""
        before = len(self.history or [])
        try:
            result = await self.agent.run(prompt, message_history=self.history)
        except UsageLimitExceeded as e:
            trace = trace_of(e)
            if not (self.single_response and e.limit == "max_steps" and trace is not None):
                raise
            self.history = trace.messages
            usage = trace.usage or RunUsage()
            return TurnResult(
                output=None,
                requests=usage.requests,
                input_tokens=usage.input_tokens or None,
                output_tokens=usage.output_tokens or None,
                messages=_dump(trace.messages[before:]),
            )
        self.history = result.messages
        output = result.output if isinstance(result.output, str) else str(result.output)
        return TurnResult(
            output=output,
            requests=result.usage.requests,
            input_tokens=result.usage.input_tokens or None,
            output_tokens=result.usage.output_tokens or None,
            messages=_dump(result.new_messages()),
        )


def factory(setup: AgentSetup) -> BuiltinAgent:
    """The `--agent` factory for this project's agent."""
    return BuiltinAgent(setup)
