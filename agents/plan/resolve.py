"""Resolving a step's references: `{"$ref": "s1.rows.0.id"}` becomes that value of s1's result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.plan.models import PlanError, Ref


class RefError(PlanError):
    """A reference whose path is not in the result it points into."""


def resolve(value: Any, results: Mapping[str, Any]) -> Any:
    """`value` with every `Ref` in it (at any depth) replaced by the value it points to.

    `results` maps step ids to their results. A path segment is a key of a mapping, an index (in
    digits) of a list, or else an attribute (a dataclass's or pydantic model's field).
    """
    if isinstance(value, Ref):
        return follow(value, results)
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    return value


def follow(ref: Ref, results: Mapping[str, Any]) -> Any:
    """The value `ref` points to; raises `RefError` saying where the path broke off."""
    if ref.step not in results:
        raise RefError(f"reference {ref.ref!r} names step {ref.step}, whose result is not available")
    current = results[ref.step]
    walked = [ref.step]
    for segment in ref.path:
        current = _index(current, segment, ".".join(walked), ref)
        walked.append(segment)
    return current


def _index(container: Any, segment: str, where: str, ref: Ref) -> Any:
    if isinstance(container, Mapping):
        if segment in container:
            return container[segment]
        keys = ", ".join(map(str, list(container)[:20])) or "(none)"
        raise RefError(f"reference {ref.ref!r}: {where} has no key {segment!r}; its keys: {keys}")
    if isinstance(container, Sequence) and not isinstance(container, str | bytes):
        if not segment.lstrip("-").isdigit():
            raise RefError(f"reference {ref.ref!r}: {where} is a list, so {segment!r} must be an index")
        index = int(segment)
        if not -len(container) <= index < len(container):
            raise RefError(
                f"reference {ref.ref!r}: {where} has no index {index} (a list of {len(container)})"
            )
        return container[index]
    if not segment.startswith("_") and hasattr(container, segment):
        return getattr(container, segment)
    raise RefError(
        f"reference {ref.ref!r}: {where} is {type(container).__name__} {_short(container)}, "
        f"which has no field {segment!r}"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
