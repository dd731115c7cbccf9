"""Walking a JSON schema into EBNF rules, apart from how values are spelled.

`SchemaRules` turns schema nodes (types, enums, unions, refs, arrays, objects, ranges) into
EBNF expressions. How a string, an object key or a literal is written is the syntax's business:
the native call grammar (`grammar.py`) and the JSON answer grammar (`json_grammar.py`) each
subclass it. Rules go into a shared `RuleSet`, where a rule with the same body is written once
(a number range used by forty tools is one rule).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from agents.gemma4 import _numbers
from tools.errors import ConfigError

MAX_DEPTH = 40

# Numbers and booleans are written alike in both syntaxes (JSON's way). Numbers have at most
# two exponent digits [vLLM keeps a non-finite number as text], and at most 18 digits before
# and 17 after the point [a random model would write digits forever].
SCALAR_RULES = r"""
g4_uint ::= "0" | [1-9] [0-9]{0,17}
g4_int ::= "-"? g4_uint
g4_unum ::= g4_uint ("." [0-9]{1,17})? ([eE] [+\-]? [0-9]{1,2})?
g4_num ::= "-"? g4_unum
g4_bool ::= "true" | "false"
""".strip()


class RuleSet:
    """The named rules of one grammar; equal bodies share one name."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        self._by_body: dict[str, str] = {}
        self._counter = 0

    def new(self, stem: str, body: str) -> str:
        """A fresh rule (for rules that may be filled in later or must stay apart)."""
        self._counter += 1
        name = f"{stem}_{self._counter}"
        self.rules[name] = body
        return name

    def shared(self, stem: str, body: str) -> str:
        """A rule for this body, the existing one if the body was seen before."""
        if body not in self._by_body:
            self._by_body[body] = self.new(stem, body)
        return self._by_body[body]

    def text(self) -> str:
        return "\n".join(f"{k} ::= {v}" for k, v in self.rules.items())


