"""The registry of suites by name, and `load_suite` for a name, a file or a module.

Register a suite under a name with a loader that builds it when asked, and (so that
`agents eval list` can say what it is without building it) a description and a task count:

    from evals.suites import register_suite
    register_suite("multistep", build_multistep, description="Our multi-step suite", tasks=42)

A family of suites (one loader, many names) registers a prefix ending in ":":

    register_suite_family("bfcl:", load_bfcl_category, names=lambda: ["bfcl:simple_python", ...])
    load_suite("bfcl:simple_python")   # calls load_bfcl_category("simple_python")

Loaders run lazily, so registering is cheap. Modules in `PLUGINS` (ours, and `evals.bfcl`
when it exists) are imported on the first lookup so that their suites register themselves.

Other packages add suites through the entry-point group `gemma_agents.suites` (see
`ENTRY_POINT_GROUP`). In the plugin's `pyproject.toml`:

    [project.entry-points."gemma_agents.suites"]
    support-desk = "my_package.evals:build_suite"     # a loader: () -> Suite, named support-desk
    my-suites = "my_package.evals_registry"           # a module that calls register_suite itself

A loader is imported only when its suite is loaded or listed; a module is imported on the
first lookup. For `agents eval list` a loader's suite is built to count its tasks, so a
plugin with a large suite should rather be a module that registers it with `description`
and `tasks`. A plugin that fails to import gives a warning (and, when its suite is used, a
`ConfigError` naming the plugin); it never hides the other suites.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.suites.loaders import load_file, load_module, suite_from_data
from evals.tasks import Suite
from tools.errors import ConfigError

ENTRY_POINT_GROUP = "gemma_agents.suites"
"""The entry-point group through which other installed packages register suites."""

TaskCount = int | Callable[[], int]


@dataclass(frozen=True)
class _Registered:
    loader: Callable[[], Suite]
    description: str = ""
    tasks: TaskCount | None = None


@dataclass(frozen=True)
class SuiteInfo:
    """What `agents eval list` shows of a suite: its description and number of tasks.

    `tasks` is None and `problem` says why when the suite cannot be loaded here (a package
    it reads is not installed, say).
    """

    name: str
    description: str
    tasks: int | None
    problem: str = ""


_SUITES: dict[str, _Registered] = {}
_FAMILIES: dict[str, tuple[Callable[[str], Suite], Callable[[], list[str]] | None]] = {}
PLUGINS = ["evals.suites.multistep", "evals.bfcl"]
_loaded = False


def register_suite(
    name: str, loader: Callable[[], Suite], *, description: str = "", tasks: TaskCount | None = None
) -> None:
    """Make `load_suite(name)` call `loader()` (a later registration of the same name wins).

    `description` (its first line) and `tasks` (a count, or a function that counts without
    building the suite) are what `agents eval list` shows; when either is missing, listing
    builds the suite to find it.
    """
    _SUITES[name] = _Registered(loader, description, tasks)


def register_suite_family(
    prefix: str, loader: Callable[[str], Suite], names: Callable[[], list[str]] | None = None
) -> None:
    """Make `load_suite(prefix + rest)` call `loader(rest)`; `names()` lists them for `available_suites`."""
    if not prefix.endswith(":"):
        raise ConfigError(f"A suite family prefix ends with ':' (like 'bfcl:'), not {prefix!r}.")
    _FAMILIES[prefix] = (loader, names)


def _entry_point_loader(entry: importlib.metadata.EntryPoint) -> Callable[[], Suite]:
    def load() -> Suite:
        try:
            found: Any = entry.load()
        except Exception as e:
            raise ConfigError(
                f"Suite plugin {entry.name!r} ({entry.value}) failed to import: {type(e).__name__}: {e}"
            ) from e
        suite = found() if callable(found) else found
        if not isinstance(suite, Suite):
            raise ConfigError(
                f"Suite plugin {entry.name!r} ({entry.value}) gave a {type(suite).__name__}, not an "
                "evals Suite: point the entry point at a function that returns one."
            )
        return suite

    return load


def _load_entry_points() -> None:
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.attr:  # "module:loader": imported when the suite is used
            if entry.name in _SUITES:  # our own suites keep their names
                warnings.warn(
                    f"Suite plugin {entry.name!r} ({entry.value}) is skipped: the name is taken.",
                    stacklevel=3,
                )
            else:
                register_suite(entry.name, _entry_point_loader(entry))
            continue
        try:  # "module": it registers its suites when imported
            importlib.import_module(entry.value)
        except Exception as e:
            warnings.warn(
                f"Suite plugin {entry.name!r} ({entry.value}) failed to import and is skipped: "
                f"{type(e).__name__}: {e}",
                stacklevel=3,
            )


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
    _load_entry_points()


def available_suites() -> list[str]:
    """Every registered suite name (family members included when the family lists them)."""
    _load_plugins()
    names = list(_SUITES)
    for prefix, (_, lister) in _FAMILIES.items():
        names += lister() if lister is not None else [prefix + "*"]
    return sorted(names)


def _first_sentence(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    head, dot, _ = line.partition(". ")
    return head + dot.strip()


def describe_suite(name: str) -> SuiteInfo:
    """The description and task count of a registered suite, built only if its registration lacks them."""
    _load_plugins()
    if name.endswith(":*") and name[:-1] in _FAMILIES:  # a family that cannot list its members
        return SuiteInfo(name, f"a family of suites: {name[:-1]}NAME", None)
    known = _SUITES.get(name)
    description = known.description if known else ""
    try:
        if known is not None and known.tasks is not None and description:
            count = known.tasks() if callable(known.tasks) else known.tasks
        else:
            suite = load_suite(name)
            description = description or suite.description
            count = len(suite.tasks)
    except Exception as e:  # one broken suite (a plugin's, say) must not break the listing
        problem = str(e) if isinstance(e, ConfigError) else f"{type(e).__name__}: {e}"
        return SuiteInfo(name, _first_sentence(description), None, _first_sentence(problem))
    return SuiteInfo(name, _first_sentence(description), count)


def load_suite(spec: str) -> Suite:
    """A suite by registered name, by file path (.json, .yaml, .yml, .py), or by module name."""
    _load_plugins()
    if spec in _SUITES:
        return _SUITES[spec].loader()
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
    "ENTRY_POINT_GROUP",
    "SuiteInfo",
    "available_suites",
    "describe_suite",
    "load_file",
    "load_suite",
    "register_suite",
    "register_suite_family",
    "suite_from_data",
]
