"""Values kept per object, by identity, for as long as the object lives.

Messages are pydantic models with lists inside: they cannot be hashed, and comparing them costs
as much as the work a cache would save. Keyed by `id()` and held weakly instead, an entry goes
when its object goes, so an id reused by a later object never finds it.
"""

from __future__ import annotations

import weakref
from functools import partial
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByIdentity(Generic[K, V]):
    """A value for each object, by identity, while the object lives (held weakly).

    Single dict operations only, so it may be shared between threads: a race costs a value made
    twice, never a wrong one.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[Any], V]] = {}

    def get(self, key: K) -> V | None:
        hit = self._entries.get(id(key))
        return hit[1] if hit is not None and hit[0]() is key else None

    def put(self, key: K, value: V) -> None:
        number = id(key)
        self._entries[number] = (weakref.ref(key, partial(self._forget, number)), value)

    def __len__(self) -> int:
        return len(self._entries)

    def _forget(self, number: int, ref: weakref.ref[Any]) -> None:
        # Called as the object goes; an entry put for it since (a new value) has its own ref.
        hit = self._entries.get(number)
        if hit is not None and hit[0] is ref:
            self._entries.pop(number, None)
