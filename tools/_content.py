"""How a tool's return value becomes the text the model reads.

The rules, in order:

- `str`: as is.
- `None`: `null` (the tool ran and returned nothing; the model still needs an answer).
- `bytes`: decoded as UTF-8, undecodable bytes replaced.
- anything else: compact JSON through pydantic (`bool`, numbers, dicts, lists, tuples, sets,
  pydantic models, dataclasses, enums, dates, UUIDs, paths), non-ASCII characters kept as they
  are; objects JSON cannot express fall back to `str(value)` in their place.
"""

from __future__ import annotations

from typing import Any

import pydantic_core


def to_content(value: Any) -> str:
    """The text the model sees for a tool's return value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return pydantic_core.to_json(value, fallback=str, serialize_unknown=True).decode("utf-8")
