"""Named environments: how to build one from an initial state and how to snapshot its state."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evals.tasks import EnvSpec
from tools.errors import ConfigError

Factory = Callable[[dict[str, Any]], object]
Snapshot = Callable[[object], Any]


def default_snapshot(env: object) -> Any:
    """The env's `_snapshot()` if it has one, else a deep copy of its public attributes."""
    own = getattr(env, "_snapshot", None)
    if callable(own):
        return own()
    return {k: copy.deepcopy(v) for k, v in vars(env).items() if not k.startswith("_")}


@dataclass(frozen=True)
class EnvType:
    """A registered environment: its factory and its snapshot function."""

    name: str
    factory: Factory
    snapshot: Snapshot = default_snapshot


_REGISTRY: dict[str, EnvType] = {}


def register_env(name: str, factory: Factory, snapshot: Snapshot | None = None) -> None:
    """Make `name` usable in `EnvSpec.name`: `factory(initial_state)` builds a fresh env.

    `snapshot(env)` returns the state that state checks see (default: `default_snapshot`).
    An env may also define `_toolset()` (its own `Toolset` instead of its public methods) and
    `_begin_turn(index)` (called by the trial before each turn, e.g. to declare more tools).
    """
    _REGISTRY[name] = EnvType(name, factory, snapshot or default_snapshot)


def _from_class(cls: Any) -> Factory:
    def build(state: dict[str, Any]) -> object:
        # Private on purpose: every public method of an environment becomes a tool.
        from_state = getattr(cls, "_from_state", None)
        return from_state(state) if callable(from_state) else cls(**state)

    return build


def env_type(name: str) -> EnvType:
    """The registered environment `name`, or the class that "package.module:Class" names.

    Such a class is built as `Class._from_state(state)` when it defines that, else `Class(**state)`.
    """
    if name in _REGISTRY:
        return _REGISTRY[name]
    module_name, _, attr = name.partition(":")
    if not module_name or not attr:
        known = ", ".join(sorted(_REGISTRY)) or "(none)"
        raise ConfigError(
            f"Unknown environment {name!r}. Registered: {known}; or give 'package.module:Class'."
        )
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"Cannot load environment {name!r}: {e}") from e
    return EnvType(name, _from_class(cls))


def make_env(spec: EnvSpec) -> tuple[object, Snapshot]:
    """A fresh environment for one trial (its initial state deep-copied), and its snapshot function."""
    kind = env_type(spec.name)
    try:
        env = kind.factory(copy.deepcopy(spec.state))
    except (TypeError, ValueError, KeyError) as e:
        raise ConfigError(f"Environment {spec.name!r} rejected its initial state: {e}") from e
    return env, kind.snapshot
