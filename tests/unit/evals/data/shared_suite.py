"""A suite for the shared-eval tests: each trial's one tool call takes a while (so a runner can be
killed with trials in flight), and its check says whether that call really ran.

SHARED_SUITE_TASKS (default 60) tasks; SHARED_SUITE_DELAY seconds per call (default 0.3);
SHARED_SUITE_SINGLE=1 makes each task single-response (its one response's calls are scored).
"""

from __future__ import annotations

import asyncio
import os

from evals import EnvSpec, GoldCall, StateEquals, Suite, Task, register_env


class Worker:
    """An environment whose one tool records the job it did, after a delay."""

    def __init__(self) -> None:
        self.done: list[int] = []

    async def work(self, job: int) -> str:
        """Do job number `job`."""
        await asyncio.sleep(float(os.environ.get("SHARED_SUITE_DELAY", "0.3")))
        self.done.append(job)
        return f"job {job} done"


register_env("shared-worker", lambda state: Worker())

SUITE = Suite(
    name="shared",
    tasks=[
        Task.single(
            id=f"job_{i}",
            env=EnvSpec(name="shared-worker"),
            prompt=f"Do job {i}.",
            gold=[GoldCall(name="work", arguments={"job": i})],
            checks=[StateEquals(path=["done"], expected=[i])],
            single_response=os.environ.get("SHARED_SUITE_SINGLE") == "1",
        )
        for i in range(int(os.environ.get("SHARED_SUITE_TASKS", "60")))
    ],
)
