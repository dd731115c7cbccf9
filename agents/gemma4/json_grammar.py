"""EBNF for a JSON value that matches a JSON schema (compact JSON: no whitespace).

Used for a run's typed final answer under the tool grammar: the reply is either native calls
or this JSON, so the answer is constrained in the same request as the calls. Strings keep the
tool grammar's safety rule (no `<|` or `|>` spelled raw, so no Gemma 4 marker appears in the
answer); the escaped forms stay available.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agents.gemma4._schema_rules import SCALAR_RULES, RuleSet, SchemaRules, ebnf_literal

# js_chars is the inside of a JSON string without "<|" or "|>", as a right-recursive state
# machine (after "<", after "|"): the form xgrammar precomputes cheaply (see g4_safe).
JSON_BASE_RULES = r"""
js_str ::= "\"" js_chars "\""
js_chars ::= "" | [^"\\<|\x00-\x1f] js_chars | js_esc js_chars | "<" js_chars_lt | "|" js_chars_bar
js_chars_lt ::= "" | [^"\\<|\x00-\x1f] js_chars | js_esc js_chars | "<" js_chars_lt
js_chars_bar ::= "" | [^"\\<|>\x00-\x1f] js_chars | js_esc js_chars | "<" js_chars_lt | "|" js_chars_bar
js_esc ::= "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})
js_char ::= [^"\\<|\x00-\x1f] | js_esc
js_any ::= js_str | g4_num | g4_bool | "null" | js_anyobj | js_anyarr
js_anyobj ::= "{" (js_str ":" js_any ("," js_str ":" js_any)*)? "}"
js_anyarr ::= "[" (js_any ("," js_any)*)? "]"
""".strip()


class JsonRules(SchemaRules):
    """Values in JSON syntax: quoted strings and keys."""

    ANY = "js_any"
    ANY_OBJECT = "js_anyobj"
    PREFIX = "js"

    def string_literal(self, value: str) -> str:
        return ebnf_literal(json.dumps(value, ensure_ascii=False))

    def key(self, name: str) -> str:
        self.check_text(name, "property name")
        return ebnf_literal(json.dumps(name, ensure_ascii=False) + ":")

    def any_map(self, value: str) -> str:
        return f'"{{" (js_str ":" {value} ("," js_str ":" {value})*)? "}}"'

    def string_value(self, schema: Mapping[str, Any]) -> str:
        lo, hi = self.string_bounds(schema)
        if lo == 0 and hi is None:
            return "js_str"
        count = f"{{{lo},{hi}}}" if hi is not None else f"{{{lo},}}"
        # Counting needs a per-character rule; an escape counts as one character.
        return self.rules.shared("js_strn", f'"\\"" js_char{count} "\\""')


def json_value_rule(
    schema: Mapping[str, Any],
    rules: RuleSet,
    *,
    max_string_length: int | None = None,
    max_items: int | None = None,
    owner: str = "Output",
) -> str:
    """Add the rules for a JSON value matching `schema` to `rules`; returns the value's expression.

    The grammar that uses it must also hold `JSON_BASE_RULES` and `SCALAR_RULES`. The limits
    apply to strings and arrays whose schema sets no maximum.
    """
    return JsonRules(rules, owner, max_string_length=max_string_length, max_items=max_items).compile_root(
        schema
    )


def compile_json_grammar(
    schema: Mapping[str, Any], *, max_string_length: int | None = None, max_items: int | None = None
) -> str:
    """A whole grammar (`root`) for one compact JSON value matching `schema`."""
    rules = RuleSet()
    value = json_value_rule(schema, rules, max_string_length=max_string_length, max_items=max_items)
    return "\n".join([f"root ::= {value}", JSON_BASE_RULES, SCALAR_RULES, rules.text()]) + "\n"
