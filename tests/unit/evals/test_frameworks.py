"""Another framework's agent under the harness (`--agent module:factory`, evals.frameworks).

The third-party-style adapter (tests/unit/evals/data/plain_adapter.py) is plain httpx on the
OpenAI chat-completions API; here it talks to a small OpenAI-compatible HTTP server that plays
the job suite's gold answers, so that what the harness scores is what went over the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from agents.models.base import ModelSettings
from agents.models.openai import OpenAIChatModel
from agents.testing import ScriptedModel, block_model_requests
from evals.checks import RequiredCalls
from evals.cli import main
from evals.envs import make_env
from evals.frameworks import AgentSetup, CallLog, harness_tools, load_factory, make_agent
from evals.matching import CallPattern
from evals.runner import EvalConfig, run_eval
from evals.store import read_trials
from evals.suites import load_suite
from evals.tasks import Suite, Task
from evals.trial import build_toolset
from tools.errors import ConfigError

DATA = Path(__file__).parent / "data"
PLAIN = f"{DATA / 'plain_adapter.py'}:factory"
BUILTIN = "evals.adapters.builtin:factory"


class JobServer:
    """`POST /v1/chat/completions` for the job suite: calls `work(job=N)` for "Do job N.", then
    answers once the result is in; HTTP/1.1 with keep-alive, one JSON body per request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/v1"

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        job = re.search(r"job (\d+)", next(m["content"] for m in reversed(messages) if m["role"] == "user"))
        assert job is not None and body["tools"][0]["function"]["name"] == "work"
        if messages[-1]["role"] == "tool":
            message: dict[str, Any] = {"role": "assistant", "content": f"Job {job.group(1)} is done."}
        else:
            arguments = json.dumps({"job": int(job.group(1))})
            call = {
                "id": f"c{len(self.requests)}",
                "type": "function",
                "function": {"name": "work", "arguments": arguments},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        return {
            "id": "x",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                lines = head.decode().split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                if not lines[0].startswith("POST /v1/chat/completions "):  # the harness's /metrics scrape
                    writer.write(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                body = json.loads(raw)
                self.requests.append(body)
                data = json.dumps(self.reply(body)).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(data)}\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest_asyncio.fixture(loop_scope="function")
async def job_server() -> AsyncIterator[JobServer]:
    # On the test's own loop (fixtures default to the session's): the server must serve while
    # the test awaits.
    server = JobServer()
    server.server = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    yield server
    server.server.close()


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Suite:
    monkeypatch.setenv("SHARED_SUITE_TASKS", "6")
    monkeypatch.setenv("SHARED_SUITE_DELAY", "0")
    return load_suite(str(DATA / "shared_suite.py"))


async def test_a_third_party_adapter_runs_the_suite_over_http(
    tmp_path: Path, jobs: Suite, job_server: JobServer
) -> None:
    config = EvalConfig(
        out=tmp_path, agent=PLAIN, model_name="served", base_urls=[job_server.url], k=2, max_tokens=64
    )
    model = OpenAIChatModel("served", base_url=job_server.url)
    summary = await run_eval(jobs, config, models=[model], progress=io.StringIO())
    await model.aclose()
    assert summary["success_rate"] == 1.0 and summary["trials"] == 12 and summary["agent"] == PLAIN
    # Two requests a trial (the call, then the answer), each with the trial's own seed.
    assert len(job_server.requests) == 24
    assert sorted({r["seed"] for r in job_server.requests}) == [0, 1]
    records = read_trials(tmp_path)
    assert all(r.tool_calls == 1 and r.steps == 2 and r.input_tokens == 20 for r in records)
    assert all(r.agent == PLAIN and r.endpoint == job_server.url for r in records)
    # The calls the checks saw are the ones the harness ran, with the environment's result.
    call = records[0].turns[0].calls[0]
    assert (call.name, call.status, call.result) == ("work", "ok", f"job {call.arguments['job']} done")


async def test_a_wrong_answer_over_the_wire_fails_the_checks(
    tmp_path: Path, jobs: Suite, job_server: JobServer
) -> None:
    # The server plays job N's gold for every task; the checks of the other tasks must fail.
    same = Suite(
        name="jobs", tasks=[t.model_copy(update={"turns": jobs.tasks[0].turns}) for t in jobs.tasks[:1]]
    )
    other = jobs.tasks[1].model_copy(
        update={"turns": [jobs.tasks[1].turns[0].model_copy(update={"user": "Do job 0."})]}
    )
    suite = Suite(name="jobs", tasks=[*same.tasks, other])
    config = EvalConfig(out=tmp_path, agent=PLAIN, model_name="served", base_urls=[job_server.url])
    summary = await run_eval(
        suite, config, models=[OpenAIChatModel("served", base_url=job_server.url)], progress=io.StringIO()
    )
    assert summary["passed"] == 1 and summary["trials"] == 2
    failed = next(r for r in read_trials(tmp_path) if not r.passed)
    assert failed.task_id == "job_1" and "[0]" in failed.verdicts[0].detail


async def test_our_agent_through_the_interface_scores_the_oracle_like_the_default(tmp_path: Path) -> None:
    suite = load_suite("multistep")
    direct = await run_eval(suite, EvalConfig(out=tmp_path / "direct", oracle=True), progress=io.StringIO())
    adapted = await run_eval(
        suite, EvalConfig(out=tmp_path / "adapted", oracle=True, agent=BUILTIN), progress=io.StringIO()
    )
    assert direct["success_rate"] == adapted["success_rate"] == 1.0
    assert adapted["tool_calls"] == direct["tool_calls"] > 0
    a = {r.key: r for r in read_trials(tmp_path / "direct")}
    b = {r.key: r for r in read_trials(tmp_path / "adapted")}
    assert a.keys() == b.keys()
    for key, record in b.items():
        assert [c.name for c in record.turns[0].calls] == [c.name for c in a[key].turns[0].calls]
        assert record.final_state == a[key].final_state


async def test_the_tools_are_callables_with_signatures_and_schemas(jobs: Suite) -> None:
    task = jobs.tasks[0]
    declared = Task.single(
        id="declared",
        prompt="x",
        tools=[
            {
                "name": "lookup",
                "description": "Look a word up.",
                "parameters": {
                    "type": "object",
                    "properties": {"word": {"type": "string"}, "limit": {"type": "integer", "default": 3}},
                    "required": ["word"],
                },
            }
        ],
        checks=[RequiredCalls(calls=[CallPattern(name="lookup")])],
    )
    env, _ = make_env(task.env) if task.env else (None, None)
    log = CallLog()
    (work,) = harness_tools(build_toolset(task, env), env, log)
    assert str(inspect.signature(work.function)) == "(job: int) -> str"  # the environment method's own
    assert work.parameters["properties"]["job"]["type"] == "integer"
    assert await work.function(job=3) == "job 3 done"
    assert await work.function(job="4") == "job 4 done"  # coerced as for our agent
    bad = await work.function(job="four")
    assert "job" in bad and log.calls[-1].status == "retry"
    assert [c.status for c in log.calls] == ["ok", "ok", "retry"]
    (lookup,) = harness_tools(build_toolset(declared, None), None, CallLog())
    assert str(inspect.signature(lookup.function)) == "(*, word: str, limit: int = 3) -> str"
    assert lookup.openai_spec()["function"]["name"] == "lookup"


async def test_a_bad_factory_is_a_config_error(tmp_path: Path, jobs: Suite) -> None:
    with pytest.raises(ConfigError, match="module:factory"):
        load_factory("evals.adapters.builtin")
    with pytest.raises(ConfigError, match="Cannot import 'no_such_framework'"):
        load_factory("no_such_framework:factory")
    with pytest.raises(ConfigError, match="not a callable"):
        load_factory("evals.adapters.builtin:nothing")
    setup = AgentSetup(
        tools=[],
        instructions=None,
        endpoint=None,
        model=ScriptedModel([]),
        settings=ModelSettings(),
        max_steps=1,
    )
    with pytest.raises(ConfigError, match="has no `async run_turn"):
        await make_agent(lambda s: object(), setup)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigError, match="has no `async run_turn"):
        await run_eval(
            jobs, EvalConfig(out=tmp_path, oracle=True, agent="builtins:str"), progress=io.StringIO()
        )


async def test_compare_shows_two_frameworks_task_by_task(
    tmp_path: Path, jobs: Suite, job_server: JobServer
) -> None:
    block_model_requests(False)  # our client may talk to this local test server (the guard is back after)
    model = OpenAIChatModel("served", base_url=job_server.url)
    for name, agent in (("ours", BUILTIN), ("plain", PLAIN)):
        config = EvalConfig(out=tmp_path / name, agent=agent, model_name="served", base_urls=[job_server.url])
        await run_eval(jobs, config, models=[model], progress=io.StringIO())
    await model.aclose()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert (
            await asyncio.to_thread(
                main, ["compare", str(tmp_path / "ours"), str(tmp_path / "plain"), "--all-tasks"]
            )
            == 0
        )
    text = out.getvalue()
    assert f"agent {BUILTIN}" in text and f"agent {PLAIN}" in text
    every = text.split("## Every common task")[1]
    rows = [line for line in every.splitlines() if line.startswith("| job_")]
    assert len(rows) == 6 and all(row.count("100.0%") == 2 for row in rows)


PAI_PYTHON = Path(__file__).resolve().parents[3] / ".pydantic-ai" / "venv" / "bin" / "python"


@pytest.mark.skipif(not PAI_PYTHON.exists(), reason="no .pydantic-ai/venv: run scripts/setup-pydantic-ai")
@pytest.mark.parametrize("single", [False, True], ids=["conversation", "single-response"])
async def test_pydantic_ai_under_the_harness(tmp_path: Path, job_server: JobServer, single: bool) -> None:
    # PydanticAI lives in its own environment: the eval runs there, against this test's server.
    agent = "evals.adapters.pydantic_ai:factory"
    command = [str(PAI_PYTHON), "-m", "evals", str(DATA / "shared_suite.py"), "--agent", agent]
    command += ["--base-url", job_server.url, "--model", "served", "-k", "2", "--out", str(tmp_path)]
    env = {
        "SHARED_SUITE_TASKS": "4",
        "SHARED_SUITE_DELAY": "0",
        "SHARED_SUITE_SINGLE": "1" if single else "0",
    }
    proc = await asyncio.create_subprocess_exec(
        *command,
        cwd=DATA.parents[3],
        env={**env, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), timeout=300)
    assert proc.returncode == 0, output.decode()[-3000:]
    records = read_trials(tmp_path)
    assert len(records) == 8 and all(r.passed and r.agent == agent for r in records)
    # A single-response turn is one request whose call ran and was scored; otherwise the answer follows.
    steps = 1 if single else 2
    assert all(r.tool_calls == 1 and r.steps == steps and r.input_tokens == 10 * steps for r in records)
    assert all(r.turns[0].output == (None if single else f"Job {r.task_id[4:]} is done.") for r in records)
    # What PydanticAI sent: the task's schema for the tool, and each trial's own seed.
    assert len(job_server.requests) == 8 * steps
    assert (
        job_server.requests[0]["tools"][0]["function"]["parameters"]["properties"]["job"]["type"] == "integer"
    )
    assert sorted({r.get("seed") for r in job_server.requests}) == [0, 1]


async def test_our_adapter_ends_a_single_response_turn_after_its_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, job_server: JobServer
) -> None:
    monkeypatch.setenv("SHARED_SUITE_TASKS", "3")
    monkeypatch.setenv("SHARED_SUITE_DELAY", "0")
    monkeypatch.setenv("SHARED_SUITE_SINGLE", "1")
    suite = load_suite(str(DATA / "shared_suite.py"))
    block_model_requests(False)  # our client may talk to this local test server (the guard is back after)
    model = OpenAIChatModel("served", base_url=job_server.url)
    config = EvalConfig(out=tmp_path, agent=BUILTIN, model_name="served", base_urls=[job_server.url])
    summary = await run_eval(suite, config, models=[model], progress=io.StringIO())
    await model.aclose()
    assert summary["success_rate"] == 1.0 and len(job_server.requests) == 3
    assert all(r.steps == 1 and r.tool_calls == 1 and r.error is None for r in read_trials(tmp_path))
