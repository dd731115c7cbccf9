"""Each check kind, passing and failing, from Python and from data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from evals.checks import (
    Check,
    CustomCheck,
    ForbiddenCalls,
    NoCall,
    OutputMatches,
    OutputPredicate,
    RequiredCalls,
    StateEquals,
    StatePredicate,
    run_check,
)
from evals.matching import CallPattern
from evals.trace import CallRecord, Outcome
from tools.errors import ConfigError

STATE = {"orders": {"1001": {"status": "shipped", "items": {"MUG": 2}}}, "log": ["a", "b"]}


def outcome(
    calls: list[CallRecord] | None = None, output: str | None = "Done.", state: Any = STATE
) -> Outcome:
    return Outcome(calls=calls or [], output=output, state=state)


def call(name: str, **arguments: Any) -> CallRecord:
    return CallRecord(name=name, arguments=arguments)


def is_short(text: str) -> bool:
    return len(text) < 10


def test_state_equals() -> None:
    assert StateEquals(path=["orders", "1001", "status"], expected="shipped").evaluate(outcome()).passed
    failed = StateEquals(path=["orders", "1001", "status"], expected="pending").evaluate(outcome())
    assert not failed.passed and "shipped" in failed.detail
    assert StateEquals(path=["log", 1], expected="b").evaluate(outcome()).passed
    missing = StateEquals(path=["orders", "9999"], expected={}).evaluate(outcome())
    assert not missing.passed and "9999" in missing.detail


def test_state_subset() -> None:
    sub = StateEquals(path=["orders", "1001"], expected={"status": "shipped"}, subset=True)
    assert sub.evaluate(outcome()).passed
    assert not StateEquals(path=["orders", "1001"], expected={"status": "shipped"}).evaluate(outcome()).passed
    assert (
        not StateEquals(path=["orders"], expected={"1001": {"status": "x"}}, subset=True)
        .evaluate(outcome())
        .passed
    )


def test_state_predicate() -> None:
    assert StatePredicate(fn=lambda log: len(log) == 2, path=["log"]).evaluate(outcome()).passed
    assert not StatePredicate(fn=lambda s: "refunds" in s).evaluate(outcome()).passed


def test_required_calls() -> None:
    check = RequiredCalls(calls=[CallPattern(name="ship", args={"order_id": ["1001"]})])
    assert check.evaluate(outcome([call("get"), call("ship", order_id="1001")])).passed
    failed = check.evaluate(outcome([call("ship", order_id="1002")]))
    assert not failed.passed and "1002" in failed.detail
    assert "no call to 'ship'" in check.evaluate(outcome([call("get")])).detail


def test_required_calls_exact_and_ordered() -> None:
    a, b = CallPattern(name="a"), CallPattern(name="b")
    exact = RequiredCalls(calls=[a, b], exact=True)
    assert exact.evaluate(outcome([call("b"), call("a")])).passed
    assert "made 3 calls" in exact.evaluate(outcome([call("b"), call("a"), call("a")])).detail
    ordered = RequiredCalls(calls=[a, b], ordered=True)
    assert ordered.evaluate(outcome([call("a"), call("b")])).passed
    assert "wrong order" in ordered.evaluate(outcome([call("b"), call("a")])).detail


def test_forbidden_calls() -> None:
    check = ForbiddenCalls(calls=[CallPattern(name="delete", allow_extra=True)])
    assert check.evaluate(outcome([call("read", path="x")])).passed
    assert not check.evaluate(outcome([call("delete", path="x")])).passed


def test_no_call() -> None:
    assert NoCall().evaluate(outcome([])).passed
    assert not NoCall().evaluate(outcome([call("f")])).passed


@pytest.mark.parametrize(
    ("mode", "expected", "output", "passed"),
    [
        ("exact", "Paris", "Paris", True),
        ("exact", "Paris", "paris", False),
        ("normalised", "Paris", "  paris! ", True),
        ("normalised", "Paris", "It is Paris", False),
        ("contains", "paris", "It is PARIS.", True),
        ("contains", ["oslo", "paris"], "Paris", True),
        ("contains", "rome", "Paris", False),
        # Whole words and numbers: "1" is not in "2011", "1.5" or "x1"; numbers match as numbers.
        ("contains", "1", "It was built in 2011.", False),
        ("contains", "1", "It weighs 1.5 kg.", False),
        ("contains", "1", "Room x1.", False),
        ("contains", "2", "You need 2 mugs.", True),
        ("contains", "2", "There are 2.0 left", True),
        ("contains", "2011", "In 2,011 cases.", True),
        ("contains", "new york", "I live in New-York!", True),
        ("contains", "york new", "I live in New York", False),
        ("contains", "mug", "Two mugs", False),
        # The old behaviour, inside words too, stays available as `substring`.
        ("substring", "1", "It was built in 2011.", True),
        ("substring", "mug", "Two mugs", True),
        ("substring", "rome", "Paris", False),
    ],
)
def test_output_matches(mode: Any, expected: Any, output: str, passed: bool) -> None:
    assert OutputMatches(expected=expected, mode=mode).evaluate(outcome(output=output)).passed is passed


def test_output_missing_fails() -> None:
    assert not OutputMatches(expected="x").evaluate(outcome(output=None)).passed
    assert not OutputPredicate(fn=is_short).evaluate(outcome(output=None)).passed


def test_output_predicate() -> None:
    assert OutputPredicate(fn=is_short).evaluate(outcome(output="ok")).passed
    assert not OutputPredicate(fn=is_short).evaluate(outcome(output="much too long an answer")).passed


def test_custom_check_bool_and_detail() -> None:
    assert CustomCheck(fn=lambda o: len(o.calls) == 0).evaluate(outcome()).passed
    verdict = CustomCheck(fn=lambda o: (False, "nope")).evaluate(outcome())
    assert not verdict.passed and verdict.detail == "nope"


def test_raising_check_fails_with_message() -> None:
    verdict = run_check(CustomCheck(fn=lambda o: 1 / 0, description="div"), outcome())
    assert not verdict.passed and "ZeroDivisionError" in verdict.detail


def test_checks_load_from_data_with_references() -> None:
    adapter: TypeAdapter[list[Check]] = TypeAdapter(list[Check])
    checks = adapter.validate_python(
        [
            {"kind": "state_equals", "path": ["orders", "1001", "status"], "expected": "shipped"},
            {"kind": "required_calls", "calls": [{"name": "ship", "args": {"order_id": ["1001", 1001]}}]},
            {"kind": "forbidden_calls", "calls": [{"name": "refund", "allow_extra": True}]},
            {"kind": "no_call"},
            {"kind": "output", "expected": "done", "mode": "normalised"},
            {"kind": "output_predicate", "fn": f"{__name__}:is_short"},
        ]
    )
    results = [run_check(c, outcome([call("ship", order_id=1001)])) for c in checks]
    assert [v.passed for v in results] == [True, True, True, False, True, True]


def test_bad_reference_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"package\.module:function"):
        run_check(OutputPredicate(fn="no_colon"), outcome())
    with pytest.raises(ConfigError, match="Cannot load predicate"):
        run_check(OutputPredicate(fn="evals.nothing_here:f"), outcome())
