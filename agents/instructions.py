"""The agent's instructions: text, functions of the run context that return text, or a list of both.

    Agent(model, instructions="Be brief.")
    Agent(model, instructions=lambda ctx: f"The user is {ctx.deps.name}.")
    Agent(model, instructions=["Be brief.", today, fetch_policy])   # `fetch_policy` may be async

A function takes the run's `RunContext` (or nothing) and returns a str, sync or async. The parts
are resolved once, at the start of a run, into the one system message, so the prompt prefix
stays the same for every step of the run (and vLLM's prefix cache stays warm).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias

from tools import RunContext
from tools.errors import ConfigError

InstructionFunction: TypeAlias = (
    Callable[[RunContext[Any]], str | Awaitable[str]] | Callable[[], str | Awaitable[str]]
)
InstructionPart: TypeAlias = str | InstructionFunction
Instructions: TypeAlias = InstructionPart | Sequence[InstructionPart]


def instruction_parts(instructions: Instructions | None) -> tuple[InstructionPart, ...]:
    """The instructions as a tuple of parts; `ConfigError` for anything else than str or function."""
    if instructions is None:
        return ()
    parts = [instructions] if isinstance(instructions, str) or callable(instructions) else instructions
    if not isinstance(parts, Sequence):
        raise ConfigError(_wrong(instructions))
    for part in parts:
        if isinstance(part, str):
            continue
        if not callable(part):
            raise ConfigError(_wrong(part))
        if _arity(part) not in (0, 1):
            raise ConfigError(
                f"Instructions function {_name(part)} must take the run context or nothing, "
                f"but its signature is {inspect.signature(part)}."
            )
    return tuple(parts)


async def resolve_instructions(parts: Sequence[InstructionPart], ctx: RunContext[Any]) -> str | None:
    """The system text: the parts' texts joined by blank lines; None when all are empty."""
    texts = []
    for part in parts:
        text = part if isinstance(part, str) else await _call(part, ctx)
        if text:
            texts.append(text)
    return "\n\n".join(texts) if texts else None


async def _call(fn: InstructionFunction, ctx: RunContext[Any]) -> str:
    got: Any = fn(ctx) if _arity(fn) == 1 else fn()  # type: ignore[call-arg]
    if inspect.isawaitable(got):
        got = await got
    if not isinstance(got, str):
        raise ConfigError(
            f"Instructions function {_name(fn)} returned {type(got).__name__}; it must return a str "
            "(the text to add to the system message)."
        )
    return got


def _arity(fn: Callable[..., Any]) -> int:
    """How many arguments `fn` requires (`*args` counts as one; -1 for required keyword-only ones)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return 1  # a builtin without a signature: assume it takes the context
    if any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params):
        return -1
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return 1
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in params if p.kind in positional and p.default is p.empty)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def _wrong(value: object) -> str:
    return (
        f"instructions must be a str, a function of the run context returning a str, or a list of "
        f"these; got {type(value).__name__}."
    )
