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

Ranges: integer ranges are exact; a number with a bound is written in fixed-point notation and
its range is exact to 17 decimal places, exclusive bounds enforced as inclusive (`_numbers`).
Every value inside a range can be written.

What the grammar does not enforce (the registry still validates): string `pattern` and
`format`, `multipleOf`, `uniqueItems`, exclusive bounds of numbers, exclusivity of `oneOf`,
and `not`.

Compiled grammars are cached per (toolset, options): the same toolset costs its compilation
once per process, and rules used by many tools (a number range, a bounded string) are written
once per grammar.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from agents.gemma4._schema_rules import SCALAR_RULES, RuleSet, SchemaRules, ebnf_literal
from agents.gemma4._syntax import (
    BARE_KEY,
    CALL_CLOSE,
    CALL_OPEN,
    STRING_DELIM,
    THOUGHT_CLOSE,
    THOUGHT_OPEN,
    THOUGHT_PREFIX,
)
from agents.gemma4.json_grammar import JSON_BASE_RULES, json_value_rule
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

# g4_safe is text without "<|" or "|>" (which vLLM's parser would read as markers), written as
# a right-recursive state machine (after "<", after "|"). The same language as a repetition
# of alternatives cost xgrammar 300-500 ms per token mask at Gemma's 262k vocabulary (it could
# not precompute the masks); this form takes 0.02-0.04 ms (measured on this machine).
_BASE_RULES = r"""
g4_safe ::= "" | [^<|] g4_safe | "<" g4_safe_lt | "|" g4_safe_bar
g4_safe_lt ::= "" | [^<|] g4_safe | "<" g4_safe_lt
g4_safe_bar ::= "" | [^<|>] g4_safe | "<" g4_safe_lt | "|" g4_safe_bar
g4_str ::= g4_q g4_safe g4_q
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
    max_string_length: int | None = None,
    max_items: int | None = None,
    answer_schema: Mapping[str, Any] | None = None,
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
    biased: that would force a call). max_string_length: the most characters of a string
    argument whose schema sets no `maxLength` (for models that would not end a string);
    max_items: likewise, the most items of an array without `maxItems`.
    answer_schema: the JSON schema of a final answer; unless a call is required, the reply is
    then either calls or that answer as compact JSON, instead of free text.

    The result is cached per arguments (the specs compared by content).
    """
    specs = [_spec_of(t) for t in tools]
    ids = tuple(sorted(dict(marker_token_ids or {}).items()))
    answer = json.dumps(answer_schema) if answer_schema is not None else None
    return _compile(
        json.dumps(specs),
        require_call=require_call,
        tool_name=tool_name,
        parallel=parallel,
        allow_text=allow_text,
        allow_thought=allow_thought,
        marker_token_ids=ids,
        marker_bias=marker_bias,
        max_string_length=max_string_length,
        max_items=max_items,
        answer_schema=answer,
    )


