"""One eval shared by several runners through a store: claims, leases, a runner killed mid-eval.

The kill test runs 4 real runner processes (`python -m evals ... --store --eval-id`) on a real
SQLite file and a real PostgreSQL, kills one with SIGKILL while it holds trials, and checks
that every trial is in the store once, done, kept from exactly one runner.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select

from agents.memory import Store
from agents.memory._schema import EVAL_TRIALS
from evals import _shared_sql as sql
from evals.cli import main
from evals.fingerprint import fingerprint
from evals.runner import EvalConfig, run_eval
from evals.shared import SharedEval
from evals.store import read_json, read_trials
from evals.suites import load_suite
from evals.trace import TrialRecord
from tools.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
SUITE_FILE = Path(__file__).parent / "data" / "shared_suite.py"
T = EVAL_TRIALS.c


def _rows(conn: Connection, eval_id: str) -> list[dict[str, Any]]:
    query = select(T.task_id, T.trial, T.status, T.owner, T.attempts, T.record).where(T.eval_id == eval_id)
    return [dict(r._mapping) for r in conn.execute(query)]


async def _store_rows(url: str, eval_id: str) -> list[dict[str, Any]]:
    async with Store.open(url) as store:
        return await store.transact(_rows, eval_id)


@pytest.fixture
def small_suite(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SHARED_SUITE_TASKS", "12")
    monkeypatch.setenv("SHARED_SUITE_DELAY", "0.01")
    return load_suite(str(SUITE_FILE))


async def test_two_runners_in_one_process_share_the_trials(tmp_path: Path, small_suite: Any) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    summaries = await asyncio.gather(
        *(
            run_eval(
                small_suite,
                EvalConfig(out=tmp_path / name, k=2, oracle=True, concurrency=3),
                shared=SharedEval(url, "e", runner=name),
                progress=io.StringIO(),
            )
            for name in ("a", "b")
        )
    )
    assert [s["trials"] for s in summaries] == [24, 24]
    assert sum(s["trials_run_now"] for s in summaries) == 24
    rows = await _store_rows(url, "e")
    assert len(rows) == 24 and {r["status"] for r in rows} == {"done"}
    assert all(r["attempts"] == 1 and r["record"]["runner"] == r["owner"] for r in rows)
    for name in ("a", "b"):  # each runner's folder holds the whole eval, each trial once
        records = read_trials(tmp_path / name)
        assert len(records) == 24 and all(r.passed for r in records)
        assert read_json(tmp_path / name / "run.json")["eval_id"] == "e"


async def test_a_runner_of_another_experiment_is_refused(tmp_path: Path, small_suite: Any) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = EvalConfig(out=tmp_path / "a", oracle=True)
    await run_eval(small_suite, first, shared=SharedEval(url, "e"), progress=io.StringIO())
    with pytest.raises(ConfigError, match=r"another experiment \(k was 1, is now 2\)"):
        await run_eval(
            small_suite,
            EvalConfig(out=tmp_path / "b", k=2, oracle=True),
            shared=SharedEval(url, "e"),
            progress=io.StringIO(),
        )
    with pytest.raises(ConfigError, match=r"runs 12 tasks, this runner 5"):
        await run_eval(
            small_suite.select(limit=5),
            EvalConfig(out=tmp_path / "c", oracle=True),
            shared=SharedEval(url, "e"),
            progress=io.StringIO(),
        )
    with pytest.raises(ConfigError, match=r"temperature was unset, is now 0.5"):
        await run_eval(
            small_suite,
            EvalConfig(out=tmp_path / "d", temperature=0.5, oracle=True),
            shared=SharedEval(url, "e"),
            progress=io.StringIO(),
        )


async def test_a_lapsed_claim_is_taken_over_and_its_late_result_dropped(
    tmp_path: Path, small_suite: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    # The eval is created by a runner that claims two trials and dies (never renews, never finishes).
    keys = [(t.id, 0) for t in small_suite.tasks]
    config = EvalConfig(out=tmp_path / "live", oracle=True, concurrency=2)
    async with Store.open(url) as store:
        info: dict[str, Any] = {"tasks": [t.id for t in small_suite.tasks], "k": 1}
        info["fingerprint"] = fingerprint(small_suite, {**asdict(config), "profile": None})
        await store.transact(sql.open_eval, "e", info, keys, sql_now(), write=True)
        dead = await store.transact(sql.claim, "e", "dead", 0.5, 2, sql_now(), write=True)
    assert dead == keys[:2]
    started = time.monotonic()
    summary = await run_eval(
        small_suite, config, shared=SharedEval(url, "e", runner="live", lease_s=0.5), progress=io.StringIO()
    )
    assert time.monotonic() - started >= 0.4  # it had to wait for the dead runner's leases
    assert summary["trials"] == 12 and summary["trials_run_now"] == 12 and summary["success_rate"] == 1.0
    rows = {(r["task_id"], r["trial"]): r for r in await _store_rows(url, "e")}
    assert [rows[k]["attempts"] for k in dead] == [2, 2]
    assert {r["owner"] for r in rows.values()} == {"live"}
    late = TrialRecord(task_id=dead[0][0], trial=0, passed=False, error="late")
    async with Store.open(url) as store:
        kept = await store.transact(
            sql.finish, "e", "dead", late.key, late.model_dump(mode="json"), False, sql_now(), write=True
        )
    assert kept is False
    assert (await _store_rows(url, "e"))[0]["record"]["error"] is None


async def test_a_live_runner_keeps_trials_longer_than_its_lease(
    tmp_path: Path, small_suite: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARED_SUITE_DELAY", "0.8")  # each trial outlasts the 0.3 s lease
    url = f"sqlite:///{tmp_path / 'store.db'}"
    suite = small_suite.select(limit=4)
    await asyncio.gather(
        *(
            run_eval(
                suite,
                EvalConfig(out=tmp_path / name, oracle=True, concurrency=2),
                shared=SharedEval(url, "e", runner=name, lease_s=0.3),
                progress=io.StringIO(),
            )
            for name in ("a", "b")
        )
    )
    rows = await _store_rows(url, "e")
    # The heartbeat renewed the leases: no trial was taken over from a live runner.
    assert [r["attempts"] for r in rows] == [1, 1, 1, 1]
    assert all(r["record"]["passed"] for r in rows)


async def test_postgresql_claims_skip_the_rows_another_claim_holds(
    postgres_url: str, small_suite: Any
) -> None:
    keys = [(t.id, 0) for t in small_suite.tasks]
    async with Store.open(postgres_url) as store:
        await store.transact(sql.open_eval, "e", {"tasks": []}, keys, sql_now(), write=True)
    locked, release, ended = threading.Event(), threading.Event(), threading.Event()
    held: list[tuple[str, int]] = []

    def claim_and_hold(conn: Connection) -> None:
        held.extend(sql.claim(conn, "e", "slow", 60, 1, sql_now()))
        locked.set()
        release.wait(10)  # the transaction, and its row lock, stay open until the test says
        ended.set()

    async def holder() -> None:
        async with Store.open(postgres_url) as store:
            await store.transact(claim_and_hold, write=True)

    thread = threading.Thread(target=asyncio.run, args=(holder(),))
    thread.start()
    try:
        assert await asyncio.to_thread(locked.wait, 30)
        async with Store.open(postgres_url) as store:
            got = await store.transact(sql.claim, "e", "fast", 60, 1, sql_now(), write=True)
            # Taken while the first claim's transaction was still open: it skipped that row, never waited.
            assert not ended.is_set() and held == keys[:1] and got == keys[1:2]
    finally:
        release.set()
        thread.join(30)
    rows = {(r["task_id"], r["trial"]): r["owner"] for r in await _store_rows(postgres_url, "e")}
    assert rows[keys[0]] == "slow" and rows[keys[1]] == "fast"


def sql_now() -> datetime:
    return datetime.now(UTC)


def _runner(url: str, name: str, out: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "evals",
        str(SUITE_FILE),
        "--oracle",
        "--store",
        url,
        "--eval-id",
        "kill",
        "--runner",
        name,
        "--lease",
        "2",
        "--concurrency",
        "2",
        "--out",
        str(out / name),
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_four_runners_one_killed_every_trial_counted_once(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'store.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    tasks = 60
    env = {
        **os.environ,
        "SHARED_SUITE_TASKS": str(tasks),
        "SHARED_SUITE_DELAY": "0.3",
        "PYTHONPATH": str(ROOT),
    }
    names = ["r0", "r1", "r2", "r3"]
    procs = {name: _runner(url, name, tmp_path, env) for name in names}
    victim, held = "r1", []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            try:
                rows = await _store_rows(url, "kill")
            except Exception:  # the store or the eval is not created yet
                continue
            mine = [r for r in rows if r["owner"] == victim]
            held = [(r["task_id"], r["trial"]) for r in mine if r["status"] == "claimed"]
            others_done = {r["owner"] for r in rows if r["status"] == "done"} - {victim}
            if held and any(r["status"] == "done" for r in mine) and others_done:
                # Freeze the victim, then read again what it holds: a trial listed by a read taken
                # while it ran could be finished by it a moment later, before the kill.
                procs[victim].send_signal(signal.SIGSTOP)
                await asyncio.sleep(0.2)  # a commit already on the wire lands
                rows = await _store_rows(url, "kill")
                held = [
                    (r["task_id"], r["trial"])
                    for r in rows
                    if r["owner"] == victim and r["status"] == "claimed"
                ]
                if held:
                    procs[victim].send_signal(signal.SIGKILL)
                    break
                procs[victim].send_signal(signal.SIGCONT)
        else:
            pytest.fail("the victim runner never held a trial while having finished one")
        outputs = {}
        for name, proc in procs.items():
            output, _ = proc.communicate(timeout=180)
            outputs[name] = output.decode(errors="replace")
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
    assert procs[victim].returncode == -signal.SIGKILL
    survivors = [n for n in names if n != victim]
    for name in survivors:
        assert procs[name].returncode == 0, outputs[name]

    rows = await _store_rows(url, "kill")
    expected = {(f"job_{i}", 0) for i in range(tasks)}
    assert sorted((r["task_id"], r["trial"]) for r in rows) == sorted(expected)  # none lost, none twice
    assert {r["status"] for r in rows} == {"done"}
    kept_by = {name: sum(r["record"]["runner"] == name for r in rows) for name in names}
    assert all(r["record"]["runner"] == r["owner"] and r["record"]["passed"] for r in rows)
    by_key = {(r["task_id"], r["trial"]): r for r in rows}
    # What the victim held when killed was run again, to the end, by a survivor.
    assert held and all(by_key[k]["owner"] in survivors and by_key[k]["attempts"] >= 2 for k in held)
    summaries = {n: read_json(tmp_path / n / "summary.json") for n in survivors}
    ran_now = {n: s["trials_run_now"] for n, s in summaries.items()}
    # Every kept result is counted by exactly one runner: the survivors' own counts plus what the
    # victim got into the store before it died make the whole eval.
    assert sum(ran_now.values()) + kept_by[victim] == tasks
    assert all(ran_now[n] == kept_by[n] for n in survivors)
    for name in survivors:
        assert summaries[name]["trials"] == tasks and summaries[name]["success_rate"] == 1.0
        assert len({r.key for r in read_trials(tmp_path / name)}) == tasks
    print(
        f"\n{backend}: kept per runner {kept_by}; victim held {len(held)} at the kill; "
        f"re-claimed {sum(r['attempts'] > 1 for r in rows)}; attempts {sum(r['attempts'] for r in rows)}"
    )

    # `eval report` reads the store as it reads a folder.
    report = tmp_path / "report"
    assert await asyncio.to_thread(main, ["report", str(report), "--store", url, "--eval-id", "kill"]) == 0
    summary = json.loads((report / "summary.json").read_text())
    assert summary["trials"] == tasks and summary["suite"] == "shared"
    assert (report / "report.html").exists()


def test_the_command_line_asks_for_both_store_and_eval_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["multistep", "--oracle", "--store", url, "--out", str(tmp_path / "a")]) == 1
    assert "needs both --store URL and --eval-id ID" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "r"), "--store", url, "--eval-id", "nope"]) == 1
    assert "No eval 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
