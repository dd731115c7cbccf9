"""Embedding vectors as the store keeps them: unit length, float32 bytes or a pgvector value.

Vectors are normalised before they are stored, so cosine similarity is a dot product.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from collections.abc import Sequence
from typing import Any

from sqlalchemy.types import UserDefinedType

__all__ = ["PgVector", "dot", "normalise", "pack", "pg_text", "unpack"]


class PgVector(UserDefinedType[Any]):
    """pgvector's `vector` column type, any dimension; values are bound as text (`[1,2,3]`) and
    cast in SQL, so no driver codec is needed."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "vector"


def normalise(vector: Sequence[float]) -> list[float]:
    """The vector scaled to unit length (a zero vector stays zero)."""
    norm = math.sqrt(sum(x * x for x in vector))
    return [float(x) / norm for x in vector] if norm else [0.0 for _ in vector]


def pack(vector: Sequence[float]) -> bytes:
    """float32, little-endian."""
    a = array("f", vector)
    if sys.byteorder == "big":
        a.byteswap()
    return a.tobytes()


def unpack(data: bytes) -> array[float]:
    """The float32 vector `pack` made."""
    a = array("f")
    a.frombytes(data)
    if sys.byteorder == "big":
        a.byteswap()
    return a


def pg_text(vector: Sequence[float]) -> str:
    """pgvector's text form, `[x,y,...]`."""
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The dot product (the cosine similarity of unit vectors)."""
    total: float = sum(map(operator.mul, a, b))  # fsum is exact but 2x slower on a scan
    return total
