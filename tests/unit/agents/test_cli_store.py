"""`agents sessions ...`, `agents runs ...` and `agents run --store/--session`, on a SQLite store in
tmp_path. Runs are made through the Python API with `ScriptedModel`; the CLI's own agent (for
`runs resume` and `run --store`) gets a scripted model in place of the server's."""

from __future__ import annotations

import asyncio
import io
import json
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from agents import Agent, cli
from agents._cli_store import EXIT_WAITING, STORE_ENV
from agents.memory import Store
from agents.messages import AssistantMessage, Message, ToolResultMessage, UserMessage
from agents.testing import ScriptedModel, call

TOOLS_FILE = '''
from pathlib import Path

from tools import tool

LOG = Path(__file__).with_name("sent.log")


@tool(requires_approval=True)
def send_email(to: str, body: str) -> str:
    """Send an email.

    Args:
        to: The address.
        body: The text.
    """
    with LOG.open("a") as f:
        f.write(to + "\\n")
    return f"sent to {to}"


TOOLS = [send_email]
'''


class _Served(ScriptedModel):
    """A scripted model the CLI takes for the server's."""

    base_url = "http://test.invalid/v1"

    async def aclose(self) -> None:
        pass


def _serve_with(monkeypatch: pytest.MonkeyPatch, model: ScriptedModel | None) -> None:
    """The CLI's server lookup returns `model`; None: contacting the server fails the test."""

    async def from_server(base_url: str, **kwargs: Any) -> ScriptedModel:
        if model is None:
            raise AssertionError(f"the server at {base_url} was contacted")
        return model

    monkeypatch.setattr(cli.OpenAIChatModel, "from_server", staticmethod(from_server))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def tools_spec(tmp_path: Path) -> str:
    (tmp_path / "mail_tools.py").write_text(TOOLS_FILE)
    return f"{tmp_path / 'mail_tools.py'}:TOOLS"


def sent(tmp_path: Path) -> list[str]:
    log = tmp_path / "sent.log"
    return log.read_text().split() if log.exists() else []


def waiting_run(db: Path, tools_spec: str, session: str = "desk") -> tuple[str, str]:
    """A run (made with the Python API) waiting to send an email to bob: (run id, call id)."""
    email = call("send_email", to="bob@example.com", body="hi")

    async def go() -> str:
        async with await Store.open(db) as store:
            agent = Agent(ScriptedModel([email]), tools=cli.load_tools(tools_spec), store=store)
            result = await agent.run("Email Bob", session=session)
            assert result.waiting
            return result.run_id

    return asyncio.run(go()), email.id


def store_call(db: Path, fn: Any) -> Any:
    async def go() -> Any:
        async with await Store.open(db) as store:
            return await fn(store)

    return asyncio.run(go())


def agents(*argv: str) -> int:
    return cli.main(list(argv))


# -- sessions ------------------------------------------------------------------------------------

ORPHAN = call("lookup", q="x")


def chat(db: Path) -> None:
    messages: list[Message] = [
        UserMessage(content="What is 2+3?"),
        AssistantMessage(tool_calls=[call("add", a=2, b=3)]),
        ToolResultMessage(call_id="", name="add", content="5"),  # fixed below with the real id
        AssistantMessage(text="5"),
        UserMessage(content="Look x up"),
        AssistantMessage(tool_calls=[ORPHAN]),  # the run died before its result was stored
    ]
    first = messages[1]
    assert isinstance(first, AssistantMessage)
    messages[2] = ToolResultMessage(call_id=first.tool_calls[0].id, name="add", content="5")
    store_call(db, lambda s: s.append("chat", messages))


