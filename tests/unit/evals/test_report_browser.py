"""The HTML report in a real headless Chromium: no console errors, and readable at 1,200 tasks.

Readable means: the charts stay a screen high whatever the number of tasks (tokens become a
distribution), the task list is in natural order (`t_2` before `t_10`), "failed only" hides the
passed tasks, and each failure links to its task's trials, which the link opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.reports import rebuild
from evals.store import TrialWriter, write_json
from evals.trace import TrialRecord, TurnRecord, Verdict

from ._browser import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs a Chromium: apt-get install chromium (Debian's package)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None
    opened = Browser(CHROMIUM)
    yield opened
    opened.close()


def write_run(out: Path, tasks: int) -> set[str]:
    """A run of `tasks` tasks, two trials each; every 7th task fails. Returns the failed task ids."""
    writer = TrialWriter(out)
    failed = set()
    for index in range(tasks):
        task_id = f"task_{index}"
        ok = index % 7 != 3
        if not ok:
            failed.add(task_id)
        for trial in range(2):
            writer.write(
                TrialRecord(
                    task_id=task_id,
                    trial=trial,
                    tags=["demo", f"group{index % 5}"],
                    passed=ok,
                    verdicts=[Verdict(check="state", passed=ok, detail="" if ok else "found 'shipped'")],
                    turns=[
                        TurnRecord(
                            user=f"do {index}", output="done", messages=[{"role": "user", "content": "x"}]
                        )
                    ],
                    steps=2,
                    input_tokens=200 + index,
                    output_tokens=20 + index % 50,
                    latency_s=0.5 + (index % 13) / 10,
                )
            )
    writer.close()
    write_json(out / "run.json", {"suite": "demo", "model": "m", "config": {"k": 2}})
    rebuild(out)
    return failed


@pytest.mark.parametrize("tasks", [12, 1200])
def test_the_report_renders_without_console_errors_and_stays_readable(
    tasks: int, tmp_path: Path, browser: Browser
) -> None:
    failed = write_run(tmp_path, tasks)
    browser.open(tmp_path / "report.html")
    assert browser.errors == []

    heights = browser.evaluate(
        "[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().height)"
    )
    assert heights and max(heights) <= 700, heights
    tasks_header = browser.evaluate(
        "[...document.querySelectorAll('h2')].find(h => h.textContent.startsWith('Tasks'))"
        ".getBoundingClientRect().top"
    )
    assert tasks_header < 2500  # the task list starts within a few screens, whatever the task count

    names = browser.evaluate(
        "[...document.querySelectorAll('table.tasks tr td:first-child')].map(td => td.textContent)"
    )
    assert names == [f"task_{i}" for i in range(tasks)]  # natural order, all of them

    rows = "[...document.querySelectorAll('table.tasks tr')].slice(1)"
    visible = f"{rows}.filter(r => r.offsetParent !== null).length"
    assert browser.evaluate(visible) == tasks
    browser.evaluate("document.getElementById('failed-only').click()")
    assert browser.evaluate(visible) == len(failed)

    link = browser.evaluate("document.querySelector('table.tasks a').getAttribute('href')")
    details = f"document.querySelector('{link}').closest('details')"
    assert browser.evaluate(f"{details}.querySelector('summary b').textContent") == "task_3"
    assert browser.evaluate(f"{details}.open") is False
    browser.evaluate("document.querySelector('table.tasks a').click()")
    assert browser.evaluate(f"{details}.open") is True
    assert browser.errors == []
