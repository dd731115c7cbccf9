"""examples/support_desk.py end to end on the tiny server: a session, an approval that waits and
is decided from a new store object, and a run resumed after its process was SIGKILLed.

The script's course never depends on what the random model says (each tool call is forced), so
the test checks the protocol: exit code, the waiting call, the resume, and, in the store and the
ledger the script leaves behind, that every effect happened exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from agents.memory import Store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "support_desk.py"


async def test_support_desk_runs_waits_resumes_and_survives_a_kill(tiny_url: str, tmp_path: Path) -> None:
    store_path = tmp_path / "desk.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's code, for the child process too
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        *("--base-url", tiny_url, "--store", str(store_path), "--edit-amount", "9"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out_bytes, _ = await asyncio.wait_for(proc.communicate(), 180)
    out = out_bytes.decode(errors="replace")
    assert proc.returncode == 0, out
    lines = out.splitlines()

    def line(prefix: str) -> str:
        found = [x for x in lines if x.startswith(prefix)]
        assert found, f"no line starting with {prefix!r} in:\n{out}"
        return found[0]

    assert line("turn 1's order number among them:").endswith("yes")
    assert line("stored history of ticket-42:").startswith("stored history of ticket-42: 4 messages")
    assert line("run ").endswith("status waiting")
    assert "[approval]" in line("pending: refund(")
    decision = line("decision:")
    assert '"kind": "edit"' in decision and '"amount": 9.0' in decision
    assert line("result: refund [ok] Refunded 9.00 EUR")
    assert line("child:  killed by SIGKILL")
    assert line("stored run replace-").endswith("log: started response call_started")
    assert "its effect happened exactly once" in line("send_replacement ran twice")
    resumed = [x for x in lines if x.startswith("resumed run ")]
    assert len(resumed) == 2 and all(x.endswith("status finished") for x in resumed), out

    # What the script left behind, read independently of its printout.
    ledger = json.loads((tmp_path / "desk.db.ledger.json").read_text())
    kinds = sorted(e["kind"] for e in ledger["effects"].values())
    assert kinds == ["refund", "replacement"]
    refund = next(e for e in ledger["effects"].values() if e["kind"] == "refund")
    assert refund["amount"] == 9.0
    replacement_key = next(k for k, e in ledger["effects"].items() if e["kind"] == "replacement")
    assert ledger["attempts"][replacement_key] == 2  # ran before the kill and again on resume
    async with await Store.open(store_path) as store:
        runs = await store.runs()
        assert len(runs) == 4 and {r.status for r in runs} == {"finished"}
        crashed = next(r for r in runs if r.id.startswith("replace-"))
        kinds_logged = [e.kind for e in await store.events(crashed.id)]
        assert kinds_logged[:3] == ["started", "response", "call_started"]
        assert "resumed" in kinds_logged and kinds_logged[-1] == "finished"
        assert kinds_logged.count("call_finished") == 1  # the run before the kill never returned
