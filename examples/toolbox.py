"""Eight tools with rich argument types: nested objects, enums, arrays, optional and bounded values.

Used by `benchmarks/tool_call_validity.py` and the real-server grammar tests; also a compact
tour of what the registry turns into JSON schemas. The tools act on a small in-memory
state, so every call is safe to run many times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools import Toolset


class Attendee(BaseModel):
    name: str
    email: str | None = None
    required: bool = True


class LineItem(BaseModel):
    sku: Literal["MUG-1", "TEE-2", "CAP-3"]
    quantity: int = Field(ge=1, le=20)


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius", days: int = 1) -> str:
    """Weather forecast for a city.

    Args:
        city: City name.
        unit: Temperature unit.
        days: Number of days to forecast, 1 to 7.
    """
    return f"{city}: mild for {days} day(s), in {unit}"


def search_files(
    query: str, extensions: list[Literal["py", "md", "txt"]] | None = None, limit: int = 10
) -> list[str]:
    """Search file names.

    Args:
        query: Text to look for.
        extensions: Only these file types.
        limit: Most results to return.
    """
    return [f"{query}.{ext}" for ext in (extensions or ["txt"])][:limit]


def create_event(
    title: str, day: Literal["mon", "tue", "wed", "thu", "fri"], attendees: list[Attendee]
) -> dict[str, object]:
    """Put an event in the calendar.

    Args:
        title: Event title.
        day: Weekday.
        attendees: Who is invited.
    """
    return {"title": title, "day": day, "invited": len(attendees)}


def place_order(items: list[LineItem], express: bool = False, note: str | None = None) -> dict[str, object]:
    """Order items from the shop.

    Args:
        items: What to order.
        express: Express shipping.
        note: A note for the packer.
    """
    return {"lines": len(items), "express": express}


def set_thermostat(room: Literal["kitchen", "bedroom", "office"], celsius: float = Field(ge=5, le=30)) -> str:
    """Set a room's target temperature.

    Args:
        room: Which room.
        celsius: Target temperature, 5 to 30.
    """
    return f"{room} set to {celsius}"


def send_message(to: str, body: str, priority: Literal["low", "normal", "high"] = "normal") -> str:
    """Send a chat message.

    Args:
        to: Recipient.
        body: Message text.
        priority: Delivery priority.
    """
    return f"sent to {to}"


def convert_units(
    value: float, unit_from: Literal["km", "mi", "m"], unit_to: Literal["km", "mi", "m"]
) -> float:
    """Convert a distance.

    Args:
        value: The distance.
        unit_from: Unit of the value.
        unit_to: Unit wanted.
    """
    metres = {"km": 1000.0, "mi": 1609.344, "m": 1.0}
    return value * metres[unit_from] / metres[unit_to]


def toggle_feature(
    flag: Literal["dark_mode", "beta", "telemetry"], enabled: bool, users: list[int] | None = None
) -> str:
    """Switch a feature flag.

    Args:
        flag: The flag.
        enabled: On or off.
        users: Only for these user ids.
    """
    return f"{flag}={'on' if enabled else 'off'}"


TOOLS: list[Callable[..., Any]] = [
    get_weather,
    search_files,
    create_event,
    place_order,
    set_thermostat,
    send_message,
    convert_units,
    toggle_feature,
]


def toolbox() -> Toolset:
    """A fresh toolset of the eight tools."""
    return Toolset(TOOLS)