@lru_cache(maxsize=256)
def _compile(
    specs_json: str,
    *,
    require_call: bool,
    tool_name: str | None,
    parallel: bool,
    allow_text: bool,
    allow_thought: bool,
    marker_token_ids: tuple[tuple[str, int], ...],
    marker_bias: float | None,
    max_string_length: int | None,
    max_items: int | None,
    answer_schema: str | None,
) -> ToolGrammar:
    specs: list[tuple[str, dict[str, Any]]] = [(n, p) for n, p in json.loads(specs_json)]
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
    ids = dict(marker_token_ids)
    unknown = set(ids) - set(MARKER_NAMES)
    if unknown:
        raise ConfigError(f"Unknown marker names {sorted(unknown)}; expected some of {list(MARKER_NAMES)}.")
    if max_string_length is not None and max_string_length < 1:
        raise ConfigError(f"max_string_length must be at least 1, got {max_string_length}.")
    if max_items is not None and max_items < 1:
        raise ConfigError(f"max_items must be at least 1, got {max_items}.")
    rules = RuleSet()
    marker = _Markers(ids)
    calls = []
    for name, params in specs:
        if STRING_DELIM in name or "{" in name:
            raise ConfigError(f"Tool name {name!r} cannot be written in Gemma 4's call format.")
        args = _NativeRules(
            rules, f"Tool {name!r}", max_string_length=max_string_length, max_items=max_items
        ).compile_root({"type": "object", **params})
        calls.append(
            rules.new("g4_call", f"g4_call_open {ebnf_literal('call:' + name)} {args} g4_call_close")
        )
    answer = None
    if answer_schema is not None and not require_call:
        answer = json_value_rule(
            json.loads(answer_schema), rules, max_string_length=max_string_length, max_items=max_items
        )
    thought = "g4_thought? " if allow_thought else ""
    if allow_text:
        with_calls = "g4_safe g4_calls g4_safe"
        body = with_calls if require_call else "g4_safe (g4_calls g4_safe)?"
    else:
        with_calls = "g4_calls"
        body = "g4_calls" if require_call else "(g4_calls | g4_safe)"
    if answer is not None:
        body = f"({with_calls} | {answer})"
    head = [
        f"root ::= {thought}{body}",
        f"g4_q ::= {marker('string_delim')}",
        f"g4_call_open ::= {marker('tool_call_start')}",
        f"g4_call_close ::= {marker('tool_call_end')}",
        f"g4_thought ::= {marker('thought_start')} {ebnf_literal(THOUGHT_PREFIX)} g4_safe "
        f"{marker('thought_end')}",
        _BASE_RULES,
        SCALAR_RULES,
        f"g4_one_call ::= {' | '.join(calls)}",
        f"g4_calls ::= {'g4_one_call+' if parallel else 'g4_one_call'}",
    ]
    if answer is not None:
        head.append(JSON_BASE_RULES)
    ebnf = "\n".join([*head, rules.text()]) + "\n"
    bias = None
    if marker_bias is not None:
        bias = {ids[k]: marker_bias for k in ("tool_call_end", "string_delim") if k in ids}
    return ToolGrammar(ebnf=ebnf, tool_names=tuple(name for name, _ in specs), logit_bias=bias or None)


class _Markers:
    def __init__(self, ids: Mapping[str, int]) -> None:
        self.ids = ids

    def __call__(self, name: str) -> str:
        return f"Token({self.ids[name]})" if name in self.ids else ebnf_literal(_MARKER_TEXT[name])


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


def bounded_chars(excluded: str, lo: int, hi: int | None) -> str:
    """Between lo and hi characters (no upper bound when hi is None), none of them in `excluded`."""
    count = f"{{{lo},{hi}}}" if hi is not None else f"{{{lo},}}"
    return f"[^{excluded}]{count}"


class _NativeRules(SchemaRules):
    """Argument values in Gemma 4's native syntax: strings between <|"|> delimiters, bare keys."""

    ANY = "g4_any"
    ANY_OBJECT = "g4_anyobj"
    PREFIX = "g4"

    def string_literal(self, value: str) -> str:
        return f"g4_q {ebnf_literal(value)} g4_q" if value else "g4_q g4_q"

    def key(self, name: str) -> str:
        if BARE_KEY.fullmatch(name):
            return ebnf_literal(name + ":")
        if ":" in name:
            raise self.fail(
                f"property name {name!r} holds ':', which vLLM's gemma4 parser cannot "
                "read back (it ends a key at the first ':'); rename the property."
            )
        self.check_text(name, "property name")
        return f'g4_q {ebnf_literal(name)} g4_q ":"'

    def any_map(self, value: str) -> str:
        pair = f'g4_key ":" {value}'
        return f'"{{" ({pair} ("," {pair})*)? "}}"'

    def string_value(self, schema: Mapping[str, Any]) -> str:
        lo, hi = self.string_bounds(schema)
        if lo == 0 and hi is None:
            return "g4_str"
        # A per-character rule is needed to count; it leaves out '<' and '|' entirely.
        return self.rules.shared("g4_strn", f"g4_q {bounded_chars('<|', lo, hi)} g4_q")
