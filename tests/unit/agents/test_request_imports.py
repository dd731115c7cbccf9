"""A warm request imports nothing: no module lookup runs per request (issue 12).

httpcore imports `sniffio` inside every request to tell asyncio from trio. When sniffio is
missing, the import fails and the whole import machinery runs again on every request (about
1 ms per tool-calling run). The package declares sniffio, so a warm request finds every module
it needs in `sys.modules` and never asks a finder.
"""

from __future__ import annotations

import importlib.abc
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

import pytest

from agents import Agent, OpenAIChatModel
from agents.models import openai as openai_module

ROOT = Path(__file__).resolve().parents[3]


class _Recorder(importlib.abc.MetaPathFinder):
    """Notes every module name the import system looks for; finds nothing itself."""

    def __init__(self) -> None:
        self.looked_up: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        self.looked_up.append(fullname)
        return None


@pytest.fixture
def base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(openai_module, "ALLOW_MODEL_REQUESTS", True)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "_fake_server.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline().split()[1])
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.kill()
        server.wait()


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_sniffio_is_a_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [r.split(">")[0].split("<")[0].split("=")[0].strip() for r in project["dependencies"]]
    assert "sniffio" in names


@pytest.mark.parametrize("stream", [False, True])
async def test_a_warm_run_looks_no_module_up(base_url: str, stream: bool) -> None:
    agent = Agent(OpenAIChatModel("gemma-4-bench", base_url=base_url), tools=[add], tool_mode="server")

    async def run() -> None:
        if stream:
            async with agent.run_stream("What is 2 + 3?") as events:
                async for _ in events:
                    pass
            assert events.result.tool_calls()
        else:
            assert (await agent.run("What is 2 + 3?")).tool_calls()

    async with agent:
        await run()  # cold: lazy imports of the first run happen here
        recorder = _Recorder()
        sys.meta_path.insert(0, recorder)
        try:
            await run()
        finally:
            sys.meta_path.remove(recorder)
    assert recorder.looked_up == []


def test_an_agent_without_a_store_imports_neither_sqlalchemy_nor_jsonschema() -> None:
    # Half a second and 30 MB of SQLAlchemy and Alembic, and 40 ms of jsonschema, that an agent
    # of function tools and no store never uses (benchmarks/overhead.py, cold import).
    code = (
        "import sys\n"
        "from agents import Agent, OpenAIChatModel, ToolCall\n"
        "def add(a: int, b: int) -> int:\n"
        "    '''Add two integers.'''\n"
        "    return a + b\n"
        "agent = Agent(OpenAIChatModel('gemma-4-bench'), tools=[add])\n"
        "call = ToolCall(id='1', name='add', arguments={'a': 1, 'b': 2})\n"
        "assert agent.toolset.validate(call) == {'a': 1, 'b': 2}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic', 'jsonschema'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
