"""How a tool's return value becomes the text the model reads.

The rules, in order:

- `str`: as is.
- a `ToolOutput` (a result in several parts): its `text`.
- `None`: `null` (the tool ran and returned nothing; the model still needs an answer).
- `bytes`: decoded as UTF-8, undecodable bytes replaced.
- anything else: compact JSON through pydantic (`bool`, numbers, dicts, lists, tuples, sets,
  pydantic models, dataclasses, enums, dates, UUIDs, paths), non-ASCII characters kept as they
  are; objects JSON cannot express fall back to `str(value)` in their place.

Then the text is capped (`capped`): beyond the tool's `max_result_chars` (the toolset's
default: `DEFAULT_MAX_RESULT_CHARS`) only the head is kept, followed by a note that tells the
model how much was cut and how to get the rest.
"""

from __future__ import annotations

from typing import Any

import pydantic_core

from tools._types import ToolOutput

DEFAULT_MAX_RESULT_CHARS = 20_000
"""A toolset's default cap on one result's text: about 5,000 tokens, enough for a page of data
yet a small share of a 32k-128k context. A whole file or web page sent by mistake is cut."""


def to_content(value: Any) -> str:
    """The text the model sees for a tool's return value."""
    if isinstance(value, str):
        return value
    if isinstance(value, ToolOutput):
        return value.text
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return pydantic_core.to_json(value, fallback=str, serialize_unknown=True).decode("utf-8")


def capped(content: str, limit: int | None) -> str:
    """`content` cut to its first `limit` characters plus a note saying what was cut; None: no cap."""
    if limit is None or len(content) <= limit:
        return content
    return (
        f"{content[:limit]}\n\n[Output truncated: the tool returned {len(content):,} characters and only "
        f"the first {limit:,} are shown. To see more, call the tool for a smaller part (a narrower "
        "query, a page or a range), if it offers a way to.]"
    )
