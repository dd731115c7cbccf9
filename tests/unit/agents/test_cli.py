"""The `agents` command line: argument parsing only (no server is started here)."""

import pytest

from agents.cli import parse_args


def test_serve_options_after_the_model_are_ours_not_vllms() -> None:
    args = parse_args(["serve", "270m", "--port", "8012", "--timeout", "900"])
    assert args.model == "270m"
    assert args.port == 8012
    assert args.timeout == 900.0
    assert args.vllm_args == []


def test_serve_passes_everything_after_double_dash_to_vllm() -> None:
    args = parse_args(["serve", "tiny", "--port", "9000", "--", "--max-num-seqs", "4", "--port", "1"])
    assert args.port == 9000
    assert args.vllm_args == ["--max-num-seqs", "4", "--port", "1"]


def test_double_dash_is_refused_outside_serve() -> None:
    with pytest.raises(SystemExit, match="unexpected arguments after --"):
        parse_args(["run", "hello", "--", "--junk"])


# -- agents run: --tools, local checks before the server, limits -------------------------------

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from agents import cli  # noqa: E402
from agents.errors import ConfigError  # noqa: E402
from agents.models.base import ModelRequest, ModelResponse  # noqa: E402
from agents.serve import DEFAULT_BASE_URL, DEFAULT_PORT  # noqa: E402
from agents.testing import FunctionModel, call  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]

TOOLS_FILE = '''
from pydantic import BaseModel

class Point(BaseModel):
    x: int

def shout(text: str) -> str:
    """Upper-case a text.

    Args:
        text: What to shout.
    """
    return text.upper()

def move(p: Point) -> int:
    """Move a point."""
    return p.x + 1

TOOLS = [shout, move]
NUMBER = 3
'''


@pytest.fixture
def bare_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """sys.path as the installed `agents` script sees it: neither the repo root nor the cwd on it."""
    here = {str(ROOT), "", "."}
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in here and Path(p) != ROOT])


