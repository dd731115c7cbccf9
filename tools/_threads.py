"""Worker threads for sync tool handlers and sync approvers, which nothing ever waits on.

`asyncio.to_thread` runs on the loop's default executor, and `asyncio.run` joins that executor
on the way out: a sync tool abandoned at its timeout would hold `run_sync` until the tool
ends, and abandoned threads would fill the small default pool (`min(32, cpus + 4)` workers) and
starve every later call. Here each call runs on a daemon thread that no other call is using.
Neither the loop nor interpreter exit joins it, so an abandoned call costs its own thread and
nothing else.

Starting a thread costs more than a small tool's whole run (about 0.1-1 ms), so a thread that
has finished its call waits `IDLE_S` for the next one before it ends: one is taken if idle,
else a new one is started. A thread still busy with an abandoned call is never idle. A forked
child starts with no idle threads (threads do not survive a fork).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
IDLE_S = 30.0  # how long a finished thread waits for another call before it ends

# A job runs a call and returns its hand-over (the outcome to the loop). The thread counts itself
# idle before the hand-over, so that the caller's next call finds it ready.
Job = Callable[[], Callable[[], None]]
_jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
_lock = threading.Lock()
_idle = 0  # threads waiting on _jobs and not yet promised a job


def _forget_threads() -> None:
    """In a forked child: the parent's idle threads did not come along, so none is idle here.
    (A job queued for one of them would wait forever.)"""
    global _jobs, _lock, _idle
    _jobs, _lock, _idle = queue.SimpleQueue(), threading.Lock(), 0


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_forget_threads)


def _start(job: Job) -> None:
    """Run `job` on an idle worker thread, or on a new one when none is idle."""
    global _idle
    with _lock:
        if _idle:
            _idle -= 1
            _jobs.put(job)
            return
    threading.Thread(target=_work, args=(job,), name="gemma-agents:sync-call", daemon=True).start()


def _work(job: Job) -> None:
    global _idle
    while True:
        hand_over = job()
        with _lock:
            _idle += 1
        hand_over()
        while True:
            try:
                job = _jobs.get(timeout=IDLE_S)
                break
            except queue.Empty:
                with _lock:
                    # Jobs are put under the lock: an empty queue here means none was promised
                    # to this thread, so it can stop being counted and end.
                    if _jobs.empty():
                        _idle -= 1
                        return


async def run_in_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` on a daemon thread of its own, awaited; context variables carry over.

    Cancelling the await abandons the thread: it runs on to its end, and its outcome is dropped.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():  # cancelled by a timeout or the run: nobody wants the outcome
            outcome()

    def deliver(outcome: Callable[[], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed since: the call was abandoned
            loop.call_soon_threadsafe(settle, outcome)

    def work() -> Callable[[], None]:
        try:
            value = context.run(fn, *args, **kwargs)
        except BaseException as e:  # handed to the awaiting task, whatever it is
            # A future cannot hold StopIteration (it would end a generator); wrap it like asyncio does.
            error = RuntimeError(f"{name} raised StopIteration") if isinstance(e, StopIteration) else e
            return lambda: deliver(lambda: future.set_exception(error))
        return lambda: deliver(lambda: future.set_result(value))

    name = getattr(fn, "__name__", "call")
    _start(work)
    return await future
