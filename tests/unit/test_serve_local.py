"""scripts/serve-local's start, reuse, status and stop, with stand-ins for set-up and vLLM.

The script runs as it is, from a copy of the repo layout whose `.venv/bin/agents` answers
`local-model` with the real command and `serve` with a small HTTP server that has a /health.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

AGENTS_STUB = """#!/usr/bin/env bash
set -e
if [ "$1" = local-model ]; then shift; exec {python} -m agents.cli local-model "$@"; fi
if [ "$1" = serve ]; then
  shift; echo "$*" > "$GEMMA_AGENTS_SERVER_HOME/serve-args"
  while [ "$1" != --port ]; do shift; done
  mkdir -p "$GEMMA_AGENTS_SERVER_HOME/www"; touch "$GEMMA_AGENTS_SERVER_HOME/www/health"
  exec {python} -m http.server "$2" --bind 127.0.0.1 --directory "$GEMMA_AGENTS_SERVER_HOME/www"
fi
exit 9
"""


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("setsid")), reason="needs curl and setsid")
def test_start_reuse_status_stop(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "serve-local", repo / "scripts" / "serve-local")
    _executable(repo / "scripts" / "setup", "#!/usr/bin/env bash\n")
    _executable(
        repo / "scripts" / "setup-server",
        '#!/usr/bin/env bash\necho "$*" > "$GEMMA_AGENTS_SERVER_HOME/setup-args"\n',
    )
    _executable(repo / ".venv" / "bin" / "agents", AGENTS_STUB.format(python=sys.executable))
    home = tmp_path / "home"
    env = {
        **os.environ,
        "GEMMA_AGENTS_SERVER_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_CACHE": str(tmp_path / "hub"),
        "PYTHONPATH": str(ROOT),
    }
    port = str(_free_port())
    url = f"http://127.0.0.1:{port}/v1"

    def serve_local(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(repo / "scripts" / "serve-local"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        started = serve_local("--port", port)
        assert (started.returncode, started.stdout) == (0, url + "\n"), started.stderr
        assert "serving gemma3-270m: offline fallback" in started.stderr
        # Why no Gemma 4: no weights offline or, while other servers hold memory, too little RAM.
        assert "HF_HUB_OFFLINE" in started.stderr or "GiB of RAM available" in started.stderr
        assert (home / "serve-args").read_text().split() == [
            "270m",
            "--cpu",
            "--port",
            port,
            "--timeout",
            "1800",
        ]
        assert (home / "setup-args").read_text().split() == ["--models", "270m"]

        again = serve_local("--port", port)
        assert again.stdout == url + "\n" and f"reusing port {port}" in again.stderr

        switched = serve_local("--model", "tiny", "--port", port)  # another model: restarted
        assert switched.stdout == url + "\n" and "stopped the 270m server" in switched.stderr
        assert (home / "serve-args").read_text().split()[:2] == ["tiny", "--cpu"]

        refused = serve_local("--model", "e2b", "--port", str(_free_port()))
        assert refused.returncode == 1
        assert "error: --model e2b: Gemma 4 E2B cannot be had here" in refused.stderr

        status = serve_local("status")
        assert status.returncode == 0 and status.stdout == url + "\n"
    finally:
        stopped = serve_local("stop")
    assert f"stopped the tiny server on port {port}" in stopped.stderr
    assert not list((home / "run").glob("*.pid"))
    for _ in range(50):
        if serve_local("status", "--port", port).returncode == 1:
            break
        time.sleep(0.1)
    assert serve_local("status", "--port", port).returncode == 1
