"""Shorthands for writing suites in Python: gold calls, call patterns and state checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evals.checks import CustomCheck, OutputMatches, RequiredCalls, StateEquals, StatePredicate
from evals.matching import CallPattern, normalise_text
from evals.tasks import GoldCall
from evals.trace import Outcome


def gold(name: str, /, **arguments: Any) -> GoldCall:
    """One gold call: `gold("move_file", source="/a", destination="/b")`."""
    return GoldCall(name=name, arguments=arguments)


def called(name: str, /, **allowed: Any) -> CallPattern:
    """A pattern on the named arguments only (others may be present): each value or list of values allowed."""
    return CallPattern(
        name=name, args={k: v if isinstance(v, list) else [v] for k, v in allowed.items()}, allow_extra=True
    )


def calls(*patterns: CallPattern, ordered: bool = False) -> RequiredCalls:
    return RequiredCalls(calls=list(patterns), ordered=ordered)


def state(*path: str | int, equals: Any) -> StateEquals:
    return StateEquals(path=list(path), expected=equals)


def contains(*path: str | int, subset: Any) -> StateEquals:
    return StateEquals(path=list(path), expected=subset, subset=True)


def absent(*path: str | int) -> StatePredicate:
    """The last key of `path` is not in the mapping at the rest of it."""
    *where, key = path
    return StatePredicate(
        fn=lambda m: key not in m, path=list(where), description=f"{'/'.join(map(str, path))} absent"
    )


def where(description: str, fn: Callable[[Any], bool], *path: str | int) -> StatePredicate:
    return StatePredicate(fn=fn, path=list(path), description=description)


def answer_contains(*texts: str) -> OutputMatches:
    """The answer holds one of `texts` as whole words or numbers ("2" is not found in "2026")."""
    return OutputMatches(expected=list(texts), mode="contains")


def check(description: str, fn: Callable[[Outcome], bool]) -> CustomCheck:
    return CustomCheck(fn=fn, description=description)


def lines(text: str) -> list[str]:
    """Non-empty lines, stripped: what a person means by "the lines of the file"."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def same_text(a: str, b: str) -> bool:
    return normalise_text(a) == normalise_text(b)
