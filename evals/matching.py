"""AST-style matching of tool calls against patterns with allowed argument values.

A `CallPattern` names a function and, for each argument, the values it may take. A call
matches when its name is the pattern's, every argument it passes is declared and holds one
of the allowed values, and every argument that is not optional is present. This is the
matching style of function-calling leaderboards (BFCL's AST checker): several correct
spellings of an argument are listed rather than guessed at.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from evals.trace import CallRecord

_PUNCT = re.compile(f"[{re.escape(string.punctuation)}]")
_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Lower case, punctuation dropped and runs of white space made one space."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", text.lower())).strip()


# A word: a run of letters and digits; a number keeps its decimal point and thousands
# separators ("1.5", "2,011"), so that "1" is not found inside either, nor inside "2011".
_WORD = re.compile(r"[^\W_]*\d(?:[.,]\d+)+|[^\W_]+")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def words(text: str) -> list[str]:
    """The words and numbers of `text`, lower case; punctuation and spacing dropped."""
    found = []
    for word in _WORD.findall(text.lower()):
        found.append(word.replace(",", "") if _THOUSANDS.fullmatch(word) else word)
    return found


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    return bool(_NUMBER.fullmatch(a) and _NUMBER.fullmatch(b)) and float(a) == float(b)


def contains_words(text: str, expected: str) -> bool:
    """Whether `expected` occurs in `text` as whole words (case and punctuation ignored).

    Numbers match as numbers: "2" is found in "2 mugs" and "2.0", not in "2026" or "12";
    "2011" is found in "2,011". Use a substring test where part of a word should count.
    """
    want, have = words(expected), words(text)
    return any(
        all(_same_word(have[i + j], w) for j, w in enumerate(want)) for i in range(len(have) - len(want) + 1)
    )


def values_equal(actual: Any, expected: Any, *, normalise_strings: bool = False) -> bool:
    """Equality for JSON values with the leniencies a model deserves and no more.

    An int equals the same float (a model writes `2` for a float parameter), but a bool is
    never a number. Lists compare item by item in order, dicts key by key. Strings compare
    exactly unless `normalise_strings` (then case, punctuation and spacing are ignored).
    """
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return float(actual) == float(expected)
    if isinstance(actual, str) and isinstance(expected, str):
        if normalise_strings:
            return normalise_text(actual) == normalise_text(expected)
        return actual == expected
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        return len(actual) == len(expected) and all(
            values_equal(a, e, normalise_strings=normalise_strings)
            for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(
            values_equal(actual[k], expected[k], normalise_strings=normalise_strings) for k in actual
        )
    return bool(actual is None and expected is None)


class CallPattern(BaseModel):
    """A call that a check expects (or forbids).

    `args` maps each argument name to the list of values it may take, or to None for "any
    value". Arguments named in `optional` may be left out. With `allow_extra`, arguments
    the pattern does not name are ignored; without it they make the call a mismatch.

    >>> CallPattern(name="move", args={"src": ["a.txt", "./a.txt"], "dst": None})
    """

    name: str
    args: dict[str, list[Any] | None] = Field(default_factory=dict)
    optional: list[str] = Field(default_factory=list)
    allow_extra: bool = False
    normalise_strings: bool = False

    def mismatch(self, call: CallRecord) -> str | None:
        """Why `call` does not match this pattern, or None when it does."""
        if call.name != self.name:
            return f"called {call.name!r}, expected {self.name!r}"
        if call.arguments is None:
            return f"{call.name}: arguments were not a JSON object: {call.raw_arguments!r}"
        for key, value in call.arguments.items():
            if key not in self.args:
                if self.allow_extra:
                    continue
                return f"{call.name}: unexpected argument {key!r}"
            allowed = self.args[key]
            if allowed is not None and not any(
                values_equal(value, a, normalise_strings=self.normalise_strings) for a in allowed
            ):
                return f"{call.name}: {key}={value!r} is not one of {allowed!r}"
        for key in self.args:
            if key not in call.arguments and key not in self.optional:
                return f"{call.name}: missing argument {key!r}"
        return None

    def describe(self) -> str:
        parts = [f"{k}∈{v!r}" if v is not None else f"{k}=*" for k, v in self.args.items()]
        return f"{self.name}({', '.join(parts)})"


def assign(patterns: Sequence[CallPattern], calls: Sequence[CallRecord], *, ordered: bool) -> bool:
    """Whether each pattern can be matched by a distinct call (in order, if `ordered`).

    Unordered matching is a bipartite matching, found by augmenting paths; the sizes are a
    handful of calls, so the simple algorithm is plenty.
    """
    if ordered:
        i = 0
        for call in calls:
            if i < len(patterns) and patterns[i].mismatch(call) is None:
                i += 1
        return i == len(patterns)
    fits = [[j for j, c in enumerate(calls) if p.mismatch(c) is None] for p in patterns]
    owner: dict[int, int] = {}  # call index -> pattern index

    def augment(p: int, seen: set[int]) -> bool:
        for j in fits[p]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = p
                return True
        return False

    return all(augment(p, set()) for p in range(len(patterns)))


def closest_mismatch(pattern: CallPattern, calls: Sequence[CallRecord]) -> str:
    """A one-line reason why no call matched `pattern`, preferring calls of the same name."""
    same = [c for c in calls if c.name == pattern.name]
    if not same:
        made = ", ".join(sorted({c.name for c in calls})) or "none"
        return f"no call to {pattern.name!r} (calls made: {made})"
    return pattern.mismatch(same[-1]) or "matched"
