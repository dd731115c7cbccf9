"""Deterministic checks on an `Outcome`: environment state, calls made, and the answer.

Every check is a pydantic model with a `kind`, so that the declarative kinds load from JSON
or YAML as well as from Python. Checks that run code (`state_predicate`,
`output_predicate`, `custom`) take a Python callable or, in data files, a
`"package.module:function"` reference.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evals.matching import (
    CallPattern,
    assign,
    closest_mismatch,
    contains_words,
    normalise_text,
    values_equal,
)
from evals.trace import Outcome, Verdict
from tools.errors import ConfigError

Predicate = Callable[..., Any] | str
"""A callable, or "package.module:function" naming one."""


def resolve(fn: Predicate) -> Callable[..., Any]:
    """The callable a predicate field names."""
    if callable(fn):
        return fn
    module_name, _, attr = fn.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"A predicate reference must look like 'package.module:function', not {fn!r}.")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"Cannot load predicate {fn!r}: {e}. Check the module path and name.") from e
    if not callable(found):
        raise ConfigError(f"Predicate {fn!r} names a {type(found).__name__}, not a function.")
    return found  # type: ignore[no-any-return]


def _name_of(fn: Predicate) -> str:
    return fn if isinstance(fn, str) else getattr(fn, "__name__", repr(fn))


def project(state: Any, path: Sequence[str | int]) -> Any:
    """`state[path[0]][path[1]]...`, through dicts, lists and attributes; KeyError if absent."""
    value = state
    for key in path:
        if isinstance(value, dict):  # noqa: SIM114 - mypy needs the branch below to narrow `key` to int
            value = value[key]
        elif isinstance(value, list | tuple) and isinstance(key, int):
            value = value[key]
        elif isinstance(key, str) and hasattr(value, key):
            value = getattr(value, key)
        else:
            raise KeyError(key)
    return value


def _subset(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _subset(actual[k], v) for k, v in expected.items()
        )
    return values_equal(actual, expected)


class _Check(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    def evaluate(self, outcome: Outcome) -> Verdict:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def _verdict(self, outcome: Outcome, passed: bool, detail: str = "") -> Verdict:
        return Verdict(check=self.describe(), passed=passed, detail=detail, turn=outcome.turn)


class StateEquals(_Check):
    """The environment state at `path` equals `expected` (or, with `subset`, contains it)."""

    kind: Literal["state_equals"] = "state_equals"
    path: list[str | int] = Field(default_factory=list)
    expected: Any
    subset: bool = False

    def describe(self) -> str:
        where = "/".join(str(p) for p in self.path) or "(whole state)"
        return f"state {where} {'contains' if self.subset else '=='} {self.expected!r}"

    def evaluate(self, outcome: Outcome) -> Verdict:
        try:
            actual = project(outcome.state, self.path)
        except (KeyError, IndexError) as e:
            return self._verdict(outcome, False, f"state has no {e}")
        ok = _subset(actual, self.expected) if self.subset else values_equal(actual, self.expected)
        return self._verdict(outcome, ok, "" if ok else f"found {actual!r}")


class StatePredicate(_Check):
    """`fn(state)` is true. `fn` takes the state snapshot (a projection of it, with `path`)."""

    kind: Literal["state_predicate"] = "state_predicate"
    fn: Predicate
    path: list[str | int] = Field(default_factory=list)
    description: str | None = None

    def describe(self) -> str:
        return self.description or f"state satisfies {_name_of(self.fn)}"

    def evaluate(self, outcome: Outcome) -> Verdict:
        try:
            ok = bool(resolve(self.fn)(project(outcome.state, self.path)))
        except (KeyError, IndexError) as e:
            return self._verdict(outcome, False, f"state has no {e}")
        return self._verdict(outcome, ok)


class RequiredCalls(_Check):
    """Each pattern is matched by a distinct call.

    `ordered`: the matching calls come in the patterns' order (other calls may sit between).
    `exact`: no other calls at all, so the calls and the patterns pair off one to one
    (the AST checker's rule for single, multiple and parallel function calls).
    """

    kind: Literal["required_calls"] = "required_calls"
    calls: list[CallPattern]
    ordered: bool = False
    exact: bool = False

    def describe(self) -> str:
        how = "exactly " if self.exact else ""
        return (
            f"calls {how}{', '.join(p.describe() for p in self.calls)}{' in order' if self.ordered else ''}"
        )

    def evaluate(self, outcome: Outcome) -> Verdict:
        calls = outcome.calls
        if self.exact and len(calls) != len(self.calls):
            return self._verdict(outcome, False, f"made {len(calls)} calls, expected {len(self.calls)}")
        if assign(self.calls, calls, ordered=self.ordered):
            return self._verdict(outcome, True)
        missing = [p for p in self.calls if not any(p.mismatch(c) is None for c in calls)]
        detail = (
            closest_mismatch(missing[0], calls) if missing else "the calls do not pair off with the patterns"
        )
        if self.ordered and not missing:
            detail = "the calls came in the wrong order"
        return self._verdict(outcome, False, detail)


class ForbiddenCalls(_Check):
    """No call matches any of the patterns (a pattern with `allow_extra` and no args bans a tool)."""

    kind: Literal["forbidden_calls"] = "forbidden_calls"
    calls: list[CallPattern]

    def describe(self) -> str:
        return f"never calls {', '.join(p.describe() for p in self.calls)}"

    def evaluate(self, outcome: Outcome) -> Verdict:
        for call in outcome.calls:
            for pattern in self.calls:
                if pattern.mismatch(call) is None:
                    return self._verdict(outcome, False, f"called {call.name}({call.arguments})")
        return self._verdict(outcome, True)


class NoCall(_Check):
    """The model made no tool call at all (the request was irrelevant to the tools)."""

    kind: Literal["no_call"] = "no_call"

    def describe(self) -> str:
        return "makes no call"

    def evaluate(self, outcome: Outcome) -> Verdict:
        if outcome.calls:
            return self._verdict(outcome, False, f"called {', '.join(c.name for c in outcome.calls)}")
        return self._verdict(outcome, True)


class OutputMatches(_Check):
    """The final answer equals (or contains) one of `expected`.

    Modes: `exact`; `normalised` (case, punctuation and spacing ignored); `contains` (the
    expected text occurs in the answer as whole words and numbers, case and punctuation
    ignored: "1" is not found in "2011" nor in "1.5"); `substring` (the normalised expected
    text occurs anywhere in the normalised answer, inside a word too: what `contains` was
    before it matched whole words).
    """

    kind: Literal["output"] = "output"
    expected: str | list[str]
    mode: Literal["exact", "normalised", "contains", "substring"] = "normalised"

    def describe(self) -> str:
        return f"answer {self.mode} {self.expected!r}"

    def _matches(self, answer: str, option: str) -> bool:
        if self.mode == "exact":
            return answer == option
        if self.mode == "contains":
            return contains_words(answer, option)
        if self.mode == "substring":
            return normalise_text(option) in normalise_text(answer)
        return normalise_text(answer) == normalise_text(option)

    def evaluate(self, outcome: Outcome) -> Verdict:
        if outcome.output is None:
            return self._verdict(outcome, False, "no final answer")
        options = [self.expected] if isinstance(self.expected, str) else self.expected
        if any(self._matches(outcome.output, option) for option in options):
            return self._verdict(outcome, True)
        return self._verdict(outcome, False, f"answer was {outcome.output[:200]!r}")


class OutputPredicate(_Check):
    """`fn(answer)` is true."""

    kind: Literal["output_predicate"] = "output_predicate"
    fn: Predicate
    description: str | None = None

    def describe(self) -> str:
        return self.description or f"answer satisfies {_name_of(self.fn)}"

    def evaluate(self, outcome: Outcome) -> Verdict:
        if outcome.output is None:
            return self._verdict(outcome, False, "no final answer")
        ok = bool(resolve(self.fn)(outcome.output))
        return self._verdict(outcome, ok, "" if ok else f"answer was {outcome.output[:200]!r}")


class CustomCheck(_Check):
    """Any Python check: `fn(outcome)` returns a bool, or a `(passed, detail)` pair."""

    kind: Literal["custom"] = "custom"
    fn: Predicate
    description: str | None = None

    def describe(self) -> str:
        return self.description or _name_of(self.fn)

    def evaluate(self, outcome: Outcome) -> Verdict:
        got = resolve(self.fn)(outcome)
        if isinstance(got, tuple):
            passed, detail = got
            return self._verdict(outcome, bool(passed), str(detail))
        return self._verdict(outcome, bool(got))


Check = Annotated[
    StateEquals
    | StatePredicate
    | RequiredCalls
    | ForbiddenCalls
    | NoCall
    | OutputMatches
    | OutputPredicate
    | CustomCheck,
    Field(discriminator="kind"),
]


def run_check(check: Check, outcome: Outcome) -> Verdict:
    """Evaluate one check; a check that raises fails with the error as its detail."""
    try:
        return check.evaluate(outcome)
    except ConfigError:
        raise  # a broken suite must stop the run, not score zero quietly
    except Exception as e:  # a predicate's bug is that check's failure, with its message
        return Verdict(
            check=check.describe(),
            passed=False,
            detail=f"check raised {type(e).__name__}: {e}",
            turn=outcome.turn,
        )
