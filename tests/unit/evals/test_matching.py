"""AST-style call matching: allowed values, optional and extra arguments, assignment of calls."""

from __future__ import annotations

import pytest

from evals.matching import CallPattern, assign, normalise_text, values_equal
from evals.trace import CallRecord


def rec(name: str, **arguments: object) -> CallRecord:
    return CallRecord(name=name, arguments=dict(arguments))


@pytest.mark.parametrize(
    ("actual", "expected", "equal"),
    [
        (2, 2.0, True),
        (True, 1, False),
        (1, True, False),
        (False, False, True),
        ("a", "a", True),
        ("A", "a", False),
        ([1, 2], [1, 2], True),
        ([1, 2], [2, 1], False),
        ({"a": [1]}, {"a": [1.0]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        (None, None, True),
        (None, "None", False),
        ("1", 1, False),
    ],
)
def test_values_equal(actual: object, expected: object, equal: bool) -> None:
    assert values_equal(actual, expected) is equal


def test_normalised_strings() -> None:
    assert normalise_text("  Hello,   World! ") == "hello world"
    assert values_equal("New-York", "new york", normalise_strings=True)
    assert not values_equal("New-York", "new york")


def test_pattern_allowed_values_and_optional() -> None:
    p = CallPattern(
        name="move", args={"src": ["a.txt", "./a.txt"], "dst": None, "force": [False]}, optional=["force"]
    )
    assert p.mismatch(rec("move", src="./a.txt", dst="anything")) is None
    assert p.mismatch(rec("move", src="a.txt", dst="b", force=False)) is None
    assert "is not one of" in (p.mismatch(rec("move", src="b.txt", dst="x")) or "")
    assert "missing argument 'dst'" in (p.mismatch(rec("move", src="a.txt")) or "")
    assert "unexpected argument 'mode'" in (p.mismatch(rec("move", src="a.txt", dst="x", mode=1)) or "")
    assert "expected 'move'" in (p.mismatch(rec("copy", src="a.txt", dst="x")) or "")
    assert "not a JSON object" in (p.mismatch(CallRecord(name="move", raw_arguments="{oops")) or "")


def test_pattern_allow_extra() -> None:
    p = CallPattern(name="f", args={"a": [1]}, allow_extra=True)
    assert p.mismatch(rec("f", a=1, b=2)) is None


def test_assign_unordered_needs_distinct_calls() -> None:
    a, b = CallPattern(name="f", args={"x": None}), CallPattern(name="f", args={"x": [1]})
    # The first call fits both patterns, the second only the first: a matching still exists.
    assert assign([a, b], [rec("f", x=1), rec("f", x=5)], ordered=False)
    assert not assign([a, b], [rec("f", x=1)], ordered=False)
    assert not assign([b, b], [rec("f", x=1), rec("f", x=5)], ordered=False)


def test_assign_ordered() -> None:
    first, second = CallPattern(name="a"), CallPattern(name="b")
    assert assign([first, second], [rec("a"), rec("c"), rec("b")], ordered=True)
    assert not assign([first, second], [rec("b"), rec("a")], ordered=True)
    assert assign([first, second], [rec("b"), rec("a")], ordered=False)
