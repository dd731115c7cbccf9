"""`agents chat` (agents/_cli_chat.py): through stdin in this process, and through a pseudo-terminal
for Ctrl-C, with an echoing model (`_chat_models.py`) that shows which history it was sent."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from agents import cli

MODELS = Path(__file__).with_name("_chat_models.py")
ROOT = Path(__file__).resolve().parents[3]


def chat_args(store: Path, *extra: str) -> list[str]:
    return [
        "chat",
        "--model-from",
        f"{MODELS}:echo",
        "--tools",
        f"{MODELS}:TOOLS",
        "--store",
        str(store),
        *extra,
    ]


def chat(
    lines: list[str],
    store: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    code = cli.main(chat_args(store, *extra))
    return code, capsys.readouterr().out


def test_a_conversation_with_a_tool_call_and_the_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = chat(
        ["hello", "add two and three", "/tools", "/usage", "/nonsense", "/exit", "never read"],
        tmp_path / "s.db",
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert "session 'chat': a new conversation" in out
    assert "heard: hello\n" in out
    # the call, its result, then the answer that used it, in that order
    assert re.search(r'→ call add\(\{"a": 2, "b": 3\}\)\n← ok: 5\nThe tool said 5\.\n', out)
    assert "  add(a, b): Add two integers.\n" in out and "  wait(): Wait for a long time" in out
    assert "2 turns: 3 requests, 1 tool calls" in out
    assert "unknown command '/nonsense'; /help lists them" in out
    assert "never read" not in out and "heard: hello | add two and three | never read" not in out


def test_the_conversation_is_resumed_on_the_next_start_and_reset_forgets_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "s.db"
    chat(["first", "second"], store, monkeypatch, capsys)  # the end of the input ends the chat
    code, out = chat(["third"], store, monkeypatch, capsys)
    assert code == 0
    assert "session 'chat': 4 messages so far; the last ones:\n  you: first\n  agent: heard: first\n" in out
    assert "heard: first | second | third\n" in out  # the model was sent the stored history

    _, out = chat(["elsewhere"], store, monkeypatch, capsys, "--session", "other")
    assert "session 'other': a new conversation" in out and "heard: elsewhere\n" in out

    _, out = chat(["/reset", "again"], store, monkeypatch, capsys)
    assert "session 'chat' cleared (6 messages deleted): a new conversation" in out
    assert "heard: again\n" in out
    _, out = chat([], store, monkeypatch, capsys)
    assert "session 'chat': 2 messages so far" in out


def test_a_call_that_needs_approval_is_asked_about_in_the_chat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = chat(
        ["delete a.txt", "y", "delete b.txt", "no", "/exit"], tmp_path / "s.db", monkeypatch, capsys
    )
    assert code == 0
    assert 'run delete({"name": "a.txt"})? [y/N] ← ok: deleted a.txt\nThe tool said deleted a.txt.' in out
    assert 'run delete({"name": "b.txt"})? [y/N] ← denied: ' in out
    assert "The tool said The call to tool `delete` was not approved" in out


def test_a_failed_turn_is_reported_and_the_chat_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = chat(["fail", "after", "/usage"], tmp_path / "s.db", monkeypatch, capsys)
    assert code == 0
    assert "2 turns: 1 requests" in out  # the failed request is not counted: it never answered
    assert "error: Model server at http://nowhere/v1 is unreachable after 3 attempt(s)" in out
    # The store records a failed run with its prompt (unlike a cancelled one): the model sees it.
    assert "heard: fail | after\n" in out


def test_bad_flags_are_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    args = chat_args(tmp_path / "s.db")
    args[2] = f"{MODELS}:NOT_A_MODEL"
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "--model-from" in err and "names a int; expected an agents.models.Model" in err

    assert cli.main([*chat_args(tmp_path / "s.db"), "--mcp", "no-such-mcp-server --flag"]) == 1
    err = capsys.readouterr().err
    assert "no-such-mcp-server" in err  # the server that could not start, named


def test_tools_of_an_mcp_server_given_with_mcp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = ROOT / "tests" / "unit" / "mcp" / "demo_server.py"
    monkeypatch.setattr(sys, "stdin", io.StringIO("add two and three\n/tools\n/exit\n"))
    args = ["chat", "--model-from", f"{MODELS}:echo", "--store", str(tmp_path / "s.db")]
    assert cli.main([*args, "--mcp", f"{sys.executable} {demo}"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r'→ call add\(\{"a": 2, "b": 3\}\)\n← ok: 5\nThe tool said 5\.\n', out
    )  # the server's add
    assert "  add(a, b)" in out  # /tools lists the server's tools


class Terminal:
    """`agents chat` in a pseudo-terminal of its own: what a person at a keyboard sees and types."""

    def __init__(self, args: list[str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the chat, with the terminal as its controlling tty
            os.chdir(ROOT)
            os.execv(sys.executable, [sys.executable, "-m", "agents.cli", *args])
        self.seen = ""

    def expect(self, text: str, within_s: float = 60) -> str:
        """Everything up to and including `text`; fails with what was seen if it does not come."""
        deadline = time.monotonic() + within_s
        while text not in self.seen:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.fd], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"{text!r} did not come; the terminal shows:\n{self.seen}")
            try:
                self.seen += os.read(self.fd, 4096).decode(errors="replace")
            except OSError:  # the child has gone
                raise AssertionError(f"{text!r} did not come; the terminal shows:\n{self.seen}") from None
        head, _, self.seen = self.seen.partition(text)
        return head + text

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def exit_code(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def test_ctrl_c_cancels_the_turn_in_flight_not_the_chat(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    term = Terminal(chat_args(store))
    try:
        term.expect("you> ")
        term.type("hello\r")
        term.expect("heard: hello")
        term.expect("you> ")
        term.type("wait\r")
        term.expect("→ call wait({})")
        term.expect("tool wait is running")  # the turn is in flight, inside the tool
        term.type("\x03")  # Ctrl-C
        term.expect("(cancelled: this turn is not kept)")
        term.expect("you> ")
        term.type("\x03")  # at the prompt: a hint, and the chat stays
        term.expect("(/exit or Ctrl-D to leave)")
        term.type("delete x\r")
        term.expect("run delete(")
        term.type("\x03")  # Ctrl-C while the chat asks: the turn goes, and the question with it
        term.expect("(cancelled: this turn is not kept)")
        term.expect("you> ")
        term.type("after\r")
        term.expect("heard: hello | after")  # the cancelled turns never reached the history
        term.type("/exit\r")
        assert term.exit_code() == 0
    finally:
        term.kill()


def _free_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # nothing listens there once closed


async def test_without_base_url_the_default_server_is_started_when_none_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents import _cli_chat
    from agents.errors import ConfigError

    assert await _cli_chat.server_url("http://elsewhere:1/v1") == "http://elsewhere:1/v1"
    monkeypatch.setattr(_cli_chat, "DEFAULT_BASE_URL", _free_url())
    script = tmp_path / "serve-local"
    script.write_text("#!/bin/sh\necho 'starting' >&2\necho http://127.0.0.1:8123/v1\n")
    script.chmod(0o755)
    monkeypatch.setattr(_cli_chat, "_SERVE_LOCAL", script)
    assert await _cli_chat.server_url(None) == "http://127.0.0.1:8123/v1"  # what serve-local printed

    script.write_text("#!/bin/sh\necho 'no weights' >&2\nexit 1\n")
    with pytest.raises(ConfigError, match="could not start the default server"):
        await _cli_chat.server_url(None)
    monkeypatch.setattr(_cli_chat, "_SERVE_LOCAL", tmp_path / "absent")
    with pytest.raises(ConfigError, match=r"has no \./scripts/serve-local"):
        await _cli_chat.server_url(None)


def test_an_answer_is_shown_once_whether_it_streamed_was_cut_or_came_typed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agents._cli_chat import _Shown
    from agents.events import Event, ResponseCut, RunFinished, StepStarted, TextDelta

    shown = _Shown()
    cut: list[Event] = [StepStarted(1), TextDelta("It is "), TextDelta("sunn"), ResponseCut(1, 16)]
    cut.append(RunFinished("It is sunn"))
    for event in cut:
        shown.show(event)
    assert capsys.readouterr().out == "It is sunn\n! the response was cut off at max_tokens\n"

    shown = _Shown()
    typed = [StepStarted(1), TextDelta('{"city": "Oslo"}'), RunFinished({"city": "Oslo", "warm": False})]
    for event in typed:
        shown.show(event)
    assert capsys.readouterr().out == '{"city": "Oslo"}\n{"city": "Oslo", "warm": false}\n'
