"""Errors of the Gemma 4 codec.

`ParseError` is the family-neutral base (the agent catches it whatever the model family);
`Gemma4ParseError` carries where Gemma 4 text went wrong. `RenderError` is raised when a value
cannot be written in Gemma 4's format at all.
"""

from __future__ import annotations

from tools.errors import AgentsError


class ParseError(AgentsError):
    """Model text that should hold tool calls could not be read."""


class Gemma4ParseError(ParseError):
    """Gemma 4 text did not follow the native format.

    `position` is the character offset in the whole text (for a stream: in everything fed so
    far), `found` what was there (a short excerpt, or "end of input"), `expected` what the
    format allows at that point.
    """

    def __init__(self, position: int, found: str, expected: str, hint: str = "") -> None:
        self.position = position
        self.found = found
        self.expected = expected
        self.hint = hint
        message = (
            f"Gemma 4 tool-call text is malformed at character {position}: "
            f"expected {expected}, found {found}."
        )
        if hint:
            message += f" {hint}"
        super().__init__(message)


class RenderError(AgentsError):
    """A value cannot be written in Gemma 4's format (for example a string holding `<|"|>`)."""
