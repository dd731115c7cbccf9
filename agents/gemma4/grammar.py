"""Compiling a toolset's JSON schemas into an xgrammar EBNF grammar of Gemma 4's native calls.

vLLM's structured outputs (xgrammar backend) enforce the grammar, so every call the model
writes names a real tool and carries arguments of the declared shape, in the model's own
format. The request shape that works with vLLM 0.32:

    {"tools": [...], "tool_choice": "auto", "structured_outputs": {"grammar": EBNF}}

vLLM's `gemma4` tool parser then returns the calls as OpenAI `tool_calls`.

Safety rules built into every grammar (reasons in brackets):
- Text and strings never hold `<|` or `|>`, so no marker can be spelled out inside them
  [vLLM's parser is not string-aware: a `<tool_call|>` inside a string would end the call].
- Object keys are the declared ones (or plain identifiers for free-form objects) [vLLM reads
  a key up to the first `:`].
- Numbers have at most two exponent digits [vLLM keeps a non-finite number as text], and at
  most 18 digits before and 17 after the point [a random model would write digits forever].

What the grammar does not enforce (the registry still validates): string `pattern` and
`format`, `multipleOf`, `uniqueItems`, integer and number ranges wider than 1024 values (only the sign is
enforced), exclusivity of `oneOf`, and `not`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.gemma4._syntax import (
    BARE_KEY,
    CALL_CLOSE,
    CALL_OPEN,
    STRING_DELIM,
    THOUGHT_CLOSE,
    THOUGHT_OPEN,
    THOUGHT_PREFIX,
)
from tools.errors import ConfigError

#: Marker names understood in `marker_token_ids` (the keys of the Gemma 4 profile).
MARKER_NAMES = ("tool_call_start", "tool_call_end", "string_delim", "thought_start", "thought_end")
_MARKER_TEXT = {
    "tool_call_start": CALL_OPEN,
    "tool_call_end": CALL_CLOSE,
    "string_delim": STRING_DELIM,
    "thought_start": THOUGHT_OPEN,
    "thought_end": THOUGHT_CLOSE,
}
#: Integer ranges up to this many values are listed exactly; wider ones only keep their sign.
_MAX_ENUMERATED_RANGE = 1024

# g4_safe is text without "<|" or "|>" (which vLLM's parser would read as markers), written as
# a right-recursive state machine (after "<", after "|"). The same language as a repetition
# of alternatives cost xgrammar 300-500 ms per token mask at Gemma's 262k vocabulary (it could
# not precompute the masks); this form takes 0.02-0.04 ms (measured on this machine).
_BASE_RULES = r"""
g4_safe ::= "" | [^<|] g4_safe | "<" g4_safe_lt | "|" g4_safe_bar
g4_safe_lt ::= "" | [^<|] g4_safe | "<" g4_safe_lt
g4_safe_bar ::= "" | [^<|>] g4_safe | "<" g4_safe_lt | "|" g4_safe_bar
g4_str ::= g4_q g4_safe g4_q
g4_uint ::= "0" | [1-9] [0-9]{0,17}
g4_int ::= "-"? g4_uint
g4_unum ::= g4_uint ("." [0-9]{1,17})? ([eE] [+\-]? [0-9]{1,2})?
g4_num ::= "-"? g4_unum
g4_bool ::= "true" | "false"
g4_key ::= [A-Za-z0-9_$.\-]+
g4_any ::= g4_str | g4_num | g4_bool | "null" | g4_anyobj | g4_anyarr
g4_anyobj ::= "{" (g4_key ":" g4_any ("," g4_key ":" g4_any)*)? "}"
g4_anyarr ::= "[" (g4_any ("," g4_any)*)? "]"
""".strip()


@dataclass(frozen=True)
class ToolGrammar:
    """A compiled constraint: `ebnf` for xgrammar, plus the request fields that carry it."""

    ebnf: str
    tool_names: tuple[str, ...]
    logit_bias: dict[int, float] | None = field(default=None)

    def structured_outputs(self) -> dict[str, Any]:
        """vLLM's `structured_outputs` field."""
        return {"grammar": self.ebnf}

    def request_fields(self) -> dict[str, Any]:
        """Fields to merge into a chat-completions body (tools and tool_choice "auto" stay the caller's)."""
        fields: dict[str, Any] = {"structured_outputs": self.structured_outputs()}
        if self.logit_bias:
            fields["logit_bias"] = {str(k): v for k, v in self.logit_bias.items()}
        return fields


