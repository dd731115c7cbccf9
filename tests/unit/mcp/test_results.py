"""Each kind of MCP content block, as our parts and as the text the model reads."""

from __future__ import annotations

import base64

import mcp_types as t

from agents.mcp._results import error_text, to_result
from agents.messages import AudioPart, ImagePart, TextPart
from tools._content import to_content

WAV = b"RIFF\x00\x00\x00\x00WAVE"
PNG = b"\x89PNG\r\n\x1a\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_every_block_kind() -> None:
    result = t.CallToolResult(
        content=[
            t.TextContent(type="text", text="Here:"),
            t.ImageContent(type="image", data=b64(PNG), mime_type="image/png"),
            t.AudioContent(type="audio", data=b64(WAV), mime_type="audio/wav"),
            t.AudioContent(type="audio", data=b64(b"ogg"), mime_type="audio/ogg"),
            t.EmbeddedResource(
                type="resource", resource=t.TextResourceContents(uri="file:///a.txt", text="file text")
            ),
            t.EmbeddedResource(
                type="resource",
                resource=t.BlobResourceContents(uri="file:///b.png", mime_type="image/png", blob=b64(PNG)),
            ),
            t.ResourceLink(type="resource_link", name="log", uri="file:///log.txt"),
            t.ImageContent(type="image", data="not base64!", mime_type="image/png"),
        ]
    )
    out = to_result(result)
    assert [type(p) for p in out.parts] == [TextPart, ImagePart, AudioPart, TextPart, ImagePart]
    assert out.parts[1] == ImagePart(data=PNG, media_type="image/png")
    assert out.parts[2] == AudioPart(data=WAV, format="wav")
    assert out.text.splitlines() == [
        "Here:",
        "[image: image/png, 8 bytes]",
        "[audio: audio/wav, 12 bytes]",
        "[audio: audio/ogg, 3 bytes]",
        "file text",
        "[resource file:///b.png: image/png, 8 bytes]",
        "[resource link: log at file:///log.txt]",
        "[an image (image/png) that was not valid base64]",
    ]
    assert to_content(out) == out.text  # what the registry sends the model


def test_structured_content_is_kept_and_shown_when_there_is_no_text() -> None:
    only_data = to_result(t.CallToolResult(content=[], structured_content={"temp": 21.5, "city": "Oslo"}))
    assert only_data.text == '{"temp":21.5,"city":"Oslo"}' and only_data.structured == {
        "temp": 21.5,
        "city": "Oslo",
    }
    both = to_result(
        t.CallToolResult(
            content=[t.TextContent(type="text", text="21.5 in Oslo")], structured_content={"t": 1}
        )
    )
    assert both.text == "21.5 in Oslo" and both.structured == {"t": 1}


def test_error_text() -> None:
    assert (
        error_text(t.CallToolResult(content=[t.TextContent(type="text", text="no")], is_error=True)) == "no"
    )
    assert error_text(t.CallToolResult(content=[], is_error=True)) == "(the server gave no message)"