def ebnf_literal(text: str) -> str:
    """`text` as an EBNF string literal."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def alt(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


class SchemaRules:
    """A schema node becomes an EBNF expression; subclasses say how strings, keys and literals look."""

    #: Rule names of the syntax's base rules.
    ANY = ""
    ANY_OBJECT = ""
    BOOL = "g4_bool"
    NUMBER = "g4_num"
    INTEGER = "g4_int"
    #: Rule name prefix for the rules this syntax adds.
    PREFIX = ""

    def __init__(
        self,
        rules: RuleSet,
        owner: str,
        *,
        max_string_length: int | None = None,
        max_items: int | None = None,
    ) -> None:
        self.rules = rules
        self.owner = owner  # named in errors: "Tool 'x'" or "Output type 'Y'"
        # Defaults for strings and arrays whose schema sets no maximum (None: unbounded).
        self.max_string_length = max_string_length
        self.max_items = max_items
        self.root: Mapping[str, Any] = {}
        self.refs: dict[str, str] = {}

    # -- syntax hooks ----------------------------------------------------------------------

    def string_value(self, schema: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def string_bounds(self, schema: Mapping[str, Any]) -> tuple[int, int | None]:
        """(minLength, maxLength) with the default maximum where the schema sets none."""
        lo, hi = schema.get("minLength"), schema.get("maxLength")
        lo_n = max(int(lo), 0) if isinstance(lo, int) else 0
        hi_n = int(hi) if isinstance(hi, int) else self.max_string_length
        if hi_n is not None and hi_n < lo_n:
            if isinstance(hi, int):
                raise self.fail(f"maxLength {hi} is below minLength {lo_n}.")
            hi_n = lo_n
        return lo_n, hi_n

    def string_literal(self, value: str) -> str:
        raise NotImplementedError

    def key(self, name: str) -> str:
        """`name:` (or `"name":`) as it must be written."""
        raise NotImplementedError

    def any_map(self, value: str) -> str:
        """An object with free keys, each holding `value`."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------

    def new_rule(self, stem: str, body: str) -> str:
        return self.rules.new(f"{self.PREFIX}_{stem}", body)

    def fail(self, message: str) -> ConfigError:
        return ConfigError(f"{self.owner}: {message}")

    def check_text(self, text: str, what: str) -> None:
        if "<|" in text or "|>" in text:
            raise self.fail(
                f"{what} {text!r} holds '<|' or '|>', which the grammar keeps out of strings so that no "
                "Gemma 4 marker can be spelled inside one; rename it."
            )

    def compile_root(self, schema: Mapping[str, Any]) -> str:
        self.root, self.refs = schema, {}
        return self.value(schema)

    def value(self, schema: Any, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise self.fail(f"schema nests deeper than {MAX_DEPTH} levels; simplify it.")
        if schema is True or not isinstance(schema, Mapping) or not schema:
            return self.ANY
        if "$ref" in schema:
            return self.ref(str(schema["$ref"]), depth)
        if "const" in schema:
            return self.literal(schema["const"])
        if "enum" in schema:
            return alt([self.literal(v) for v in schema["enum"]])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                return alt(
                    [
                        self.value({**base, **sub} if isinstance(sub, Mapping) else sub, depth + 1)
                        for sub in schema[key]
                    ]
                )
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for sub in schema["allOf"]:
                if isinstance(sub, Mapping):
                    merged = _merge(merged, self.resolve(sub))
            return self.value(merged, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            return alt([self.value({**schema, "type": k}, depth + 1) for k in kind] or [self.ANY])
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                return self.ANY
        if kind == "string":
            return self.string_value(schema)
        if kind == "integer":
            return self.integer_value(schema)
        if kind == "number":
            return self.number_value(schema)
        if kind == "boolean":
            return self.BOOL
        if kind == "null":
            return '"null"'
        if kind == "array":
            return self.array_value(schema, depth)
        if kind == "object":
            return self.object_value(schema, depth)
        raise self.fail(f"unknown JSON schema type {kind!r}.")

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 32:
            schema = self.pointer(str(schema["$ref"]))
            seen += 1
        return schema

    def pointer(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#"):
            raise self.fail(f"only local $ref (#/...) are supported, got {ref!r}.")
        node: Any = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise self.fail(f"$ref {ref!r} points nowhere in its schema.")
            node = node[part]
        if not isinstance(node, Mapping):
            raise self.fail(f"$ref {ref!r} does not point to a schema.")
        return node

    def ref(self, ref: str, depth: int) -> str:
        if ref not in self.refs:
            name = self.new_rule("ref", '""')
            self.refs[ref] = name  # registered before compiling the target: recursion works
            self.rules.rules[name] = self.value(self.pointer(ref), depth + 1)
        return self.refs[ref]

    def literal(self, value: Any) -> str:
        """The exact rendering of one JSON value."""
        if isinstance(value, str):
            self.check_text(value, "an enum or const string")
            return self.string_literal(value)
        if isinstance(value, bool) or value is None:
            return {True: '"true"', False: '"false"', None: '"null"'}[value]
        if isinstance(value, int | float):
            import json

            return '"' + json.dumps(value) + '"'
        if isinstance(value, list):
            inner = ' "," '.join(self.literal(v) for v in value)
            return f'"[" {inner} "]"' if value else '"[]"'
        if isinstance(value, Mapping):
            parts = ' "," '.join(f"{self.key(str(k))} {self.literal(v)}" for k, v in value.items())
            return f'"{{" {parts} "}}"' if value else '"{}"'
        raise self.fail(f"cannot use {value!r} as an enum or const value.")

    def integer_value(self, schema: Mapping[str, Any]) -> str:
        lo, hi = _bounds(schema, integer=True)
        if lo is None and hi is None:
            return self.INTEGER
        if lo is not None and hi is not None and hi < lo:
            raise self.fail(f"integer range [{lo}, {hi}] is empty.")
        try:
            body = _numbers.integer_range(_int(lo), _int(hi))
        except ValueError:
            return self.INTEGER  # beyond the digit cap: leave the range to validation
        return self.rules.shared("g4_intr", body)

    def number_value(self, schema: Mapping[str, Any]) -> str:
        lo, hi = _bounds(schema, integer=False)
        if lo is None and hi is None:
            return self.NUMBER
        if lo is not None and hi is not None and hi < lo:
            raise self.fail(f"number range [{lo}, {hi}] is empty.")
        try:
            body = _numbers.number_range(lo, hi)
        except ValueError:
            return self.NUMBER
        return self.rules.shared("g4_numr", body)

    def array_value(self, schema: Mapping[str, Any], depth: int) -> str:
        items = schema.get("items")
        item = self.value(items if isinstance(items, Mapping) else {}, depth + 1)
        lo = max(int(schema.get("minItems") or 0), 0)
        hi = schema.get("maxItems")
        hi_n = int(hi) if isinstance(hi, int) else self.max_items
        if hi_n is not None and hi_n < lo:
            if isinstance(hi, int):
                raise self.fail(f"maxItems {hi_n} is below minItems {lo}.")
            hi_n = lo
        if hi_n == 0:
            return '"[]"'
        item_rule = (
            item if " " not in item and not item.startswith(("(", '"')) else self.new_rule("item", item)
        )
        more_hi = "" if hi_n is None else str(hi_n - 1)
        more = f'("," {item_rule}){{{max(lo - 1, 0)},{more_hi}}}'
        if lo == 0:
            return self.rules.shared(f"{self.PREFIX}_arr", f'"[" ({item_rule} {more})? "]"')
        return self.rules.shared(f"{self.PREFIX}_arr", f'"[" {item_rule} {more} "]"')

    def object_value(self, schema: Mapping[str, Any], depth: int) -> str:
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        if not isinstance(props, Mapping) or (not props and not required):
            if isinstance(props, Mapping) and not extra:
                return '"{}"'  # "properties": {} declares no arguments
            if isinstance(extra, Mapping) and extra:
                return self.new_rule("map", self.any_map(self.value(extra, depth + 1)))
            return self.ANY_OBJECT
        entries: dict[str, Any] = dict(props)
        for name in required:
            entries.setdefault(name, {})
        items = [(name, name in required, self.value(sub, depth + 1)) for name, sub in entries.items()]
        native = self.sequence(items)
        required_first = [i for i in items if i[1]] + [i for i in items if not i[1]]
        if [i[0] for i in required_first] != [i[0] for i in items]:
            body = f"({native} | {self.sequence(required_first)})"
        else:
            body = native
        return self.rules.shared(f"{self.PREFIX}_obj", f'"{{" {body} "}}"')

    def sequence(self, items: list[tuple[str, bool, str]]) -> str:
        """Properties in this order, each optional one skippable, commas only between those written."""
        # rest[i][w]: the properties from i on, where w says whether one was written before.
        names: dict[tuple[int, bool], str] = {}
        for i in range(len(items), -1, -1):
            for written in (False, True):
                if i == len(items):
                    body = '""'
                else:
                    name, needed, value = items[i]
                    sep = '"," ' if written else ""
                    take = f"{sep}{self.key(name)} {value} {names[(i + 1, True)]}"
                    body = take if needed else f"({take}) | {names[(i + 1, written)]}"
                names[(i, written)] = self.rules.shared(f"{self.PREFIX}_props", body)
        return names[(0, False)]


def _int(x: float | None) -> int | None:
    return None if x is None else int(x)


def _finite(x: Any) -> float | None:
    """The bound as given (ints stay exact), or None when it is no finite number."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return x if isinstance(x, int) or math.isfinite(x) else None


def _bounds(schema: Mapping[str, Any], *, integer: bool) -> tuple[float | None, float | None]:
    """(minimum, maximum), exclusive bounds made inclusive (by one step for integers)."""
    lo, hi = _finite(schema.get("minimum")), _finite(schema.get("maximum"))
    xlo, xhi = _finite(schema.get("exclusiveMinimum")), _finite(schema.get("exclusiveMaximum"))
    step = 1 if integer else 0
    if xlo is not None:
        lo = xlo + step if lo is None else max(lo, xlo + step)
    if xhi is not None:
        hi = xhi - step if hi is None else min(hi, xhi - step)
    if integer:
        lo = math.ceil(lo) if lo is not None else None
        hi = math.floor(hi) if hi is not None else None
    return lo, hi


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow allOf merge: properties and required lists are united, other keys from b win."""
    out = {**a, **b}
    if "properties" in a or "properties" in b:
        out["properties"] = {**a.get("properties", {}), **b.get("properties", {})}
    if "required" in a or "required" in b:
        out["required"] = list(dict.fromkeys([*a.get("required", []), *b.get("required", [])]))
    return out
