"""A raw schema is checked against its meta-schema once per schema, not once per tool built.

An eval builds the same raw-schema tools for every trial, and the check costs milliseconds.
"""

from __future__ import annotations

import pytest

from tools import Tool
from tools._tool import _check_schema
from tools.errors import ConfigError

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


def test_the_same_schema_is_checked_once() -> None:
    _check_schema.cache_clear()
    first = Tool.from_schema("f", "F.", SCHEMA)
    second = Tool.from_schema("g", "G.", dict(reversed(list(SCHEMA.items()))))  # same schema, other order
    assert _check_schema.cache_info().misses == 1 and _check_schema.cache_info().hits == 1
    assert first.validate({"a": 1}) == second.validate({"a": 1}) == {"a": 1}


def test_a_bad_schema_fails_every_time() -> None:
    bad = {"type": "object", "properties": {"a": {"type": "no-such-type"}}}
    for _ in range(2):
        with pytest.raises(ConfigError, match="not a valid JSON schema"):
            Tool.from_schema("f", "F.", bad)
