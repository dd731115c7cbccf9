"""The README's example, as written, against a real vLLM server (the tiny random Gemma 4).

Only the URL changes: the README points at the embedded default server, this test at the tiny one.
A random network cannot be relied on to finish the task, so running out of steps or retries is
accepted; what must not happen is any other error (a wrong URL, API or model name in the README).
"""

from __future__ import annotations

import pytest

from agents.errors import OutputValidationError, ToolRetriesExceeded, UsageLimitExceeded
from agents.serve import DEFAULT_BASE_URL
from tests.unit.test_readme import only


def test_readme_example_runs_against_a_real_server(tiny_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = only("Example").code
    assert DEFAULT_BASE_URL in code
    namespace: dict[str, object] = {"__name__": "readme_example"}
    try:
        exec(
            compile(code.replace(DEFAULT_BASE_URL, tiny_url), "README.md", "exec", dont_inherit=True),
            namespace,
        )
    except (UsageLimitExceeded, OutputValidationError, ToolRetriesExceeded) as e:
        pytest.skip(f"the tiny random model did not finish the task: {e}")
    assert "needs_coat=" in capsys.readouterr().out
