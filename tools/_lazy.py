"""A package's public names imported on first use (PEP 562).

The `__init__` of `tools`, `agents` and a few of their subpackages map each public name to the
module that defines it, so that importing the package runs none of them:

    __getattr__, __dir__ = lazy_names(__name__, {"Toolset": "tools._toolset"})

A module path may be relative to the package (`".grammar"`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level `__getattr__` and `__dir__` of `package`, for the names in `where`."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # found directly from now on
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ())})

    return __getattr__, __dir__
