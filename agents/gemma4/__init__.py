"""Gemma 4's native tool-call format: render, parse (one-shot and streamed), and grammar.

Importable on its own: it depends only on `tools` and the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.gemma4.errors import Gemma4ParseError, ParseError, RenderError
from agents.gemma4.parse import (
    CallSegment,
    Segment,
    TextSegment,
    ThoughtSegment,
    extract_calls,
    parse,
    parse_calls,
)
from agents.gemma4.stream import (
    CallFinished,
    CallStarted,
    StreamEvent,
    StreamParser,
    TextDelta,
    ThoughtDelta,
    ThoughtFinished,
)
from tools._lazy import lazy_names

if TYPE_CHECKING:
    from agents.gemma4.grammar import ToolGrammar, compile_tool_grammar
    from agents.gemma4.render import (
        render_call,
        render_calls,
        render_declaration,
        render_declarations,
        render_response,
        render_thought,
        render_value,
    )

# The parser is eager: a Gemma 4 profile splits thoughts from every reply with it. The grammar
# (with its schema rules) and the renderer are imported on first use (PEP 562): a run in server
# mode never needs them.
_LAZY = {
    **dict.fromkeys(("ToolGrammar", "compile_tool_grammar"), ".grammar"),
    **dict.fromkeys(
        (
            "render_call",
            "render_calls",
            "render_declaration",
            "render_declarations",
            "render_response",
            "render_thought",
            "render_value",
        ),
        ".render",
    ),
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = [
    "CallFinished",
    "CallSegment",
    "CallStarted",
    "Gemma4ParseError",
    "ParseError",
    "RenderError",
    "Segment",
    "StreamEvent",
    "StreamParser",
    "TextDelta",
    "TextSegment",
    "ThoughtDelta",
    "ThoughtFinished",
    "ThoughtSegment",
    "ToolGrammar",
    "compile_tool_grammar",
    "extract_calls",
    "parse",
    "parse_calls",
    "render_call",
    "render_calls",
    "render_declaration",
    "render_declarations",
    "render_response",
    "render_thought",
    "render_value",
]
