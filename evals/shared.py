"""One eval shared by several runner processes, on one machine or many, through a store.

    agents eval SUITE --store postgresql://host/db --eval-id nightly-7 --base-url http://gpu1:8000/v1
    agents eval SUITE --store postgresql://host/db --eval-id nightly-7 --base-url http://gpu2:8000/v1
    agents eval report runs/nightly-7 --store postgresql://host/db --eval-id nightly-7

The first runner creates the eval (its settings, fingerprint and one pending row per trial) in
the store's `eval_runs`/`eval_trials` tables; the others join it, and must run the same
experiment (suite, tasks, k, settings), or they are refused. Each runner claims trials one at
a time (`evals._shared_sql.claim`), holds a lease on each that a heartbeat renews, and writes
each result to the store. A runner that dies leaves its claims to lapse: when a lease ends,
another runner claims the trial again, and the dead runner's result, should it ever come, is
dropped. Every runner stays until the whole eval is done (it may have to take over a dead
runner's trials), then writes the whole eval's reports into its own `--out`, as a run
directory: `run.json`, `trials.jsonl`, `summary.json`, `report.md`, `report.html`.

SQLite works the same on one machine (a file several processes open); PostgreSQL is for
several machines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.memory import Store, StoreError
from evals import _shared_sql as sql
from evals.fingerprint import differences
from evals.store import RUN, TRIALS, write_json
from evals.trace import TrialRecord
from tools.errors import ConfigError

__all__ = ["SharedEval", "StoreLedger", "export_eval", "write_run_dir"]

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class SharedEval:
    """Where a shared eval lives and who this runner is.

    `lease_s`: how long a claim lasts without renewal. The heartbeat renews this runner's claims
    every third of it, so a live runner keeps its trials, however long they take; a dead one's
    trials are claimed again between `lease_s` and `lease_s` plus a poll after it died.
    """

    store: str
    eval_id: str
    runner: str = field(default_factory=_runner_name)
    lease_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.eval_id or len(self.eval_id) > 255:
            raise ConfigError(
                f"An eval id must be 1 to 255 characters, not {self.eval_id!r}; e.g. nightly-7."
            )
        if not self.lease_s > 0:
            raise ConfigError(f"The lease must be a positive number of seconds, not {self.lease_s!r}.")

    @property
    def poll_s(self) -> float:
        """How often a runner with nothing to claim looks again (others' leases may end)."""
        return min(5.0, self.lease_s / 4)


def _mismatch(stored: dict[str, Any], info: dict[str, Any]) -> list[str]:
    found = differences(stored.get("fingerprint") or {}, info["fingerprint"])
    if stored.get("tasks") != info["tasks"]:
        n, m = len(stored.get("tasks") or []), len(info["tasks"])
        found.append(f"it runs {n} tasks, this runner {m} (or others): use the same --limit and --tags")
    if stored.get("k") != info["k"]:
        found.append(f"k was {stored.get('k')}, is now {info['k']}")
    return found


class StoreLedger:
    """This runner's view of a shared eval: claim the next trial, record a result, read them all."""

    def __init__(self, store: Store, shared: SharedEval, info: dict[str, Any]) -> None:
        """Use `StoreLedger.open`."""
        self.store = store
        self.shared = shared
        self.info = info

    @classmethod
    async def open(
        cls, shared: SharedEval, info: dict[str, Any], keys: Sequence[tuple[str, int]]
    ) -> StoreLedger:
        """Create the eval in the store, or join it if its `info` is the same experiment.

        `info` is what `run.json` holds (with `tasks`, `k` and `fingerprint`); `keys` the trials.
        """
        info = json.loads(json.dumps(info, default=str))  # as run.json holds it (paths as text)
        store = await Store.open(shared.store)
        try:
            stored = await store.transact(sql.open_eval, shared.eval_id, info, list(keys), _now(), write=True)
            found = _mismatch(stored, info)
            if found:
                raise ConfigError(
                    f"Eval {shared.eval_id!r} in {store.url} is another experiment ({'; '.join(found)}). "
                    "Every runner of a shared eval runs the same suite, tasks, k and settings: pass the "
                    "options of its first runner, or use a new --eval-id."
                )
            again = await store.transact(sql.retry_infra_errors, shared.eval_id, _now(), write=True)
            if again:
                log.info("eval %s: %d trials the infrastructure failed run again", shared.eval_id, again)
        except BaseException:
            await store.aclose()
            raise
        return cls(store, shared, stored)

    async def left(self) -> sql.Remaining:
        """The trials not done yet (pending or claimed by anyone)."""
        return await self.store.transact(sql.remaining, self.shared.eval_id)

    async def next(self) -> tuple[str, int] | None:
        """Claim the next trial; wait while all that is left is claimed by live runners.

        None once every trial of the eval is done.
        """
        s = self.shared
        while True:
            keys = await self.store.transact(sql.claim, s.eval_id, s.runner, s.lease_s, 1, _now(), write=True)
            if keys:
                return keys[0]
            left = await self.left()
            if left.total == 0:
                return None
            if left.pending:  # rows another claim had locked a moment ago (SKIP LOCKED skipped them)
                await asyncio.sleep(0.05)
                continue
            wait = s.poll_s if left.next_expiry_s is None else min(s.poll_s, left.next_expiry_s + 0.05)
            await asyncio.sleep(wait)

    async def record(self, record: TrialRecord) -> bool:
        """Store a result; False when this runner's claim had lapsed and another runner took the
        trial (the result is dropped, so the trial still counts once)."""
        s = self.shared
        record = record.model_copy(update={"runner": s.runner})
        kept = await self.store.transact(
            sql.finish,
            s.eval_id,
            s.runner,
            record.key,
            record.model_dump(mode="json"),
            record.infra_error,
            _now(),
            write=True,
        )
        if not kept:
            log.warning(
                "eval %s: dropped the result of %s trial %d: its lease ended and another runner took it",
                s.eval_id,
                record.task_id,
                record.trial,
            )
        return kept

    async def records(self) -> list[TrialRecord]:
        """Every finished trial of the eval, in suite order."""
        rows = await self.store.transact(sql.done_records, self.shared.eval_id)
        return [TrialRecord.model_validate(r) for r in rows]

    async def heartbeat(self) -> None:
        """Renew this runner's leases every third of a lease, until cancelled."""
        s = self.shared
        while True:
            await asyncio.sleep(s.lease_s / 3)
            try:
                await self.store.transact(sql.renew, s.eval_id, s.runner, s.lease_s, write=True)
            except StoreError as e:  # the claims may lapse; results then come from whoever takes them
                log.warning("eval %s: could not renew the leases of %s: %s", s.eval_id, s.runner, e)

    async def close(self, *, release: bool) -> None:
        """Close the store; with `release`, first hand back the trials still claimed (a runner
        stopped by an error or an interrupt), so that others need not wait for their leases."""
        try:
            if release:
                with contextlib.suppress(StoreError):
                    await self.store.transact(
                        sql.release, self.shared.eval_id, self.shared.runner, _now(), write=True
                    )
        finally:
            await self.store.aclose()


def write_run_dir(out: Path, info: dict[str, Any], records: Sequence[TrialRecord]) -> None:
    """`run.json` and `trials.jsonl` of `out` replaced by a shared eval's (written aside, then
    renamed, so a reader sees the old file or the new one)."""
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / RUN, info)
    part = out / f"{TRIALS}.part"
    part.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    part.replace(out / TRIALS)


async def export_eval(store_url: str, eval_id: str, out: Path) -> None:
    """Write a shared eval's `run.json` and `trials.jsonl` into `out` (its reports are then
    rebuilt from there, as for any run directory)."""
    async with Store.open(store_url) as store:
        info = await store.transact(sql.eval_info, eval_id)
        if info is None:
            raise ConfigError(
                f"No eval {eval_id!r} in {store.url}; its runners create it (agents eval SUITE "
                f"--store URL --eval-id {eval_id})."
            )
        rows = await store.transact(sql.done_records, eval_id)
    write_run_dir(out, {**info, "eval_id": eval_id}, [TrialRecord.model_validate(r) for r in rows])
