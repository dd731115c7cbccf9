"""Worker threads for sync tool handlers and sync approvers, which nothing ever waits on.

`asyncio.to_thread` runs on the loop's default executor, and `asyncio.run` joins that executor
on the way out: a sync tool abandoned at its timeout would hold `run_sync` until the tool
ends, and abandoned threads would fill the small default pool (`min(32, cpus + 4)` workers) and
starve every later call. Here each call gets its own daemon thread instead. Neither the loop nor
interpreter exit joins it, so an abandoned call costs its own thread and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


async def run_in_thread(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` in a fresh daemon thread, awaited; context variables carry over.

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

    def work() -> None:
        try:
            value = context.run(fn, *args, **kwargs)
        except BaseException as e:  # handed to the awaiting task, whatever it is
            # A future cannot hold StopIteration (it would end a generator); wrap it like asyncio does.
            error = RuntimeError(f"{name} raised StopIteration") if isinstance(e, StopIteration) else e
            deliver(lambda: future.set_exception(error))
        else:
            deliver(lambda: future.set_result(value))

    name = f"gemma-agents:{getattr(fn, '__name__', 'call')}"
    threading.Thread(target=work, name=name, daemon=True).start()
    return await future
