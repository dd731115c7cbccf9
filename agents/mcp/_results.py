"""An MCP call's result as our content parts, and the text the model reads of it.

The model reads text: a tool result message holds text only. So text blocks are read as they
are; an image or audio block becomes an `ImagePart` / `AudioPart` for the program and a one-line
note for the model; structured content is kept as data and, when the server sent no text, shown
to the model as compact JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agents.messages import AudioPart, ContentPart, ImagePart, TextPart
from tools._types import ToolOutput

if TYPE_CHECKING:
    import mcp_types

_AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/mpeg": "mp3"}


@dataclass(frozen=True)
class MCPResult(ToolOutput):
    """What an MCP tool returned: `text` (what the model reads), `parts` (text, image and audio
    parts, in the server's order) and `structured` (the result's structured content, or None).
    It is the `ToolResult.value` of a call to an MCP tool."""

    parts: list[ContentPart] = field(default_factory=list)
    structured: dict[str, Any] | None = None


def to_result(result: mcp_types.CallToolResult) -> MCPResult:
    """Our parts and the model's text for a successful `CallToolResult`."""
    parts: list[ContentPart] = []
    lines: list[str] = []
    for block in result.content:
        part, line = _block(block)
        if part is not None:
            parts.append(part)
        lines.append(line)
    structured = result.structured_content
    text = "\n".join(lines)
    if structured is not None and not any(isinstance(p, TextPart) for p in parts):
        text = "\n".join([json.dumps(structured, ensure_ascii=False, separators=(",", ":")), *lines])
    return MCPResult(text=text, parts=parts, structured=structured)


def error_text(result: mcp_types.CallToolResult) -> str:
    """The text of an error result (its text blocks), or a note that it had none."""
    texts = [b.text for b in result.content if b.type == "text"]
    return "\n".join(texts) or "(the server gave no message)"


def _block(block: mcp_types.ContentBlock) -> tuple[ContentPart | None, str]:
    if block.type == "text":
        return TextPart(text=block.text), block.text
    if block.type == "image":
        data = _decode(block.data)
        if data is None:
            return None, f"[an image ({block.mime_type}) that was not valid base64]"
        return ImagePart(
            data=data, media_type=block.mime_type
        ), f"[image: {block.mime_type}, {len(data):,} bytes]"
    if block.type == "audio":
        data = _decode(block.data)
        kind = _AUDIO_FORMATS.get(block.mime_type)
        note = f"[audio: {block.mime_type}, {len(data or b''):,} bytes]"
        if data is None or kind is None:
            return None, note
        return AudioPart(data=data, format="mp3" if kind == "mp3" else "wav"), note
    if block.type == "resource":
        res = block.resource
        if hasattr(res, "text"):
            return TextPart(text=res.text), res.text
        mime = res.mime_type or "application/octet-stream"
        data = _decode(res.blob)
        note = f"[resource {res.uri}: {mime}, {len(data or b''):,} bytes]"
        if data is not None and mime.startswith("image/"):
            return ImagePart(data=data, media_type=mime), note
        return None, note
    # A resource link: the model learns where it is; reading resources is not a tool call.
    return None, f"[resource link: {block.name} at {block.uri}]"


def _decode(data: str) -> bytes | None:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