def test_sessions_list_show_and_the_repaired_orphan(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chat(db)
    store_call(db, lambda s: s.append("other", [UserMessage(content="hi")]))
    assert agents("sessions", "list", "--store", str(db)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "MESSAGES", "UPDATED"]
    assert [line.split()[:2] for line in out[1:]] == [["other", "1"], ["chat", "6"]]
    assert agents("sessions", "list", "--store", str(db), "--limit", "1") == 0
    assert len(capsys.readouterr().out.splitlines()) == 2

    assert agents("sessions", "show", "chat", "--store", str(db)) == 0
    out = capsys.readouterr().out
    assert "[1] user: What is 2+3?" in out
    assert "[2] assistant → add(" in out and "[3] tool add [" in out and "ok: 5" in out
    assert f'[6] assistant → lookup({{"q": "x"}}) [{ORPHAN.id}]' in out
    assert f"[repaired] tool lookup [{ORPHAN.id}] error: Interrupted" in out
    assert "no result was stored" in out

    assert agents("sessions", "show", "chat", "--store", str(db), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [m["seq"] for m in shown["messages"]] == [1, 2, 3, 4, 5, 6, None]
    assert [m["repaired"] for m in shown["messages"]][-2:] == [False, True]
    assert shown["session"]["id"] == "chat" and shown["session"]["head"] == 6


def test_export_round_trips_the_stored_messages(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat(db)
    out = tmp_path / "chat.json"
    assert agents("sessions", "export", "chat", "-o", str(out), "--store", str(db)) == 0
    doc = json.loads(out.read_text())
    assert doc["format"] == "gemma-agents/session" and doc["session"]["head"] == 6
    assert len(doc["messages"]) == 6  # as stored: the orphan is not repaired in an export
    adapter: TypeAdapter[Message] = TypeAdapter(Message)
    messages = [adapter.validate_python(m) for m in doc["messages"]]
    original = store_call(db, lambda s: s.history("chat", repair=False))
    assert messages == original.messages
    # ... and back into another store, where it reads the same.
    again = tmp_path / "again.db"
    store_call(again, lambda s: s.append("chat", messages))
    assert store_call(again, lambda s: s.history("chat", repair=False)).messages == original.messages

    assert agents("sessions", "export", "chat", "--store", str(db)) == 0  # stdout
    assert json.loads(capsys.readouterr().out) == doc
    nowhere = tmp_path / "no" / "dir.json"
    assert agents("sessions", "export", "chat", "-o", str(nowhere), "--store", str(db)) == 2
    assert capsys.readouterr().err.startswith(f"error: Cannot write {nowhere}: No such file")


def test_delete_asks_refuses_without_a_terminal_and_deletes_with_yes(
    db: Path, tools_spec: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    chat(db)
    run_id, _ = waiting_run(db, tools_spec, session="chat")
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal
    assert agents("sessions", "delete", "chat", "--store", str(db)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stdin is not a terminal" in err and "--yes" in err
    assert store_call(db, lambda s: s.history("chat")).head == 8  # nothing deleted

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    assert agents("sessions", "delete", "chat", "--store", str(db)) == 1
    assert "not deleted" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    assert agents("sessions", "delete", "chat", "--store", str(db)) == 0
    assert "deleted session 'chat' (8 messages, 1 runs)" in capsys.readouterr().out
    assert store_call(db, lambda s: s.runs()) == []
    chat(db)
    assert agents("sessions", "delete", "chat", "--yes", "--store", str(db)) == 0
    assert store_call(db, lambda s: s.sessions()) == []
    assert run_id


# -- runs: list, show, approve / edit / deny, resume ---------------------------------------------


def test_runs_list_and_show_a_waiting_run(
    db: Path, tools_spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, call_id = waiting_run(db, tools_spec)
    assert agents("runs", "list", "--store", str(db), "--status", "waiting") == 0
    out = capsys.readouterr().out
    assert run_id in out and "desk" in out
    assert agents("runs", "list", "--store", str(db), "--status", "finished") == 0
    assert run_id not in capsys.readouterr().out
    assert agents("runs", "list", "--store", str(db), "--session", "elsewhere") == 0
    assert run_id not in capsys.readouterr().out

    assert agents("runs", "show", run_id, "--store", str(db)) == 0
    out = capsys.readouterr().out
    assert f"run {run_id}: waiting" in out
    assert f"{call_id}  send_email(" in out and "bob@example.com" in out and "needs approval" in out
    assert "started" in out and "waiting" in out and "'scripted'" not in out

    assert agents("runs", "show", run_id, "--store", str(db), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "waiting" and shown["config"]["model"] == "scripted"
    (pending,) = shown["pending"]
    assert pending["call_id"] == call_id and pending["reason"] == "approval"
    assert pending["arguments"] == {"to": "bob@example.com", "body": "hi"} and pending["decision"] is None
    assert [e["kind"] for e in shown["events"]][-1] == "waiting"


@pytest.mark.parametrize(
    ("decide", "sent_to", "answer"),
    [
        (["approve"], ["bob@example.com"], "Sent."),
        (["approve", "--args", '{"to": "alice@example.com", "body": "hi"}'], ["alice@example.com"], "Sent."),
        (["deny", "--reason", "not on a Sunday"], [], "I did not send it."),
    ],
    ids=["approve", "edit", "deny"],
)
def test_decide_then_resume_finishes(
    db: Path,
    tmp_path: Path,
    tools_spec: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    decide: list[str],
    sent_to: list[str],
    answer: str,
) -> None:
    run_id, call_id = waiting_run(db, tools_spec)
    action, *flags = decide
    assert agents("runs", action, run_id, call_id, *flags, "--store", str(db)) == 0
    out = capsys.readouterr().out
    assert f"call {call_id} of run {run_id}:" in out and "every call is decided" in out
    assert sent(tmp_path) == []  # deciding runs nothing

    model = _Served([answer])
    _serve_with(monkeypatch, model)
    assert agents("runs", "resume", run_id, "--tools", tools_spec, "--store", str(db)) == 0
    out = capsys.readouterr().out
    assert f"= answer: {answer}" in out and "(2 requests" in out  # the run's usage in all
    assert sent(tmp_path) == sent_to
    assert store_call(db, lambda s: s.run(run_id)).status == "finished"
    (result,) = [m for m in model.requests[0].messages if isinstance(m, ToolResultMessage)]
    if action == "deny":
        assert result.status == "denied" and "not on a Sunday" in result.content
        assert "← denied" in out
    else:
        assert result.status == "ok" and result.content == f"sent to {sent_to[0]}"

    # Resuming a finished run prints its answer without asking the server.
    _serve_with(monkeypatch, None)
    assert agents("runs", "resume", run_id, "--tools", tools_spec, "--store", str(db)) == 0
    assert f"= answer: {answer}" in capsys.readouterr().out


def test_run_with_a_store_waits_prints_working_commands_and_exits_3(
    db: Path,
    tmp_path: Path,
    tools_spec: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    email = call("send_email", to="bob@example.com", body="hi")
    _serve_with(monkeypatch, _Served([email]))
    argv = ["run", "Email Bob", "--tools", tools_spec, "--store", str(db), "--session", "desk"]
    assert agents(*argv) == EXIT_WAITING
    out = capsys.readouterr().out
    (started,) = [line for line in out.splitlines() if line.startswith("run ")]
    run_id = started.split()[1]
    assert started.startswith(f"run {run_id} (session 'desk', store sqlite:///")
    assert "waits for a decision on 1 call(s)" in out and email.id in out
    commands = [shlex.split(line) for line in out.splitlines() if line.startswith("  agents runs ")]
    approve, edit, deny, resume = commands
    assert approve == ["agents", "runs", "approve", run_id, email.id, "--store", str(db)]
    assert edit[-2] == "--args" and json.loads(edit[-1]) == {"to": "bob@example.com", "body": "hi"}
    assert deny[:5] == ["agents", "runs", "deny", run_id, email.id]
    assert resume == ["agents", "runs", "resume", run_id, "--store", str(db), "--tools", tools_spec]
    assert sent(tmp_path) == []

    # The printed commands do what they say.
    edit[-1] = json.dumps({"to": "carol@example.com", "body": "hi"})
    assert agents(*edit[1:]) == 0
    _serve_with(monkeypatch, _Served(["Sent to Carol."]))
    assert agents(*resume[1:]) == 0
    assert "= answer: Sent to Carol." in capsys.readouterr().out
    assert sent(tmp_path) == ["carol@example.com"]
    history = store_call(db, lambda s: s.history("desk")).messages
    assert [m.role for m in history] == ["user", "assistant", "tool", "assistant"]


def test_resume_that_waits_again_prints_the_new_calls(
    db: Path,
    tmp_path: Path,
    tools_spec: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_id, call_id = waiting_run(db, tools_spec)
    assert agents("runs", "approve", run_id, call_id, "--store", str(db)) == 0
    second = call("send_email", to="dave@example.com", body="and you")
    _serve_with(monkeypatch, _Served([second]))
    assert agents("runs", "resume", run_id, "--tools", tools_spec, "--store", str(db)) == EXIT_WAITING
    out = capsys.readouterr().out
    assert second.id in out and f"agents runs approve {run_id} {second.id} --store {db}" in out
    assert sent(tmp_path) == ["bob@example.com"]


def test_the_store_comes_from_the_environment(
    db: Path, tools_spec: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, _ = waiting_run(db, tools_spec)
    monkeypatch.setenv(STORE_ENV, str(db))
    assert agents("runs", "list") == 0
    assert run_id in capsys.readouterr().out


# -- errors: one line, exit 2, nothing written ---------------------------------------------------


def _events(db: Path, run_id: str) -> int:
    return len(store_call(db, lambda s: s.events(run_id)))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["runs", "show", "nope"], "No run 'nope'"),
        (["runs", "approve", "nope", "c1"], "No run 'nope'"),
        (["runs", "resume", "nope"], "No run 'nope'"),
        (["sessions", "show", "nope"], "No session 'nope'"),
        (["sessions", "export", "nope"], "No session 'nope'"),
        (["sessions", "delete", "nope", "--yes"], "No session 'nope'"),
        (["runs", "approve", "{run}", "not-a-call"], "Call 'not-a-call' is not pending"),
        (["runs", "deny", "{run}", "not-a-call"], "Call 'not-a-call' is not pending"),
        (["runs", "approve", "{run}", "{call}", "--args", "oops"], "--args is not valid JSON"),
        (["runs", "approve", "{run}", "{call}", "--args", "[1, 2]"], "--args must be a JSON object"),
        (["runs", "resume", "{run}"], "still waits for decisions on {call}"),
    ],
)
def test_a_bad_name_or_value_is_one_line_exit_2_and_writes_nothing(
    db: Path,
    tools_spec: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    run_id, call_id = waiting_run(db, tools_spec)
    chat(db)
    before = _events(db, run_id), store_call(db, lambda s: s.sessions())
    _serve_with(monkeypatch, None)  # no error here needs the server
    filled = [a.format(run=run_id, call=call_id) for a in argv]
    assert agents(*filled, "--store", str(db)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    assert message.format(call=call_id) in err
    assert (_events(db, run_id), store_call(db, lambda s: s.sessions())) == before


def test_a_decision_is_final_and_only_for_waiting_runs(
    db: Path, tools_spec: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, call_id = waiting_run(db, tools_spec)
    assert agents("runs", "deny", run_id, call_id, "--store", str(db)) == 0
    capsys.readouterr()
    n = _events(db, run_id)
    assert agents("runs", "approve", run_id, call_id, "--store", str(db)) == 2
    assert "already decided" in capsys.readouterr().err
    assert _events(db, run_id) == n

    _serve_with(monkeypatch, _Served(["Not sent."]))
    assert agents("runs", "resume", run_id, "--tools", tools_spec, "--store", str(db)) == 0
    capsys.readouterr()
    n = _events(db, run_id)
    assert agents("runs", "approve", run_id, call_id, "--store", str(db)) == 2
    assert "is finished, not waiting" in capsys.readouterr().err
    assert _events(db, run_id) == n


def _too_new(db: Path) -> None:
    store_call(db, lambda s: s.sessions())
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the main file, to compare bytes


def _not_a_store(db: Path) -> None:
    db.write_text("my shopping list\n" * 100)


@pytest.mark.parametrize(
    ("make", "store", "message"),
    [
        (_not_a_store, None, "is not a gemma-agents store"),
        (_too_new, None, "made by a newer gemma-agents"),
        (None, "bogus://x", "is unavailable"),
        (None, "postgresql://u:secret@127.0.0.1:1/x", "is unavailable"),
        (None, None, "No store at"),
    ],
    ids=["NotAStore", "SchemaTooNew", "bad-url", "unreachable", "missing-file"],
)
@pytest.mark.parametrize("argv", [["sessions", "list"], ["runs", "list"], ["runs", "show", "r1"]])
def test_a_store_that_cannot_be_opened_is_one_line_exit_2_and_left_untouched(
    db: Path, capsys: pytest.CaptureFixture[str], make: Any, store: str | None, message: str, argv: list[str]
) -> None:
    if make is not None:
        make(db)
    before = db.read_bytes() if db.exists() else None
    assert agents(*argv, "--store", store or str(db)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert "secret" not in err
    assert (db.read_bytes() if db.exists() else None) == before  # a missing store is not created either


def test_run_with_a_bad_store_fails_before_the_server_is_asked(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _not_a_store(db)
    _serve_with(monkeypatch, None)
    assert agents("run", "hi", "--store", str(db)) == 2
    assert "is not a gemma-agents store" in capsys.readouterr().err


# -- parsing -------------------------------------------------------------------------------------


def test_the_store_flags_parse() -> None:
    args = cli.parse_args(["runs", "list", "--status", "waiting", "--session", "s", "--store", "x.db"])
    assert (args.status, args.session, args.store, args.limit) == ("waiting", "s", "x.db", 50)
    args = cli.parse_args(["runs", "resume", "r1", "--tools", "m:T", "--model", "m", "--max-steps", "3"])
    assert (args.run, args.tools, args.model, args.max_steps, args.store) == ("r1", "m:T", "m", 3, None)
    args = cli.parse_args(["run", "hi", "--session", "chat"])
    assert (args.session, args.store) == ("chat", None)
    with pytest.raises(SystemExit):
        cli.parse_args(["runs", "list", "--status", "sleeping"])


LAUNCH_FILE = '''
from pathlib import Path

from tools import tool

MARK = Path(__file__).with_name("launched.log")


class Crash(BaseException):
    """Stands for the process dying while the call runs."""


@tool  # unsafe: it may not run twice unasked
def launch(n: int) -> str:
    """Launch a rocket.

    Args:
        n: Which one.
    """
    first = not MARK.exists()
    with MARK.open("a") as f:
        f.write(f"{n}\\n")
    if first:
        raise Crash
    return "launched"


TOOLS = [launch]
'''


def test_a_crashed_run_surfaces_its_unsafe_call_then_resumes_once_approved(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rockets.py").write_text(LAUNCH_FILE)
    spec = f"{tmp_path / 'rockets.py'}:TOOLS"
    launch = call("launch", n=1)

    async def crash() -> None:
        async with await Store.open(db) as store:
            tools = cli.load_tools(spec)
            agent = Agent(ScriptedModel([launch]), tools=tools, store=store, durability="event")
            tool = tools.get("launch")
            assert tool is not None
            crash_type = sys.modules[tool.function.__module__].Crash  # the tool file's own
            with pytest.raises(crash_type):
                await agent.run("Launch one", run_id="r1")

    asyncio.run(crash())
    assert agents("runs", "list", "--status", "running", "--store", str(db)) == 0
    assert "r1" in capsys.readouterr().out

    idle = _Served([])
    _serve_with(monkeypatch, idle)
    assert agents("runs", "resume", "r1", "--tools", spec, "--store", str(db)) == EXIT_WAITING
    assert idle.requests == []  # the unsafe call waits before anything else happens
    out = capsys.readouterr().out
    assert f"{launch.id}  launch" in out and "was in flight when the run stopped" in out
    assert (tmp_path / "launched.log").read_text().split() == ["1"]  # not run again silently

    assert agents("runs", "approve", "r1", launch.id, "--store", str(db)) == 0
    _serve_with(monkeypatch, _Served(["Launched."]))
    assert agents("runs", "resume", "r1", "--tools", spec, "--store", str(db)) == 0
    assert "= answer: Launched." in capsys.readouterr().out
    assert (tmp_path / "launched.log").read_text().split() == ["1", "1"]


def test_the_command_loads_the_store_only_when_a_command_uses_it() -> None:
    # SQLAlchemy and Alembic cost about 0.4 s: `agents run` without a store must not pay for them.
    code = "import sys, agents.cli; print([m for m in ('sqlalchemy', 'agents.memory') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
