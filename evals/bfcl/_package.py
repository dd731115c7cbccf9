"""The one door to the installed `bfcl-eval` package (untyped, optional): data files and backends.

Everything else in `evals.bfcl` reaches BFCL through this module, so that the untyped import
and the "is it installed?" question live in one place. Only the package's data folder, its
multi-turn backend modules and its Java/JavaScript type converters (pure string parsers) are
touched: importing its checkers or handlers would pull in every provider SDK that `bfcl-eval`
declares.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from tools.errors import ConfigError

DISTRIBUTION = "bfcl-eval"
PINNED_VERSION = "2026.3.23"
VERSION_PREFIX = "BFCL_v4"
_BACKENDS = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
_BACKEND_CONFIG = "bfcl_eval.constants.executable_backend_config"
_TYPE_MAPPINGS = "bfcl_eval.constants.type_mappings"
_CONVERTERS = {
    "java": ("bfcl_eval.eval_checker.ast_eval.type_convertor.java_type_converter", "java_type_converter"),
    "javascript": ("bfcl_eval.eval_checker.ast_eval.type_convertor.js_type_converter", "js_type_converter"),
}
_CONVERSION_TABLES = {"java": "JAVA_TYPE_CONVERSION", "javascript": "JS_TYPE_CONVERSION"}

_INSTALL_HINT = (
    f"Install it with `pip install --no-deps {DISTRIBUTION}=={PINNED_VERSION} mpmath` "
    "(its declared dependencies pull every provider SDK; the data and backends need only mpmath)."
)


class BfclUnavailable(ConfigError):
    """`bfcl-eval` (or something its backends import) is not installed."""


def installed_version() -> str | None:
    """The installed `bfcl-eval` version, or None when it is not installed."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


@cache
def package_root() -> Path:
    """The folder of the installed `bfcl_eval` package."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise BfclUnavailable(
            f"The BFCL suites need the {DISTRIBUTION!r} package, which is not installed. {_INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def data_dir() -> Path:
    """The package's `data` folder (questions, `possible_answer/`, `multi_turn_func_doc/`)."""
    return package_root() / "data"


def _import(module: str) -> Any:
    package_root()  # a clear error when the package itself is missing
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise BfclUnavailable(f"Cannot import {module!r} from {DISTRIBUTION}: {e}. {_INSTALL_HINT}") from e


@cache
def _backend_config() -> Any:
    return _import(_BACKEND_CONFIG)


def func_doc_file(class_name: str) -> Path:
    """The JSON-lines file of function docs for a multi-turn backend class."""
    mapping: dict[str, str] = _backend_config().MULTI_TURN_FUNC_DOC_FILE_MAPPING
    if class_name not in mapping:
        raise ConfigError(f"Unknown BFCL backend class {class_name!r}; known: {', '.join(sorted(mapping))}.")
    return data_dir() / "multi_turn_func_doc" / mapping[class_name]


def is_stateless(class_name: str) -> bool:
    """Whether the backend class takes no initial configuration (BFCL's STATELESS_CLASSES)."""
    return class_name in _backend_config().STATELESS_CLASSES


@cache
def backend_class(class_name: str) -> type[Any]:
    """The multi-turn backend class `class_name` (e.g. "GorillaFileSystem"), from the package."""
    mapping: dict[str, str] = _backend_config().CLASS_FILE_PATH_MAPPING
    module_name = mapping.get(class_name)
    if module_name is None or not module_name.startswith(_BACKENDS):
        raise ConfigError(f"Unknown BFCL backend class {class_name!r}; known: {', '.join(sorted(mapping))}.")
    cls = getattr(_import(module_name), class_name)
    if not isinstance(cls, type):
        raise ConfigError(f"{module_name}.{class_name} is not a class.")
    return cls


def _known_language(language: str) -> None:
    if language not in _CONVERTERS:
        raise ConfigError(f"BFCL converts Java and JavaScript values only, not {language!r}.")


@cache
def type_conversion(language: str) -> dict[str, type]:
    """BFCL's type name -> Python type table for "java" or "javascript" values."""
    _known_language(language)
    table: dict[str, type] = getattr(_import(_TYPE_MAPPINGS), _CONVERSION_TABLES[language])
    return dict(table)


@cache
def type_converter(language: str) -> Any:
    """BFCL's converter of a "java" or "javascript" value string: `(value, type, item_type=None)`."""
    _known_language(language)
    module, name = _CONVERTERS[language]
    return getattr(_import(module), name)


_CSV_COLUMNS = {
    "data_overall.csv": "COLUMNS_OVERALL",
    "data_non_live.csv": "COLUMNS_NON_LIVE",
    "data_live.csv": "COLUMNS_LIVE",
    "data_multi_turn.csv": "COLUMNS_MULTI_TURN",
    "data_agentic.csv": "COLUMNS_AGENTIC",
}


@cache
def column_headers() -> dict[str, list[str]]:
    """The header of each of BFCL's score CSVs, by file name (from `bfcl_eval.constants.column_headers`)."""
    module = _import("bfcl_eval.constants.column_headers")
    return {name: list(getattr(module, attr)) for name, attr in _CSV_COLUMNS.items()}