def compile_tool_grammar(
    tools: Iterable[Any],
    *,
    require_call: bool = False,
    tool_name: str | None = None,
    parallel: bool = True,
    allow_text: bool = True,
    allow_thought: bool = False,
    marker_token_ids: Mapping[str, int] | None = None,
    marker_bias: float | None = None,
) -> ToolGrammar:
    """Compile tools (OpenAI function specs, or objects with `.name` and `.parameters`).

    require_call: at least one call. tool_name: only this tool may be called (implies
    require_call). parallel: several calls in a row allowed. allow_text: text may come before
    and after the calls; without it the reply is either calls only or text only (calls only when
    a call is required). allow_thought: a leading `<|channel>thought...` block is allowed (vLLM
    applies the grammar after the thought anyway unless `enable_in_reasoning` is set).
    marker_token_ids: tokenizer ids of markers (keys in `MARKER_NAMES`); a marker with an id is
    required as that single token, which keeps small or random models from spelling it in
    pieces that vLLM's streaming parser does not see. marker_bias: also return a `logit_bias`
    of this size for the tool-call end and string delimiter ids (the start marker is never
    biased: that would force a call).
    """
    specs = [_spec_of(t) for t in tools]
    if not specs:
        raise ConfigError("Cannot compile a tool grammar for an empty toolset; declare at least one tool.")
    names = [name for name, _ in specs]
    if len(set(names)) != len(names):
        raise ConfigError(f"Tool names must be unique to compile a grammar; got {names}.")
    if tool_name is not None:
        if tool_name not in names:
            raise ConfigError(f"tool_name {tool_name!r} is not in the toolset ({', '.join(names)}).")
        specs = [s for s in specs if s[0] == tool_name]
        require_call = True
    ids = dict(marker_token_ids or {})
    unknown = set(ids) - set(MARKER_NAMES)
    if unknown:
        raise ConfigError(f"Unknown marker names {sorted(unknown)}; expected some of {list(MARKER_NAMES)}.")
    compiler = _Compiler(ids)
    ebnf = compiler.compile(
        specs,
        require_call=require_call,
        parallel=parallel,
        allow_text=allow_text,
        allow_thought=allow_thought,
    )
    bias = None
    if marker_bias is not None:
        bias = {ids[k]: marker_bias for k in ("tool_call_end", "string_delim") if k in ids}
    return ToolGrammar(ebnf=ebnf, tool_names=tuple(name for name, _ in specs), logit_bias=bias or None)


