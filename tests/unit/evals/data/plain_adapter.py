"""A third-party-style agent for the harness: plain Python on the OpenAI chat-completions API
through httpx, nothing of this project's agent. `--agent tests.unit.evals.data.plain_adapter:factory`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from evals.frameworks import AgentSetup, TurnResult


class PlainAgent:
    """A minimal tool loop: ask, run the calls, send the results, until the model answers."""

    def __init__(self, setup: AgentSetup) -> None:
        if setup.endpoint is None:
            raise RuntimeError("PlainAgent talks to a server: run it with --base-url, not --oracle.")
        self.setup = setup
        self.tools = {t.name: t for t in setup.tools}
        self.client = httpx.AsyncClient(base_url=setup.endpoint.base_url, timeout=60)
        self.messages: list[dict[str, Any]] = []
        if setup.instructions:
            self.messages.append({"role": "system", "content": setup.instructions})

    async def run_turn(self, prompt: str) -> TurnResult:
        assert self.setup.endpoint is not None
        start = len(self.messages)
        self.messages.append({"role": "user", "content": prompt})
        requests = tokens_in = tokens_out = 0
        for _ in range(self.setup.max_steps):
            body: dict[str, Any] = {
                "model": self.setup.endpoint.model,
                "messages": self.messages,
                "tools": [t.openai_spec() for t in self.setup.tools],
                "max_tokens": self.setup.settings.max_tokens,
            }
            if self.setup.settings.seed is not None:
                body["seed"] = self.setup.settings.seed
            if self.setup.settings.temperature is not None:
                body["temperature"] = self.setup.settings.temperature
            response = await self.client.post("/chat/completions", json=body)
            response.raise_for_status()
            data = response.json()
            requests += 1
            tokens_in += data.get("usage", {}).get("prompt_tokens", 0)
            tokens_out += data.get("usage", {}).get("completion_tokens", 0)
            message = data["choices"][0]["message"]
            calls = message.get("tool_calls") or []
            self.messages.append(
                {
                    "role": "assistant",
                    "content": message.get("content"),
                    **({"tool_calls": calls} if calls else {}),
                }
            )
            if not calls:
                return self._result(message.get("content"), start, requests, tokens_in, tokens_out)
            for c in calls:
                name, raw = c["function"]["name"], c["function"]["arguments"] or "{}"
                tool = self.tools.get(name)
                try:
                    arguments = json.loads(raw)
                    content = await tool.function(**arguments) if tool else f"Unknown tool {name}."
                except (ValueError, TypeError) as e:
                    content = f"Bad arguments for {name}: {e}"
                self.messages.append({"role": "tool", "tool_call_id": c["id"], "content": content})
            if self.setup.single_response:
                break
        return self._result(None, start, requests, tokens_in, tokens_out)

    def _result(
        self, output: str | None, start: int, requests: int, tokens_in: int, tokens_out: int
    ) -> TurnResult:
        return TurnResult(output, requests, tokens_in, tokens_out, messages=self.messages[start:])

    async def aclose(self) -> None:
        await self.client.aclose()


def factory(setup: AgentSetup) -> PlainAgent:
    return PlainAgent(setup)
