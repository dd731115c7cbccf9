"""Reading one call (`call:NAME{...}`) and its values: the recursive core of the parsers.

Strict mode reads exactly the canonical format (what `render` writes and the grammar allows).
Lenient mode also reads what models and vLLM's parser tolerate: whitespace between tokens,
stray commas, `:NAME` without `call`, and bare words, which become strings as vLLM returns them.
"""

from __future__ import annotations

import math
from typing import Any

from agents.gemma4._syntax import BARE_KEY, NUMBER, STRING_DELIM, TOOL_NAME
from agents.gemma4.errors import Gemma4ParseError

_DELIM_LEN = len(STRING_DELIM)
_WHITESPACE = " \t\r\n"
_BARE_END = ",}]"
#: Deeper nesting than any real tool takes; stops hostile text from exhausting the stack.
MAX_DEPTH = 64
#: Longest integer read as a number: Python refuses to convert longer digit strings (4,300 by
#: default, `sys.get_int_max_str_digits`), and no tool argument needs one.
MAX_INT_DIGITS = 4000
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def excerpt(text: str, i: int) -> str:
    """What stands at `i`, for error messages."""
    if i >= len(text):
        return "end of input"
    piece = text[i : i + 24]
    return repr(piece) + ("..." if len(text) > i + 24 else "")


