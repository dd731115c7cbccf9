"""The run's output type: its JSON schema for constrained decoding, and validation of answers.

An answer is accepted when it validates as the output type and then passes the agent's output
validators (`@agent.output_validator`), in the order they were added. A validator returns the
output (possibly changed) or raises `ModelRetry` to have the model answer again.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeAlias, TypeVar

from pydantic import TypeAdapter, ValidationError

from agents.models.base import OutputSchema
from tools import RunContext
from tools.errors import ConfigError, ModelRetry

T = TypeVar("T")
OutputValidator: TypeAlias = (
    Callable[[RunContext[Any], T], T | Awaitable[T]] | Callable[[T], T | Awaitable[T]]
)
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.S)


@dataclass(frozen=True)
class OutputSpec(Generic[T]):
    """What a final answer must be. `str` means the model's text, as is."""

    output_type: type[T]
    adapter: TypeAdapter[T]
    schema: OutputSchema | None
    validators: tuple[Callable[..., Any], ...] = ()

    @classmethod
    def of(cls, output_type: type[T]) -> OutputSpec[T]:
        adapter = TypeAdapter(output_type)
        if output_type is str:
            return cls(output_type, adapter, None)
        name = re.sub(r"[^a-zA-Z0-9_-]", "_", getattr(output_type, "__name__", "output"))[:64] or "output"
        return cls(output_type, adapter, OutputSchema(name=name, schema=adapter.json_schema()))

    @property
    def is_text(self) -> bool:
        return self.schema is None

    @property
    def type_name(self) -> str:
        return getattr(self.output_type, "__name__", repr(self.output_type))

    def validate(self, text: str) -> tuple[T | None, str | None]:
        """(value, None) when `text` is a valid answer, else (None, what was wrong)."""
        if self.is_text:
            return self.adapter.validate_python(text), None
        m = _FENCE.match(text)
        candidate = m.group(1) if m else text.strip()
        try:
            return self.adapter.validate_json(candidate), None
        except ValidationError as e:
            return None, _describe(e)

    def with_validator(self, fn: OutputValidator[T]) -> OutputSpec[T]:
        """This spec with `fn` added to its validators; `ConfigError` for a wrong signature."""
        if not callable(fn) or _arity(fn) not in (1, 2):
            shown = inspect.signature(fn) if callable(fn) else type(fn).__name__
            raise ConfigError(
                f"An output validator takes (ctx, output) or (output) and returns the output; "
                f"{getattr(fn, '__qualname__', fn)!r} has {shown}."
            )
        return replace(self, validators=(*self.validators, fn))

    async def check(self, text: str, ctx: RunContext[Any]) -> Checked[T]:
        """Validate an answer's type, then run the validators on the value."""
        value, problems = self.validate(text)
        if problems is not None:
            return Checked(None, problems, self.retry_prompt(problems), typed=False)
        for fn in self.validators:
            try:
                got = fn(ctx, value) if _arity(fn) == 2 else fn(value)
                if inspect.isawaitable(got):
                    got = await got
            except ModelRetry as e:
                prompt = f"Your answer was not accepted: {e.message}\nAnswer again."
                return Checked(None, e.message, prompt, typed=True)
            if got is None and value is not None:
                raise ConfigError(
                    f"Output validator {getattr(fn, '__qualname__', fn)!r} returned None: "
                    "it must return the output (possibly changed), or raise ModelRetry."
                )
            value = got
        return Checked(value, None, "", typed=True)

    def retry_prompt(self, problems: str) -> str:
        schema = json.dumps(
            self.schema.schema if self.schema else {}, ensure_ascii=False, separators=(",", ":")
        )
        return (
            f"Your answer did not validate as {self.type_name}:\n{problems}\n"
            f"Answer again with only a JSON value matching this schema: {schema}"
        )


@dataclass(frozen=True)
class Checked(Generic[T]):
    """The verdict on one answer: its value, or the problems and what to tell the model."""

    value: T | None
    problems: str | None  # None when the answer is accepted
    retry_prompt: str
    typed: bool  # it validated as the output type (a rejection then came from a validator)


def _arity(fn: Callable[..., Any]) -> int:
    """How many positional arguments `fn` requires."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in positional and p.default is p.empty)


def _describe(e: ValidationError) -> str:
    lines = []
    for err in e.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        got: Any = err.get("input")
        shown = json.dumps(got, ensure_ascii=False, default=str)[:80] if got is not None else "nothing"
        lines.append(f"- {where}: {err['msg']} (got {shown})")
    return "\n".join(lines)
