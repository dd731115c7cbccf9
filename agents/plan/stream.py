"""`PlanStream`: steps out of a plan's JSON text while it is still being written.

The planner's text (`{"steps": [{...}, {...}]}`) arrives in deltas. After each one the buffer is
parsed in partial mode (`pydantic_core.from_json(..., allow_partial=True)`), which closes what is
still open. A step is complete, and handed out, exactly when its object is closed: for every
step but the last, a later step has begun; for the last one, the buffer parses strictly once the
array and the document are closed after it. Nothing here reads the plan text by hand.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from agents.plan.models import Plan, PlanError, Step

# What may follow a closed step for the document to be whole: the array's and object's closers,
# just the object's (the array closed already), or nothing (the whole plan has arrived).
_CLOSERS = ("]}", "}", "")


class PlanStream:
    """Feed a plan's text in deltas; get each step as soon as its JSON object is complete.

    >>> stream = PlanStream()
    >>> for delta in deltas:
    ...     for step in stream.feed(delta):
    ...         start(step)
    >>> plan = stream.close()

    A step that does not follow the plan format raises `PlanError` (under constrained decoding
    with `plan_schema` it cannot happen).
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._steps: list[Step] = []

    @property
    def steps(self) -> list[Step]:
        """The steps handed out so far."""
        return list(self._steps)

    def feed(self, text: str) -> list[Step]:
        """Add a delta of plan text; returns the steps it completed (often none)."""
        self._buffer += text
        raw = self._raw_steps(partial=True)
        complete = len(raw) - 1  # every step before the last is closed: a later one has begun
        # The last step can only have closed if this delta closed an object.
        if len(raw) > len(self._steps) and "}" in text and self._last_closed():
            complete = len(raw)
        new = [
            self._validated(item, i)
            for i, item in enumerate(raw[len(self._steps) : complete], len(self._steps))
        ]
        self._steps.extend(new)
        return new

    def close(self) -> Plan:
        """The whole plan, once all its text has been fed; raises `PlanError` if it is incomplete."""
        try:
            whole = from_json(self._buffer)
        except ValueError as e:
            raise PlanError(
                f"The plan text is not complete JSON ({e}); expected an object like "
                '{"steps": [...]}. Was the response cut short (max_tokens)?'
            ) from None
        raw = self._steps_of(whole)
        remaining = [
            self._validated(item, i) for i, item in enumerate(raw[len(self._steps) :], len(self._steps))
        ]
        self._steps.extend(remaining)
        revision = whole.get("revision", 0) if isinstance(whole, dict) else 0
        try:
            return Plan(steps=list(self._steps), revision=revision)
        except ValidationError as e:
            raise PlanError(f"The plan does not follow the plan format: {e}") from None

    def _raw_steps(self, *, partial: bool) -> list[Any]:
        try:
            parsed = from_json(self._buffer, allow_partial=partial)
        except ValueError:
            return []  # not yet JSON at all (e.g. only whitespace so far)
        return self._steps_of(parsed)

    def _last_closed(self) -> bool:
        for closer in _CLOSERS:
            try:
                from_json(self._buffer + closer)
            except ValueError:
                continue
            return True
        return False

    @staticmethod
    def _steps_of(parsed: Any) -> list[Any]:
        if isinstance(parsed, dict) and isinstance(parsed.get("steps"), list):
            return list(parsed["steps"])
        if isinstance(parsed, dict) and parsed.get("steps") is not None:
            raise PlanError(f'The plan\'s "steps" must be a list of steps, not {parsed["steps"]!r}.')
        return []

    @staticmethod
    def _validated(item: Any, index: int) -> Step:
        try:
            return Step.model_validate(item)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(map(str, err['loc'])) or 'step'}: {err['msg']}" for err in e.errors()
            )
            raise PlanError(
                f"Step {index + 1} of the plan is malformed ({problems}); expected "
                '{"id": "s1", "tool": "<name>", "args": {...}} or {"id": "s2", "goal": "..."}.'
            ) from None


async def steps_from(deltas: AsyncIterable[str]) -> AsyncIterator[Step]:
    """Each step of a plan streamed as text deltas, as soon as it is complete; checks the whole at the end."""
    stream = PlanStream()
    async for delta in deltas:
        for step in stream.feed(delta):
            yield step
    before = len(stream.steps)
    plan = stream.close()
    for step in plan.steps[before:]:
        yield step
