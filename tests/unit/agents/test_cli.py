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
