"""`agents serve`: the command line it builds and how it supervises the process."""

from __future__ import annotations

import socket
import stat
import time
from pathlib import Path

import pytest

from agents.errors import ConfigError
from agents.serve import ServerConfig, ServerError, VLLMServer


def fake_vllm(tmp_path: Path, body: str) -> str:
    exe = tmp_path / "vllm"
    exe.write_text(f"#!/usr/bin/env bash\n{body}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def alive(pid: int, settle_s: float = 5.0) -> bool:
    """Still running after `settle_s`; a zombie waiting for a reaper (containers may have none)
    counts as gone. SIGKILL is delivered asynchronously: on a loaded machine the process can
    show as running for a moment after `killpg` returns, so poll instead of looking once."""
    stat_file = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + settle_s
    while True:
        try:
            running = stat_file.read_text().split(") ")[1][0] != "Z"
        except (FileNotFoundError, ProcessLookupError):
            return False
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


def test_gemma4_command_has_profile_flags(tmp_path: Path) -> None:
    cfg = ServerConfig("google/gemma-4-E2B-it", port=8123, vllm=fake_vllm(tmp_path, "exit 0"), cpu=True)
    cmd = cfg.command()
    assert cmd[1:3] == ["serve", "google/gemma-4-E2B-it"]
    joined = " ".join(cmd)
    assert "--enable-auto-tool-choice --tool-call-parser gemma4 --reasoning-parser gemma4" in joined
    template = cmd[cmd.index("--chat-template") + 1]
    assert template.endswith("gemma4/chat_template.jinja") and Path(template).is_file()
    assert "--enforce-eager" in cmd and "--port" in cmd
    assert cfg.base_url == "http://127.0.0.1:8123/v1"
    assert cfg.environment()["VLLM_CPU_KVCACHE_SPACE"]


def test_generic_model_gets_no_gemma_flags(tmp_path: Path) -> None:
    cmd = ServerConfig("Qwen/Qwen3-0.6B", vllm=fake_vllm(tmp_path, "exit 0"), cpu=False).command()
    assert "--tool-call-parser" not in cmd and "--enforce-eager" not in cmd


def test_bad_config_is_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="port"):
        ServerConfig("m", port=70000)
    monkeypatch.setenv("GEMMA_AGENTS_SERVER_HOME", str(tmp_path))
    with pytest.raises(ConfigError, match="setup-server"):
        ServerConfig("tiny")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("GEMMA_AGENTS_VLLM", raising=False)
    with pytest.raises(ConfigError, match="No vLLM executable"):
        ServerConfig("m").command()


async def test_server_that_dies_reports_its_log(tmp_path: Path) -> None:
    exe = fake_vllm(tmp_path, 'echo "CUDA out of memory, args: $*"; exit 3')
    server = VLLMServer(ServerConfig("m", vllm=exe, cpu=True), log=tmp_path / "server.log")
    server.start()
    with pytest.raises(ServerError, match="status 3") as info:
        await server.wait_healthy(20)
    assert "CUDA out of memory" in str(info.value)
    server.stop()


async def test_stop_terminates_the_process_group(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # A stand-in server with a child process (like vLLM's engine core) that never becomes healthy.
    exe = fake_vllm(tmp_path, f"sleep 300 & echo $! > {tmp_path}/child; wait")
    server = VLLMServer(ServerConfig("m", vllm=exe, cpu=True, port=port), log=tmp_path / "log")
    server.start()
    pid = server.pid
    assert pid is not None
    with pytest.raises(ServerError, match="not healthy"):
        await server.wait_healthy(1.5)
    server.stop(grace_s=5)
    child = int((tmp_path / "child").read_text())
    assert not alive(pid)
    assert not alive(child)
