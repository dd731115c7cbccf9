"""An agent that answers a weather question with two tools and a typed report.

    python examples/weather_agent.py [--base-url http://127.0.0.1:8000/v1] [--model NAME] [--prompt TEXT]

The weather tool reads a small table in this file (no network), so runs are reproducible.
On the offline default (Gemma 3 270M *base* weights, no instruction tuning) the model is far
too small to reason; the Gemma 4 grammar makes its calls valid and the JSON schema makes its
report well-formed, but the values it picks are its own: read them as such.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Literal

from pydantic import BaseModel, Field

from agents import Agent, ModelSettings, OpenAIChatModel, UsageLimits
from agents.errors import AgentsError
from agents.events import RunFinished, ToolCallFinished, ToolCallStarted

City = Literal["Paris", "Oslo", "Tokyo", "Lima"]
_TABLE: dict[str, tuple[float, str]] = {
    "Paris": (18.5, "light rain"),
    "Oslo": (-3.0, "snow"),
    "Tokyo": (22.0, "sunny"),
    "Lima": (16.0, "overcast"),
}


def get_weather(city: City) -> dict[str, object]:
    """Current weather in a city.

    Args:
        city: The city to look up.
    """
    temp, sky = _TABLE[city]
    return {"city": city, "temperature_c": temp, "conditions": sky}


def convert_temperature(celsius: float, to: Literal["fahrenheit", "kelvin"]) -> float:
    """Convert a Celsius temperature.

    Args:
        celsius: Temperature in degrees Celsius.
        to: Target unit.
    """
    return round(celsius * 9 / 5 + 32, 1) if to == "fahrenheit" else round(celsius + 273.15, 2)


class WeatherReport(BaseModel):
    city: City
    temperature_c: float
    needs_coat: bool
    summary: str = Field(max_length=160)


def describe_server(model: OpenAIChatModel) -> str:
    if model.name in ("gemma3-270m", "tiny"):
        return (
            f"{model.name}: offline fallback (no Gemma 4 weights can be downloaded here), "
            "Gemma 4 prompt format; answers are those of a tiny base model"
        )
    return model.name


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:8000/v1", help="the server")
    ap.add_argument("--model", default=None, help="served model name (default: the server's first)")
    ap.add_argument("--prompt", default="What is the weather in Oslo right now, and do I need a coat?")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    try:
        model = (
            OpenAIChatModel(args.model, base_url=args.base_url)
            if args.model
            else await OpenAIChatModel.from_server(args.base_url)
        )
    except AgentsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    agent = Agent(
        model,
        tools=[get_weather, convert_temperature],
        instructions="You answer weather questions. Look the weather up with the tools before answering.",
        output_type=WeatherReport,
        tool_choice="required",  # the first step must look the weather up; later steps are free
        settings=ModelSettings(temperature=0.0, seed=args.seed, max_tokens=160),
        limits=UsageLimits(max_steps=6),
    )
    print(f"model:  {describe_server(model)}")
    print(
        f"server: {model.base_url} (profile {model.profile.family}, "
        f"tool mode {model.profile.default_tool_mode})"
    )
    print(f"user:   {args.prompt}")
    try:
        stream = agent.run_stream(args.prompt)
        async for event in stream:
            if isinstance(event, ToolCallStarted):
                args = event.call.arguments
                print(f"call:   {event.call.name}({args if isinstance(args, str) else json.dumps(args)})")
            elif isinstance(event, ToolCallFinished):
                print(f"result: [{event.result.status}] {event.result.content}")
            elif isinstance(event, RunFinished):
                print(f"answer: {event.output.model_dump_json()}")
    except AgentsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        await model.aclose()
    u = stream.result.usage
    print(f"usage:  {u.requests} requests, {u.input_tokens} prompt + {u.output_tokens} completion tokens")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
