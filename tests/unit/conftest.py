import sys
from collections.abc import Iterator

import pytest

from agents.testing import block_model_requests


@pytest.fixture(autouse=True)
def _no_real_model_requests() -> Iterator[None]:
    block_model_requests(True)
    yield
    block_model_requests(False)


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # `agents run --tools` puts the tools file's folder on sys.path, as `python file.py` would: right
    # for a command, but in a test it would leak into later tests (and the processes they spawn).
    monkeypatch.setattr(sys, "path", list(sys.path))