class CallReader:
    """Reads `text` (the inside of one `<|tool_call>...<tool_call|>`) starting at offset `base`."""

    def __init__(self, text: str, base: int, *, strict: bool) -> None:
        self.text = text
        self.base = base
        self.strict = strict
        self.i = 0

    # -- errors and small helpers ------------------------------------------------------

    def fail(self, expected: str, at: int | None = None, hint: str = "") -> Gemma4ParseError:
        at = self.i if at is None else at
        return Gemma4ParseError(self.base + at, excerpt(self.text, at), expected, hint)

    def skip_ws(self) -> None:
        if not self.strict:
            while self.i < len(self.text) and self.text[self.i] in _WHITESPACE:
                self.i += 1

    def peek(self) -> str:
        return self.text[self.i] if self.i < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(repr(char))
        self.i += 1

    # -- the call --------------------------------------------------------------------

    def head(self) -> str:
        """`call:NAME` up to (not including) the `{`; returns the name."""
        self.skip_ws()
        if self.text.startswith("call:", self.i):
            self.i += len("call:")
        elif not self.strict and self.peek() == ":":
            self.i += 1  # some checkpoints write `<|tool_call>:name{...}`; vLLM reads it too
        elif self.strict:
            raise self.fail("'call:' right after <|tool_call>")
        brace = self.text.find("{", self.i)
        if brace < 0:
            raise self.fail("a tool name followed by '{'", at=len(self.text))
        raw = self.text[self.i : brace]
        name = raw.strip() if not self.strict else raw
        if not name or (self.strict and not TOOL_NAME.fullmatch(name)) or STRING_DELIM in name:
            raise self.fail("a tool name (letters, digits, '_', '-', '.')")
        self.i = brace
        return name

    def call(self) -> tuple[str, dict[str, Any]]:
        """The whole call text: name and arguments; nothing may follow but (lenient) whitespace."""
        name = self.head()
        args = self.obj(0)
        self.skip_ws()
        if self.i != len(self.text):
            raise self.fail("'<tool_call|>' after the closing '}' of the arguments")
        return name, args

    # -- values ----------------------------------------------------------------------

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"at most {MAX_DEPTH} levels of nesting")
        self.skip_ws()
        c = self.peek()
        if self.text.startswith(STRING_DELIM, self.i):
            return self.string()
        if c == "{":
            return self.obj(depth + 1)
        if c == "[":
            return self.arr(depth + 1)
        return self.scalar()

    def string(self) -> str:
        start = self.i + _DELIM_LEN
        end = self.text.find(STRING_DELIM, start)
        if end < 0:
            raise self.fail(f"a closing {STRING_DELIM!r} for the string opened here")
        self.i = end + _DELIM_LEN
        return self.text[start:end]

    def scalar(self) -> Any:
        start = self.i
        if self.strict:
            m = NUMBER.match(self.text, start)
            if m:
                self.i = m.end()
                self._check_scalar_end(start)
                number = _number(m.group())
                if number is None:
                    raise self.fail(
                        f"a finite number (an integer of at most {MAX_INT_DIGITS} digits)", at=start
                    )
                return number
            for word, val in _LITERALS.items():
                if self.text.startswith(word, start):
                    self.i = start + len(word)
                    self._check_scalar_end(start)
                    return val
            raise self.fail(
                f"a value ({STRING_DELIM}string{STRING_DELIM}, number, true, false, null, {{...}} or [...])"
            )
        # Lenient: like vLLM, a bare value runs to the next ',', '}' or ']'.
        end = start
        while end < len(self.text) and self.text[end] not in _BARE_END:
            if self.text.startswith(STRING_DELIM, end):
                break
            end += 1
        raw = self.text[start:end].strip()
        if not raw:
            raise self.fail("a value", at=start)
        self.i = end
        return _typed_bare(raw)

    def _check_scalar_end(self, start: int) -> None:
        if self.i < len(self.text) and self.text[self.i] not in _BARE_END:
            raise self.fail(
                "',', '}' or ']' after the value", hint=f"The value began at {self.base + start}."
            )

    def key(self) -> str:
        if self.text.startswith(STRING_DELIM, self.i):
            return self.string()
        if self.strict:
            m = BARE_KEY.match(self.text, self.i)
            if not m:
                raise self.fail(f"a key (a bare identifier or {STRING_DELIM}text{STRING_DELIM})")
            self.i = m.end()
            return m.group()
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in ":,{}[]":
            if self.text.startswith(STRING_DELIM, self.i):
                break
            self.i += 1
        key = self.text[start : self.i].strip()
        if not key:
            raise self.fail("a key", at=start)
        return key

    def skip_separators(self) -> None:
        """Lenient only: vLLM skips stray commas and whitespace before a key or item."""
        if not self.strict:
            while self.i < len(self.text) and self.text[self.i] in ("," + _WHITESPACE):
                self.i += 1

    def obj(self, depth: int) -> dict[str, Any]:
        self.expect("{")
        out: dict[str, Any] = {}
        self.skip_separators()
        if self.peek() == "}":
            self.i += 1
            return out
        while True:
            key_at = self.i
            key = self.key()
            self.skip_ws()
            self.expect(":")
            val = self.value(depth)
            if self.strict and key in out:
                raise self.fail(f"no second {key!r} key in one object", at=key_at)
            out[key] = val
            self.skip_ws()
            c = self.peek()
            if c == ",":
                self.i += 1
                self.skip_separators()
                if not self.strict and self.peek() == "}":
                    self.i += 1
                    return out
            elif c == "}":
                self.i += 1
                return out
            else:
                raise self.fail("',' or '}'")

    def arr(self, depth: int) -> list[Any]:
        self.expect("[")
        out: list[Any] = []
        self.skip_separators()
        if self.peek() == "]":
            self.i += 1
            return out
        while True:
            out.append(self.value(depth))
            self.skip_ws()
            c = self.peek()
            if c == ",":
                self.i += 1
                self.skip_separators()
                if not self.strict and self.peek() == "]":
                    self.i += 1
                    return out
            elif c == "]":
                self.i += 1
                return out
            else:
                raise self.fail("',' or ']'")


def _typed_bare(raw: str) -> Any:
    """A bare word as its JSON type when it is one, else the text (what vLLM returns)."""
    if raw in _LITERALS:
        return _LITERALS[raw]
    if NUMBER.fullmatch(raw):
        number = _number(raw)
        return raw if number is None else number  # vLLM keeps a non-finite number as text too
    return raw


def _number(raw: str) -> int | float | None:
    """A JSON number's value; None when it is not finite or has too many digits to convert."""
    if not any(ch in raw for ch in ".eE"):
        return int(raw) if len(raw.lstrip("-")) <= MAX_INT_DIGITS else None
    number = float(raw)
    return number if math.isfinite(number) else None


def read_call(text: str, base: int, *, strict: bool) -> tuple[str, dict[str, Any]]:
    """Name and arguments of one call body (`call:NAME{...}`)."""
    return CallReader(text, base, strict=strict).call()


def read_head(text: str, base: int, *, strict: bool) -> str:
    """Only the name, once the `{` has arrived (for the streaming `CallStarted` event)."""
    return CallReader(text, base, strict=strict).head()