def _spec_of(tool: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(tool, Mapping):
        fn = tool.get("function", tool)
        name, params = fn.get("name"), fn.get("parameters")
    else:
        name, params = getattr(tool, "name", None), getattr(tool, "parameters", None)
    if not isinstance(name, str) or not name:
        raise ConfigError(f"Every tool needs a name to compile a grammar; got {tool!r}.")
    if params is None:
        params = {"type": "object", "properties": {}}
    if not isinstance(params, Mapping):
        raise ConfigError(f"Tool {name!r} has parameters that are not a JSON schema object: {params!r}.")
    return name, dict(params)


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


def _alt(options: list[str]) -> str:
    unique = list(dict.fromkeys(options))
    return unique[0] if len(unique) == 1 else "(" + " | ".join(unique) + ")"


class _Compiler:
    """Builds the rules of one grammar; a schema node becomes an EBNF expression."""

    def __init__(self, marker_ids: Mapping[str, int]) -> None:
        self.ids = marker_ids
        self.rules: dict[str, str] = {}
        self.counter = 0
        self.root: dict[str, Any] = {}
        self.tool = ""
        self.refs: dict[tuple[str, str], str] = {}

    def marker(self, name: str) -> str:
        return f"Token({self.ids[name]})" if name in self.ids else ebnf_literal(_MARKER_TEXT[name])

    def new_rule(self, stem: str, body: str) -> str:
        self.counter += 1
        name = f"g4_{stem}_{self.counter}"
        self.rules[name] = body
        return name

    def compile(
        self,
        specs: list[tuple[str, dict[str, Any]]],
        *,
        require_call: bool,
        parallel: bool,
        allow_text: bool,
        allow_thought: bool,
    ) -> str:
        calls = []
        for name, params in specs:
            if STRING_DELIM in name or "{" in name:
                raise ConfigError(f"Tool name {name!r} cannot be written in Gemma 4's call format.")
            self.root, self.tool = params, name
            args = self.value({"type": "object", **params})
            calls.append(
                self.new_rule("call", f"g4_call_open {ebnf_literal('call:' + name)} {args} g4_call_close")
            )
        self.rules["g4_one_call"] = " | ".join(calls)
        self.rules["g4_calls"] = "g4_one_call+" if parallel else "g4_one_call"
        thought = "g4_thought? " if allow_thought else ""
        if allow_text:
            body = "g4_safe g4_calls g4_safe" if require_call else "g4_safe (g4_calls g4_safe)?"
        else:
            body = "g4_calls" if require_call else "(g4_calls | g4_safe)"
        head = [
            f"root ::= {thought}{body}",
            f"g4_q ::= {self.marker('string_delim')}",
            f"g4_call_open ::= {self.marker('tool_call_start')}",
            f"g4_call_close ::= {self.marker('tool_call_end')}",
            f"g4_thought ::= {self.marker('thought_start')} {ebnf_literal(THOUGHT_PREFIX)} g4_safe "
            f"{self.marker('thought_end')}",
            _BASE_RULES,
        ]
        return "\n".join(head + [f"{k} ::= {v}" for k, v in self.rules.items()]) + "\n"

    # -- schema nodes ------------------------------------------------------------------

    def value(self, schema: Any, depth: int = 0) -> str:
        if depth > 40:
            raise ConfigError(f"Tool {self.tool!r}: schema nests deeper than 40 levels; simplify it.")
        if schema is True or not isinstance(schema, Mapping) or not schema:
            return "g4_any"
        if "$ref" in schema:
            return self.ref(str(schema["$ref"]), depth)
        if "const" in schema:
            return self.literal(schema["const"])
        if "enum" in schema:
            return _alt([self.literal(v) for v in schema["enum"]])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                return _alt(
                    [
                        self.value({**base, **sub} if isinstance(sub, Mapping) else sub, depth + 1)
                        for sub in schema[key]
                    ]
                )
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for sub in schema["allOf"]:
                if isinstance(sub, Mapping):
                    sub = self.resolve(sub)
                    merged = _merge(merged, sub)
            return self.value(merged, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            return _alt([self.value({**schema, "type": k}, depth + 1) for k in kind] or ["g4_any"])
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                return "g4_any"
        if kind == "string":
            return self.string_value(schema)
        if kind == "integer":
            return self.integer_value(schema)
        if kind == "number":
            return self.number_value(schema)
        if kind == "boolean":
            return "g4_bool"
        if kind == "null":
            return '"null"'
        if kind == "array":
            return self.array_value(schema, depth)
        if kind == "object":
            return self.object_value(schema, depth=depth)
        raise ConfigError(f"Tool {self.tool!r}: unknown JSON schema type {kind!r}.")

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema and seen < 32:
            schema = self.pointer(str(schema["$ref"]))
            seen += 1
        return schema

    def pointer(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#"):
            raise ConfigError(f"Tool {self.tool!r}: only local $ref (#/...) are supported, got {ref!r}.")
        node: Any = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise ConfigError(f"Tool {self.tool!r}: $ref {ref!r} points nowhere in its schema.")
            node = node[part]
        if not isinstance(node, Mapping):
            raise ConfigError(f"Tool {self.tool!r}: $ref {ref!r} does not point to a schema.")
        return node

    def ref(self, ref: str, depth: int) -> str:
        key = (self.tool, ref)
        if key not in self.refs:
            self.counter += 1
            name = f"g4_ref_{self.counter}"
            self.refs[key] = name  # registered before compiling the target: recursion works
            self.rules[name] = self.value(self.pointer(ref), depth + 1)
        return self.refs[key]

    def literal(self, value: Any) -> str:
        """The exact rendering of one JSON value."""
        if isinstance(value, str):
            self.check_text(value, "an enum or const string")
            return f"g4_q {ebnf_literal(value)} g4_q" if value else "g4_q g4_q"
        if isinstance(value, bool) or value is None:
            return {True: '"true"', False: '"false"', None: '"null"'}[value]
        if isinstance(value, int | float):
            return ebnf_literal(json.dumps(value))
        if isinstance(value, list):
            inner = ' "," '.join(self.literal(v) for v in value)
            return f'"[" {inner} "]"' if value else '"[]"'
        if isinstance(value, Mapping):
            parts = ' "," '.join(f"{self.key(k)} {self.literal(v)}" for k, v in value.items())
            return f'"{{" {parts} "}}"' if value else '"{}"'
        raise ConfigError(f"Tool {self.tool!r}: cannot use {value!r} as an enum or const value.")

    def check_text(self, text: str, what: str) -> None:
        if "<|" in text or "|>" in text:
            raise ConfigError(
                f"Tool {self.tool!r}: {what} {text!r} holds '<|' or '|>', which the grammar keeps out of "
                "strings so that no Gemma 4 marker can be spelled inside one; rename it."
            )

    def key(self, name: str) -> str:
        """`name:` as it must be written."""
        if BARE_KEY.fullmatch(name):
            return ebnf_literal(name + ":")
        if ":" in name:
            raise ConfigError(
                f"Tool {self.tool!r}: property name {name!r} holds ':', which vLLM's gemma4 parser cannot "
                "read back (it ends a key at the first ':'); rename the property."
            )
        self.check_text(name, "property name")
        return f'g4_q {ebnf_literal(name)} g4_q ":"'

    def string_value(self, schema: Mapping[str, Any]) -> str:
        lo = schema.get("minLength")
        hi = schema.get("maxLength")
        if isinstance(lo, int) or isinstance(hi, int):
            # A per-character rule is needed to count; it leaves out '<' and '|' entirely.
            lo_n = max(int(lo or 0), 0)
            count = f"{{{lo_n},{int(hi)}}}" if isinstance(hi, int) else f"{{{lo_n},}}"
            if isinstance(hi, int) and hi < lo_n:
                raise ConfigError(f"Tool {self.tool!r}: maxLength {hi} is below minLength {lo_n}.")
            return f"g4_q [^<|]{count} g4_q"
        return "g4_str"

    def integer_value(self, schema: Mapping[str, Any]) -> str:
        lo, hi = _bounds(schema, integer=True)
        if lo is not None and hi is not None:
            if hi < lo:
                raise ConfigError(f"Tool {self.tool!r}: integer range [{lo}, {hi}] is empty.")
            if hi - lo < _MAX_ENUMERATED_RANGE:
                return _alt([ebnf_literal(str(n)) for n in range(int(lo), int(hi) + 1)])
        if lo is not None and lo >= 0:
            return "g4_uint"
        if hi is not None and hi < 0:
            return '"-" [1-9] [0-9]{0,17}'
        return "g4_int"

    def number_value(self, schema: Mapping[str, Any]) -> str:
        lo, hi = _bounds(schema, integer=False)
        if lo is not None and hi is not None and hi - lo < _MAX_ENUMERATED_RANGE:
            return self.bounded_number(lo, hi)
        return "g4_unum" if lo is not None and lo >= 0 else "g4_num"

    def bounded_number(self, lo: float, hi: float) -> str:
        """Numbers in [lo, hi] without exponent: whole parts listed, a fraction where it stays inside."""
        import math

        options = []
        for whole in range(math.ceil(lo), math.floor(hi) + 1):
            # a fraction moves away from zero: allowed if whole +/- 1 is still inside the range
            room = whole + 1 <= hi if whole >= 0 else whole - 1 >= lo
            digits = ebnf_literal(str(whole))
            options.append(f'{digits} ("." [0-9]{{1,17}})?' if room else f'{digits} ("." "0"{{1,17}})?')
        if lo < 0 < hi or (lo < 0 and hi == 0):
            options.append('"-0." [0-9]{1,17}')  # numbers between -1 and 0
        if not options:
            return "g4_num"  # a range holding no whole number: leave it to validation
        return self.new_rule("range", " | ".join(f"({o})" for o in options))

    def array_value(self, schema: Mapping[str, Any], depth: int) -> str:
        items = schema.get("items")
        item = self.value(items if isinstance(items, Mapping) else {}, depth + 1)
        lo = max(int(schema.get("minItems") or 0), 0)
        hi = schema.get("maxItems")
        hi_n = int(hi) if isinstance(hi, int) else None
        if hi_n is not None and hi_n < lo:
            raise ConfigError(f"Tool {self.tool!r}: maxItems {hi_n} is below minItems {lo}.")
        if hi_n == 0:
            return '"[]"'
        item_rule = item if item.startswith("g4_") and " " not in item else self.new_rule("item", item)
        more_hi = "" if hi_n is None else str(hi_n - 1)
        more = f'("," {item_rule}){{{max(lo - 1, 0)},{more_hi}}}'
        if lo == 0:
            return self.new_rule("arr", f'"[" ({item_rule} {more})? "]"')
        return self.new_rule("arr", f'"[" {item_rule} {more} "]"')

    def object_value(self, schema: Mapping[str, Any], *, depth: int = 0) -> str:
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        if not isinstance(props, Mapping) or (not props and not required):
            if isinstance(props, Mapping) and not extra:
                return '"{}"'  # "properties": {} declares no arguments
            if isinstance(extra, Mapping) and extra:
                value = self.value(extra, depth + 1)
                pair = f'g4_key ":" {value}'
                return self.new_rule("map", f'"{{" ({pair} ("," {pair})*)? "}}"')
            return "g4_anyobj"
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
        return self.new_rule("obj", f'"{{" {body} "}}"')

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
                names[(i, written)] = self.new_rule("props", body)
        return names[(0, False)]


def _bounds(schema: Mapping[str, Any], *, integer: bool) -> tuple[float | None, float | None]:
    lo = schema.get("minimum")
    hi = schema.get("maximum")
    xlo = schema.get("exclusiveMinimum")
    xhi = schema.get("exclusiveMaximum")
    num = (int, float)
    lo_v = float(lo) if isinstance(lo, num) and not isinstance(lo, bool) else None
    hi_v = float(hi) if isinstance(hi, num) and not isinstance(hi, bool) else None
    step = 1 if integer else 0
    if isinstance(xlo, num) and not isinstance(xlo, bool):
        cand = float(xlo) + step
        lo_v = cand if lo_v is None else max(lo_v, cand)
    if isinstance(xhi, num) and not isinstance(xhi, bool):
        cand = float(xhi) - step
        hi_v = cand if hi_v is None else min(hi_v, cand)
    if integer:
        import math

        lo_v = math.ceil(lo_v) if lo_v is not None else None
        hi_v = math.floor(hi_v) if hi_v is not None else None
    return lo_v, hi_v


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow allOf merge: properties and required lists are united, other keys from b win."""
    out = {**a, **b}
    if "properties" in a or "properties" in b:
        out["properties"] = {**a.get("properties", {}), **b.get("properties", {})}
    if "required" in a or "required" in b:
        out["required"] = list(dict.fromkeys([*a.get("required", []), *b.get("required", [])]))
    return out
