from collections.abc import Iterator

import pytest

from agents.testing import block_model_requests


@pytest.fixture(autouse=True)
def _no_real_model_requests() -> Iterator[None]:
    block_model_requests(True)
    yield
    block_model_requests(False)
