"""Load a suite from a JSON or YAML file, or from a Python module or file.

A data file holds a suite object (`{"name": ..., "instructions": ..., "tasks": [...]}`) or
just a list of tasks (the suite is then named after the file). Checks in data use the
declarative kinds, or "package.module:function" references for the predicate kinds.
A Python module defines `SUITE` (a `Suite`) or a function `suite()` that returns one.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import ValidationError

from evals.tasks import Suite
from tools.errors import ConfigError


def suite_from_data(data: Any, default_name: str) -> Suite:
    """A suite from parsed JSON/YAML: a suite object or a list of tasks."""
    if isinstance(data, list):
        data = {"name": default_name, "tasks": data}
    if not isinstance(data, dict):
        raise ConfigError(f"Suite {default_name!r}: expected an object with 'tasks' or a list of tasks.")
    data.setdefault("name", default_name)
    try:
        return Suite.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"Suite {default_name!r} is invalid at {where}: {first['msg']} ({e.error_count()} errors)."
        ) from e


def load_file(path: Path) -> Suite:
    """A suite from a .json, .yaml/.yml or .py file."""
    if not path.exists():
        raise ConfigError(f"No suite file {path}.")
    suffix = path.suffix.lower()
    if suffix == ".py":
        return suite_from_module(import_file(path))
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as e:
        raise ConfigError(f"{path} is not valid {'JSON' if suffix == '.json' else 'YAML'}: {e}") from e
    if suffix not in (".json", ".yaml", ".yml"):
        raise ConfigError(f"Suite files end in .json, .yaml, .yml or .py, not {suffix!r} ({path}).")
    return suite_from_data(data, path.stem)


def import_file(path: Path) -> ModuleType:
    """Import a Python file as a module of its own, as `import` would a module on the path.

    The module is registered in `sys.modules` under a name unique to the file (what
    `dataclasses`, `pickle` and `typing.get_type_hints` look a class's module up by), and the
    file's folder is put at the end of `sys.path`, so that the file can import the files next
    to it. At the end, not the front: a `tools.py` there must not hide the framework's `tools`.
    """
    path = path.resolve()
    name = f"_evals_suite_{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"Cannot import {path} as a Python module.")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.append(folder)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError as e:
        sys.modules.pop(name, None)
        raise ConfigError(f"Suite file {path} failed to import: {e}") from e
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def suite_from_module(module: ModuleType) -> Suite:
    """The `SUITE` or `suite()` of a module."""
    found = getattr(module, "SUITE", None)
    if found is None and callable(getattr(module, "suite", None)):
        found = module.suite()
    if not isinstance(found, Suite):
        raise ConfigError(
            f"Module {module.__name__} defines neither SUITE nor suite() returning an evals Suite."
        )
    return found


def load_module(name: str) -> Suite:
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise ConfigError(f"Cannot import suite module {name!r}: {e}") from e
    return suite_from_module(module)
