"""Fixtures for the BFCL adapter tests: the installed package, the official checkers, the runner hook."""

from __future__ import annotations

import pytest

pytest.importorskip(
    "bfcl_eval", reason="the BFCL adapter tests need bfcl-eval (pip install --no-deps bfcl-eval)"
)

import evals.trial
from evals.bfcl.backends import BfclEnvironment
from evals.tasks import Task
from tools import Toolset

from ._official import Official, load_official


@pytest.fixture(scope="session")
def official() -> Official:
    return load_official()


@pytest.fixture
def bfcl_toolsets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let trials use `BfclEnvironment._toolset()`.

    A stand-in until `evals.trial.build_toolset` asks an environment for its own toolset
    (`env._toolset()`, as `default_snapshot` asks for `env._snapshot()`); harmless after.
    """
    original = evals.trial.build_toolset

    def build(task: Task, env: object | None) -> Toolset:
        if isinstance(env, BfclEnvironment):
            return env._toolset()
        return original(task, env)

    monkeypatch.setattr(evals.trial, "build_toolset", build)
