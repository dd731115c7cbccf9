"""Sync tools run in threads of their own: a timeout abandons the thread, and nothing waits on it
(neither `asyncio.run` nor later calls, however many were abandoned before)."""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time
from collections.abc import Iterator

import pytest

from agents import Agent
from agents.testing import ScriptedModel, call
from tools import RunContext, ToolCall, Toolset
from tools._threads import run_in_thread


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Blocked tools wait on this; set at the end of the test so that no thread outlives it long."""
    event = threading.Event()
    yield event
    event.set()


def test_run_sync_does_not_wait_for_an_abandoned_sync_tool(release: threading.Event) -> None:
    def stuck() -> str:
        """Takes 4 s."""
        release.wait(4)
        return "late"

    model = ScriptedModel([call("stuck"), "gave up"])
    agent = Agent(model, tools=Toolset([stuck], default_timeout=0.2))
    started = time.monotonic()
    result = agent.run_sync("go")
    elapsed = time.monotonic() - started
    assert result.output == "gave up"
    assert result.tool_results()[0].content == "Tool stuck timed out after 0.2 s"
    assert elapsed < 2, f"run_sync waited {elapsed:.1f} s for the abandoned tool thread"


async def test_abandoned_threads_do_not_starve_later_calls(release: threading.Event) -> None:
    def stuck(i: int) -> int:
        """Blocks until the test ends."""
        release.wait(30)
        return i

    def quick() -> str:
        """Answers at once."""
        return "quick"

    toolset = Toolset([stuck, quick], max_concurrency=64, default_timeout=0.05)
    # More abandoned threads than asyncio's default pool ever has workers (32 at most).
    stuck_calls = [ToolCall(str(i), "stuck", {"i": i}) for i in range(40)]
    results = await toolset.run_calls(stuck_calls, RunContext(deps=None, run_id="r"))
    assert {r.status for r in results} == {"error"}
    toolset.default_timeout = 5  # generous: the call is never queued behind the stuck threads
    (result,) = await toolset.run_calls([ToolCall("q", "quick", {})], RunContext(deps=None, run_id="r"))
    assert (result.status, result.content) == ("ok", "quick")


async def test_run_in_thread_carries_context_results_and_errors() -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var")
    var.set("from the caller")
    loop_thread = threading.get_ident()

    def read() -> tuple[str, bool]:
        return var.get(), threading.get_ident() != loop_thread

    assert await run_in_thread(read) == ("from the caller", True)

    def fail(message: str) -> None:
        raise ValueError(message)

    with pytest.raises(ValueError, match="boom"):
        await run_in_thread(fail, "boom")

    def stop() -> None:
        raise StopIteration

    with pytest.raises(RuntimeError, match="StopIteration"):
        await run_in_thread(stop)


async def test_cancelled_wait_drops_the_late_outcome(release: threading.Event) -> None:
    finished = threading.Event()

    def slow() -> str:
        release.wait(5)
        finished.set()
        return "late"

    task = asyncio.ensure_future(run_in_thread(slow))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert await asyncio.to_thread(finished.wait, 5)
    await asyncio.sleep(0.01)  # the late outcome reaches the loop and is dropped without error


async def test_a_finished_thread_takes_the_next_call_and_a_busy_one_does_not(
    release: threading.Event,
) -> None:
    await run_in_thread(threading.current_thread)
    existing = set(threading.enumerate())
    assert await run_in_thread(threading.current_thread) in existing  # no new thread per call

    def blocked() -> int:
        release.wait(5)
        return threading.get_ident()

    held = asyncio.ensure_future(run_in_thread(blocked))
    await asyncio.sleep(0.05)
    other = await run_in_thread(threading.get_ident)
    release.set()
    assert other != await held  # the busy thread was not given the second call


def test_a_forked_child_runs_sync_calls_on_threads_of_its_own() -> None:
    # The parent has an idle thread waiting for calls; a forked child does not have it, and must
    # not queue a call for it (the crash harness forks runs).
    assert asyncio.run(run_in_thread(lambda: "warm")) == "warm"
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if asyncio.run(asyncio.wait_for(run_in_thread(lambda: "child"), 10)) == "child" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
