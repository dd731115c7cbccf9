"""The registry of suites by name, and `load_suite` for a name, a file or a module.

Register a suite under a name with a loader that builds it when asked:

    from evals.suites import register_suite
    register_suite("multistep", lambda: build_multistep())

A family of suites (one loader, many names) registers a prefix ending in ":":

    register_suite_family("bfcl:", load_bfcl_category, names=lambda: ["bfcl:simple_python", ...])
    load_suite("bfcl:simple_python")   # calls load_bfcl_category("simple_python")

Loaders run lazily, so registering is cheap. Modules in `PLUGINS` (ours, and `evals.bfcl`
when it exists) are imported on the first lookup so that their suites register themselves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from evals.suites.loaders import load_file, load_module, suite_from_data
from evals.tasks import Suite
from tools.errors import ConfigError

_SUITES: dict[str, Callable[[], Suite]] = {}
_FAMILIES: dict[str, tuple[Callable[[str], Suite], Callable[[], list[str]] | None]] = {}
PLUGINS = ["evals.suites.multistep", "evals.bfcl"]
_loaded = False


def register_suite(name: str, loader: Callable[[], Suite]) -> None:
    """Make `load_suite(name)` call `loader()` (a later registration of the same name wins)."""
    _SUITES[name] = loader


def register_suite_family(
    prefix: str, loader: Callable[[str], Suite], names: Callable[[], list[str]] | None = None
) -> None:
    """Make `load_suite(prefix + rest)` call `loader(rest)`; `names()` lists them for `available_suites`."""
    if not prefix.endswith(":"):
        raise ConfigError(f"A suite family prefix ends with ':' (like 'bfcl:'), not {prefix!r}.")
    _FAMILIES[prefix] = (loader, names)


def _load_plugins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in PLUGINS:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name != module:  # the plugin exists but something it needs does not
                raise


def available_suites() -> list[str]:
    """Every registered suite name (family members included when the family lists them)."""
    _load_plugins()
    names = list(_SUITES)
    for prefix, (_, lister) in _FAMILIES.items():
        names += lister() if lister is not None else [prefix + "*"]
    return sorted(names)


def load_suite(spec: str) -> Suite:
    """A suite by registered name, by file path (.json, .yaml, .yml, .py), or by module name."""
    _load_plugins()
    if spec in _SUITES:
        return _SUITES[spec]()
    for prefix, (loader, _) in _FAMILIES.items():
        if spec.startswith(prefix):
            return loader(spec[len(prefix) :])
    path = Path(spec)
    if path.suffix.lower() in (".json", ".yaml", ".yml", ".py") or path.exists():
        return load_file(path)
    if spec.replace(".", "").replace("_", "").isalnum() and "." in spec:
        return load_module(spec)
    raise ConfigError(
        f"Unknown suite {spec!r}: not a registered name ({', '.join(available_suites())}), "
        "nor a .json/.yaml/.py file, nor a Python module."
    )


__all__ = [
    "available_suites",
    "load_file",
    "load_suite",
    "register_suite",
    "register_suite_family",
    "suite_from_data",
]
