"""The toolset the tests serve with `agents mcp serve tests/unit/mcp/served_tools.py:TOOLS`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from tools import Toolset, tool


class Forecast(BaseModel):
    city: str
    days: int
    summary: str


@tool(effect="read_only")
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first.
        b: The second.
    """
    return a + b


@tool(effect="idempotent")
def forecast(city: Literal["Paris", "Oslo"], days: int = 1) -> Forecast:
    """The weather forecast for a city.

    Args:
        city: Which city.
        days: How many days ahead.
    """
    return Forecast(city=city, days=days, summary="sunny")


@tool
def boom() -> str:
    """Always raises."""
    raise RuntimeError("the boiler exploded")


@tool(requires_approval=True)
def delete_everything() -> str:
    """Needs approval, and the served toolset's approver refuses it."""
    return "deleted"


TOOLS = Toolset([add, forecast, boom, delete_everything], approver=lambda ctx, call, t: False)
