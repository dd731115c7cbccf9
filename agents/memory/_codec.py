"""Messages to JSON-able dicts and back; bytes (images, audio) travel as base64."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import PydanticSerializationError

from agents.memory.errors import StoreError
from agents.messages import Message, SystemMessage

__all__ = ["dump_messages", "load_message"]

_MESSAGE: TypeAdapter[Message] = TypeAdapter(Message)


def dump_messages(messages: Sequence[Message]) -> list[tuple[str, str]]:
    """(role, JSON text) per storable message; system messages are not stored (instructions
    are resolved afresh by each run). Text, not dicts: pydantic writes JSON faster than json.dumps."""
    out: list[tuple[str, str]] = []
    for i, m in enumerate(messages):
        if isinstance(m, SystemMessage):
            continue
        try:
            out.append((m.role, m.model_dump_json()))
        except (PydanticSerializationError, ValueError, TypeError, AttributeError) as e:
            raise StoreError(
                f"Message {i} ({type(m).__name__}) cannot be stored as JSON: {e}. Nothing was written; "
                "tool call arguments and contents must be JSON values."
            ) from None
    return out


def load_message(data: str | bytes | dict[str, Any]) -> Message:
    """A stored message back; JSON text is validated directly so base64 bytes decode."""
    if isinstance(data, dict):
        data = json.dumps(data)
    return _MESSAGE.validate_json(data)
