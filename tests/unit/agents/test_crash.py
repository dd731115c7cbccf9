"""The crash test: 200 runs killed with SIGKILL at every injection point, each resumed to the end.

See benchmarks/crash.py (which runs 1,000) for the points and the checks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import crash

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL")


def test_200_crashes_every_run_finishes_effects_exactly_once_unsafe_reruns_surfaced(tmp_path: Path) -> None:
    done = [crash.run_trial(t, tmp_path) for t in crash.plan(200, seed=2026, root=tmp_path)]
    summary = crash.summarise(done)
    assert summary["failed_trials"] == []
    assert summary["trials"] == summary["killed"] == summary["finished"] == 200
    assert summary["orphaned_requests"] == summary["exactly_once_failures"] == 0
    assert summary["silent_unsafe_reruns"] == 0
    assert all(row["killed"] == 40 for row in summary["by_point"].values())
    assert summary["surfaced_calls"] > 0 and summary["fresh_starts"] > 0


def test_the_crash_check_catches_an_unsafe_tool_mislabelled_idempotent(tmp_path: Path) -> None:
    # The same harness with `notify` declared idempotent: resume re-runs it without asking, and
    # the check must see the second message.
    plan = [t for t in crash.plan(60, seed=3, root=tmp_path, notify_effect="idempotent")]
    done = [crash.run_trial(t, tmp_path) for t in plan if t.point == "after_dispatch"]
    assert sum(not t.surfaced_ok for t in done) > 0
