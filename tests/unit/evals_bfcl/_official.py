"""The official BFCL checker functions, imported from the installed package for comparison."""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass
from typing import Any

_MODEL_CONFIG = "bfcl_eval.constants.model_config"


class _EveryModel(dict[str, Any]):
    # The official AST checker looks the model up only to ask whether it turns dots in
    # function names into underscores; ours is an OpenAI-style model, which does.
    def __missing__(self, key: str) -> Any:
        return types.SimpleNamespace(underscore_to_dot=True)


@dataclass(frozen=True)
class Official:
    """The official checker functions, imported from the installed package."""

    ast_checker: Any
    multi_turn_checker: Any
    python: Any  # Language.PYTHON
    languages: dict[str, Any]  # our language name -> the package's Language member


def load_official() -> Official:
    """The official AST and multi-turn checkers (the AST one behind a stand-in model registry)."""
    # `ast_checker` imports the model registry, which imports every provider SDK; a stand-in
    # registry is enough for the checker functions and is removed again after the import.
    saved = sys.modules.get(_MODEL_CONFIG)
    stub = types.ModuleType(_MODEL_CONFIG)
    stub.MODEL_CONFIG_MAPPING = _EveryModel()  # type: ignore[attr-defined]
    sys.modules[_MODEL_CONFIG] = stub
    try:
        ast_module = importlib.import_module("bfcl_eval.eval_checker.ast_eval.ast_checker")
    finally:
        if saved is None:
            del sys.modules[_MODEL_CONFIG]
        else:
            sys.modules[_MODEL_CONFIG] = saved
    multi = importlib.import_module("bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker")
    enums = importlib.import_module("bfcl_eval.constants.enums")
    languages = {
        "python": enums.Language.PYTHON,
        "java": enums.Language.JAVA,
        "javascript": enums.Language.JAVASCRIPT,
    }
    return Official(ast_module.ast_checker, multi.multi_turn_checker, enums.Language.PYTHON, languages)


class _NoLock:
    # `bfcl_eval.utils` locks its data files with `filelock`, which `--no-deps` leaves out;
    # the scoring reads them only, from one process.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> _NoLock:
        return self

    def __exit__(self, *args: Any) -> None:
        return None


class _AnyModel(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return types.SimpleNamespace(
            display_name=key, url="N/A", org="N/A", license="N/A", input_price=None, output_price=None
        )


def load_official_scoring() -> Any:
    """BFCL's `generate_leaderboard_csv`, imported with stand-ins for what it imports but never uses here.

    pandas and numpy serve only its optional W&B upload, `filelock` only its file reads' locks,
    the model registry only the row's display name, link, organisation and license.
    """
    stubs: dict[str, types.ModuleType] = {}
    for name in ("pandas", "numpy", "filelock", _MODEL_CONFIG):
        stubs[name] = types.ModuleType(name)
    stubs["filelock"].FileLock = _NoLock  # type: ignore[attr-defined]
    stubs[_MODEL_CONFIG].MODEL_CONFIG_MAPPING = _AnyModel()  # type: ignore[attr-defined]
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)
    try:
        helper = importlib.import_module("bfcl_eval.eval_checker.eval_runner_helper")
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
    return helper.generate_leaderboard_csv
