"""The literal pieces of Gemma 4's native format, shared by the renderer, parsers and grammar."""

from __future__ import annotations

import re

TOOL_DECL_OPEN = "<|tool>"
TOOL_DECL_CLOSE = "<tool|>"
CALL_OPEN = "<|tool_call>"
CALL_CLOSE = "<tool_call|>"
RESPONSE_OPEN = "<|tool_response>"
RESPONSE_CLOSE = "<tool_response|>"
STRING_DELIM = '<|"|>'
THOUGHT_OPEN = "<|channel>"
THOUGHT_CLOSE = "<channel|>"
THOUGHT_PREFIX = "thought\n"
TURN_OPEN = "<|turn>"
TURN_CLOSE = "<turn|>"

#: Keys written without delimiters. Anything else (spaces, colons, quotes, braces...) is written
#: between `<|"|>` delimiters, which vLLM's parser unwraps too.
BARE_KEY = re.compile(r"[A-Za-z0-9_$.\-]+")
#: What a tool name may look like in strict mode (OpenAI's rule plus dots).
TOOL_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
#: JSON numbers, exactly.
NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
