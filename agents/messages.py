"""Typed messages: what the agent and the model say to each other.

Messages are model-agnostic; `agents.models.openai` turns them into the OpenAI chat format.
They are pydantic models so that a run's history serialises to JSON (traces, stores, evals).
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools import ToolCall
from tools._types import ResultStatus


class _Part(BaseModel):
    # Bytes travel as base64 in JSON (stores, traces): raw bytes are not valid UTF-8 text.
    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")


class TextPart(_Part):
    type: Literal["text"] = "text"
    text: str


class ImagePart(_Part):
    """An image, by URL (http(s) or data:) or by its bytes."""

    type: Literal["image"] = "image"
    url: str | None = None
    data: bytes | None = None
    media_type: str = "image/png"

    @classmethod
    def from_path(cls, path: str | Path) -> ImagePart:
        p = Path(path)
        media_type = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
        if not media_type.startswith("image/"):
            raise ValueError(f"{p} does not look like an image (guessed type {media_type})")
        return cls(data=p.read_bytes(), media_type=media_type)

    def as_url(self) -> str:
        if self.url is not None:
            return self.url
        if self.data is None:
            raise ValueError("ImagePart needs a url or data")
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode()}"


class AudioPart(_Part):
    """Audio bytes (wav or mp3), for models that take audio input (Gemma 4 E2B/E4B)."""

    type: Literal["audio"] = "audio"
    data: bytes
    format: Literal["wav", "mp3"] = "wav"

    @classmethod
    def from_path(cls, path: str | Path) -> AudioPart:
        p = Path(path)
        suffix = p.suffix.lower().lstrip(".")
        if suffix not in ("wav", "mp3"):
            raise ValueError(f"{p}: audio must be .wav or .mp3, not .{suffix}")
        return cls(data=p.read_bytes(), format="mp3" if suffix == "mp3" else "wav")


ContentPart = Annotated[TextPart | ImagePart | AudioPart, Field(discriminator="type")]


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True)


class SystemMessage(_Message):
    role: Literal["system"] = "system"
    content: str


class UserMessage(_Message):
    role: Literal["user"] = "user"
    content: str | list[ContentPart]

    @property
    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content if isinstance(p, TextPart))


class AssistantMessage(_Message):
    """One model turn: text and/or tool calls; `reasoning` holds its thoughts, if any.

    Thoughts are kept here for the trace but never sent back to a model whose profile
    says to strip them (Gemma 4).
    """

    role: Literal["assistant"] = "assistant"
    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    reasoning: str | None = None


class ToolResultMessage(_Message):
    role: Literal["tool"] = "tool"
    call_id: str
    name: str
    content: str
    status: ResultStatus = "ok"


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolResultMessage, Field(discriminator="role")
]


def user(content: str | list[ContentPart] | list[Any]) -> UserMessage:
    """A user message from text or a list of parts."""
    return UserMessage(content=content)