def test_the_readmes_tools_spec_loads_from_the_repo_root(
    bare_path: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("examples", "examples.weather_agent"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert cli.load_tools("examples.weather_agent:get_weather").names == ["get_weather"]


def test_tools_from_a_module_in_the_current_folder(
    bare_path: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd_tools_mod.py").write_text(TOOLS_FILE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "cwd_tools_mod", raising=False)
    assert cli.load_tools("cwd_tools_mod:TOOLS").names == ["shout", "move"]


@pytest.mark.parametrize("name", ["cli_tools.py", "tools.py"])
def test_tools_from_a_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # tools.py too: the user's file must not be confused with the framework's `tools` package.
    (tmp_path / name).write_text(TOOLS_FILE)
    monkeypatch.chdir(tmp_path)
    assert cli.load_tools(f"./{name}:TOOLS").names == ["shout", "move"]
    assert cli.load_tools(f"{tmp_path / name}:shout").names == ["shout"]
    assert "Toolset" in dir(sys.modules["tools"])  # the framework's package is untouched


def test_a_users_tools_py_named_as_a_module_gets_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tools.py").write_text(TOOLS_FILE)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"pass it as a file, \./tools\.py:TOOLS"):
        cli.load_tools("tools:TOOLS")


class _Serverless(FunctionModel):
    """A model the CLI can use in place of a server's."""

    base_url = "http://test.invalid/v1"

    async def aclose(self) -> None:
        pass


def _serve_with(monkeypatch: pytest.MonkeyPatch, model: FunctionModel | None) -> None:
    """Replace the server lookup of `agents run`: None means contacting the server fails the test."""

    async def from_server(base_url: str, **kwargs: Any) -> FunctionModel:
        if model is None:
            raise AssertionError(f"the server at {base_url} was contacted")
        return model

    monkeypatch.setattr(cli.OpenAIChatModel, "from_server", staticmethod(from_server))


BAD_SPECS = [
    ("no_colon_here", "takes MODULE:NAME or FILE.py:NAME"),
    ("./missing.py:TOOLS", "there is no file"),
    ("no_such_module_xyz:TOOLS", "no module 'no_such_module_xyz'"),
    ("examples.weather_agent:nope", "has no attribute 'nope'"),
    ("./cli_tools.py:NUMBER", "names a int; expected a Toolset"),
    ("./broken.py:TOOLS", "raised SyntaxError"),
    ("./raises.py:TOOLS", "raised RuntimeError: boom"),
    ("a-b:TOOLS", "neither a module name"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_SPECS)
def test_a_bad_tools_spec_is_one_line_before_any_server_contact(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec: str,
    message: str,
) -> None:
    (tmp_path / "cli_tools.py").write_text(TOOLS_FILE)
    (tmp_path / "broken.py").write_text("def f(:\n")
    (tmp_path / "raises.py").write_text("raise RuntimeError('boom\\nsecond line')\n")
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.chdir(tmp_path)
    _serve_with(monkeypatch, None)
    assert cli.main(["run", "hi", "--tools", spec]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"error: --tools {spec!r}" if ":" in spec else "error: --tools"
    )
    assert message in err


def test_a_tool_choice_that_names_no_tool_fails_before_any_server_contact(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_with(monkeypatch, None)
    monkeypatch.syspath_prepend(str(ROOT))
    assert cli.main(["run", "hi", "--tools", "examples.weather_agent:get_weather", "--tool-choice", "x"]) == 1
    assert "--tool-choice 'x' is neither" in capsys.readouterr().err


def _forever_calling(request: ModelRequest) -> ModelResponse:
    return ModelResponse(tool_calls=[call("get_weather", city="Oslo")], finish_reason="tool_calls")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--max-steps", "2"], "max_steps exceeded: 3 > 2"),
        (["--max-tool-calls", "1"], "max_tool_calls exceeded: 2 > 1"),
        (["--max-total-tokens", "2000"], "max_total_tokens exceeded"),
    ],
)
def test_run_limits_stop_a_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    _serve_with(monkeypatch, _Serverless(_forever_calling))
    monkeypatch.syspath_prepend(str(ROOT))
    argv = ["run", "Weather?", "--tools", "examples.weather_agent:get_weather", *flags]
    assert cli.main(argv) == 1
    out = capsys.readouterr()
    assert "→ call get_weather" in out.out
    assert message in out.err


def test_run_timeout_stops_a_request_in_flight(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    async def hang(request: ModelRequest) -> str:
        await asyncio.sleep(60)
        return "late"

    _serve_with(monkeypatch, _Serverless(hang))
    assert cli.main(["run", "hi", "--timeout", "0.2"]) == 1
    assert "stopped by --timeout after 0.2 s" in capsys.readouterr().err


def test_run_prints_the_answer_and_usage(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _serve_with(monkeypatch, _Serverless(lambda request: "All fine."))
    assert cli.main(["run", "hi", "--max-steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "= answer: All fine." in out and "(1 requests, 0 tool calls" in out


def test_run_says_when_a_response_was_cut_and_what_to_raise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = ModelResponse(tool_calls=[call("get_weather", city="Os")], finish_reason="length")
    replies = iter([cut, cut])
    _serve_with(monkeypatch, _Serverless(lambda request: next(replies)))
    monkeypatch.syspath_prepend(str(ROOT))
    argv = ["run", "Weather?", "--tools", "examples.weather_agent:get_weather", "--max-tokens", "16"]
    assert cli.main(argv) == 1
    out = capsys.readouterr()
    assert out.out.count("cut off at max_tokens=16; raise --max-tokens") == 2
    assert "max_tokens=16" in out.err and "--max-tokens" in out.err and "unreadable" not in out.err


def test_limits_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["run", "hi", "--max-steps", "0"])
    assert "must be 1 or more" in capsys.readouterr().err


# -- one default port, and --help that describes every flag ------------------------------------


def test_run_serve_and_serve_local_share_one_default_port() -> None:
    assert parse_args(["run", "hi"]).base_url == DEFAULT_BASE_URL == f"http://127.0.0.1:{DEFAULT_PORT}/v1"
    assert parse_args(["serve", "m"]).port == DEFAULT_PORT
    assert f"PORT=${{PORT:-{DEFAULT_PORT}}}" in (ROOT / "scripts" / "serve-local").read_text()


def _undocumented(parser: argparse.ArgumentParser, path: str) -> list[str]:
    """Flags and arguments without help in `parser` and every parser below it."""
    missing: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                missing += _undocumented(child, f"{path} {name}")
        elif action.dest != "help" and not action.help:
            missing.append(f"{path}: {action.dest}")
    return missing


@pytest.mark.parametrize(
    "command", ["serve", "run", "chat", "local-model", "eval", "sessions", "runs", "mcp"]
)
def test_every_flag_has_a_description(command: str) -> None:
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    parser = sub.choices[command]  # type: ignore[index]
    assert _undocumented(parser, command) == []


def test_every_command_is_checked_for_descriptions() -> None:
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {"serve", "run", "chat", "local-model", "eval", "sessions", "runs", "mcp"}  # type: ignore[arg-type]
    assert len(_undocumented(cli.build_parser(), "agents")) == 0
