"""One framework's agent, kept warm in its own process for benchmarks/overhead.py.

    python benchmarks/_overhead_worker.py FRAMEWORK BASE_URL            # serve commands on stdin
    python benchmarks/_overhead_worker.py FRAMEWORK BASE_URL --import-only

Each framework builds the same agent: instructions, one tool `add(a: int, b: int) -> int`,
a prompt; against the canned server one run is two requests and one tool call. The peers run
under their own venv's Python, so this file imports nothing of ours at module level (the
OpenAI Agents SDK is also called `agents`), and the script's folder, not the repository,
is first on `sys.path`.

Commands, one per line on stdin, each answered by one JSON line on stdout:
    run N   → {"us": [wall-clock µs of each of N runs], "cpu_us": [CPU µs of this process in each]}
    calls   → {"calls": Python calls (and coroutine resumptions) in one run, by sys.setprofile}
    rss     → {"rss_kb": peak resident set size of this process}
    quit
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODEL = "gemma-4-bench"
INSTRUCTIONS = "You are a calculator. Use the add tool, then state the result."
PROMPT = "What is 2 + 3?"
ROOT = Path(__file__).resolve().parents[1]


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first integer.
        b: The second integer.
    """
    return a + b


Once = Callable[[], Any]


def _gemma(url: str, *, stream: bool = False, tool_mode: str = "server") -> tuple[Once, Once]:
    sys.path.insert(0, str(ROOT))
    from agents import Agent, OpenAIChatModel

    model = OpenAIChatModel(MODEL, base_url=url)
    agent = Agent(model, tools=[add], instructions=INSTRUCTIONS, tool_mode=tool_mode)  # type: ignore[arg-type]

    async def run() -> None:
        result = await agent.run(PROMPT)
        assert result.output and len(result.tool_calls()) == 1, result

    async def run_stream() -> None:
        async with agent.run_stream(PROMPT) as events:
            async for _ in events:
                pass
        assert events.result.output and len(events.result.tool_calls()) == 1

    return (run_stream if stream else run), model.aclose


def _httpx(url: str) -> tuple[Once, Once]:
    import httpx

    client = httpx.AsyncClient()
    spec = {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two integers.",
            "parameters": {
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "description": "The first integer."},
                    "b": {"type": "integer", "description": "The second integer."},
                },
                "required": ["a", "b"],
            },
        },
    }

    async def run() -> None:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": INSTRUCTIONS},
            {"role": "user", "content": PROMPT},
        ]
        body = {"model": MODEL, "messages": messages, "tools": [spec]}
        first = (await client.post(f"{url}/chat/completions", json=body)).json()
        message = first["choices"][0]["message"]
        call = message["tool_calls"][0]
        result = add(**json.loads(call["function"]["arguments"]))
        messages += [message, {"role": "tool", "tool_call_id": call["id"], "content": str(result)}]
        second = (await client.post(f"{url}/chat/completions", json=body)).json()
        assert second["choices"][0]["message"]["content"]

    return run, client.aclose


def _pydantic_ai(url: str) -> tuple[Once, Once]:
    from pydantic_ai import Agent

    try:
        from pydantic_ai.models.openai import OpenAIChatModel as Model
    except ImportError:  # older releases
        from pydantic_ai.models.openai import OpenAIModel as Model  # type: ignore[no-redef]
    from pydantic_ai.providers.openai import OpenAIProvider

    agent = Agent(Model(MODEL, provider=OpenAIProvider(base_url=url, api_key="x")), instructions=INSTRUCTIONS)
    agent.tool_plain(add)

    async def run() -> None:
        result = await agent.run(PROMPT)
        assert result.output

    async def close() -> None:
        pass

    return run, close


def _openai_agents(url: str) -> tuple[Once, Once]:
    from openai import AsyncOpenAI

    from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled

    set_tracing_disabled(True)
    client = AsyncOpenAI(base_url=url, api_key="x")
    model = OpenAIChatCompletionsModel(model=MODEL, openai_client=client)
    agent = Agent(name="bench", instructions=INSTRUCTIONS, model=model, tools=[function_tool(add)])

    async def run() -> None:
        result = await Runner.run(agent, PROMPT)
        assert result.final_output

    return run, client.close


def _langgraph(url: str) -> tuple[Once, Once]:
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from langgraph.prebuilt import create_react_agent

    llm = ChatOpenAI(model=MODEL, base_url=url, api_key="x")  # type: ignore[arg-type]
    agent = create_react_agent(llm, [tool(add)], prompt=INSTRUCTIONS)

    async def run() -> None:
        result = await agent.ainvoke({"messages": [("user", PROMPT)]})
        assert result["messages"][-1].content

    async def close() -> None:
        pass

    return run, close


def _smolagents(url: str) -> tuple[Once, Once]:
    from smolagents import OpenAIServerModel, ToolCallingAgent, tool

    model = OpenAIServerModel(model_id=MODEL, api_base=url, api_key="x")
    agent = ToolCallingAgent(tools=[tool(add)], model=model, verbosity_level=0, max_steps=3)
    agent.prompt_templates["system_prompt"] = INSTRUCTIONS + "\n" + agent.prompt_templates["system_prompt"]

    def run() -> None:  # smolagents is synchronous
        assert agent.run(PROMPT)

    def close() -> None:
        pass

    return run, close


FRAMEWORKS: dict[str, Callable[[str], tuple[Once, Once]]] = {
    "gemma-agents": _gemma,
    "gemma-agents-stream": lambda url: _gemma(url, stream=True),
    "httpx": _httpx,
    "pydantic-ai": _pydantic_ai,
    "openai-agents": _openai_agents,
    "langgraph": _langgraph,
    "smolagents": _smolagents,
}


def main() -> None:
    name, url = sys.argv[1], sys.argv[2].rstrip("/")
    warnings.simplefilter("ignore")
    # Replies go to the real stdout; whatever a framework prints goes to stderr instead.
    replies, sys.stdout = sys.stdout, sys.stderr
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    once, close = FRAMEWORKS[name](url)

    def call(fn: Once) -> None:
        result = fn()
        if asyncio.iscoroutine(result):
            loop.run_until_complete(result)

    if "--import-only" in sys.argv:
        return
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] == "run":
            times, cpu_times = [], []
            for _ in range(int(command[1])):
                started, cpu_started = time.perf_counter_ns(), time.process_time_ns()
                call(once)
                cpu_times.append((time.process_time_ns() - cpu_started) / 1000)
                times.append((time.perf_counter_ns() - started) / 1000)
            reply: dict[str, Any] = {"us": times, "cpu_us": cpu_times}
        elif command[0] == "calls":
            count = 0

            def profile(frame: Any, event: str, arg: Any) -> None:
                nonlocal count
                if event == "call":
                    count += 1

            sys.setprofile(profile)
            try:
                call(once)
            finally:
                sys.setprofile(None)
            reply = {"calls": count}
        elif command[0] == "rss":
            import resource

            reply = {"rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
        else:
            break
        print(json.dumps(reply), file=replies, flush=True)
    call(close)


if __name__ == "__main__":
    main()
