"""The in-process engine (`vllm.LLM`) on the tiny random Gemma 4, in the server's environment.

The framework's own environment has no vLLM, so the runs happen in a subprocess of the server's
Python (`.vllm/venv`), which imports this checkout through PYTHONPATH. Modules the framework
needs and that environment lacks (sqlalchemy, for one) come from this interpreter's
site-packages, appended last so that they never shadow the server's own. The tiny model's
weights are random: the runs check what the framework guarantees, not what the model says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, sys
sys.path.append(os.environ["FRAMEWORK_SITE_PACKAGES"])

from agents import Agent
from agents.errors import AgentsError
from agents.events import ModelResponded, ToolCallFinished, ToolCallStarted
from agents.models import ModelSettings
from agents.models.inprocess import InProcessVLLMModel
from agents.usage import UsageLimits


def lamp(on: bool) -> str:
    '''Switch the lamp on or off.'''
    return "lamp on" if on else "lamp off"


def run(agent, **options):
    try:
        result = agent.run_sync("Switch the lamp on.", **options)
        events, outcome = result.events, {"output": result.output}
    except AgentsError as e:
        events, outcome = e.trace.events if e.trace else [], {"error": type(e).__name__}
    except Exception as e:  # anything else is a bug the test reports
        return {"escaped": f"{type(e).__name__}: {e}"}
    return {
        **outcome,
        "finish_reasons": [e.response.finish_reason for e in events if isinstance(e, ModelResponded)],
        "calls": [e.call.name for e in events if isinstance(e, ToolCallStarted)],
        "results": [[e.result.status, e.result.content] for e in events if isinstance(e, ToolCallFinished)],
    }


if __name__ == "__main__":  # vLLM starts worker processes
    model = InProcessVLLMModel(
        os.environ["TINY_MODEL"], name="tiny", max_model_len=1024, enable_chunked_prefill=False
    )
    limits = UsageLimits(max_steps=4)
    settings = ModelSettings(temperature=0.0, max_tokens=48)
    agent = Agent(model, tools=[lamp], settings=settings, limits=limits, tool_choice="required")
    cut = ModelSettings(temperature=0.0, max_tokens=3)
    out = {"call": run(agent), "cut": run(agent, settings=cut)}
    print("RESULT " + json.dumps(out))
"""


def _server_home() -> Path:
    return Path(os.environ.get("GEMMA_AGENTS_SERVER_HOME", ROOT / ".vllm"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = _server_home()
    python, model = home / "venv" / "bin" / "python", home / "models" / "tiny-gemma4"
    if not python.exists() or not (model / "config.json").exists():
        pytest.skip(f"no vLLM environment with the tiny model at {home}: run ./scripts/setup-server")
    script = tmp_path_factory.mktemp("inprocess") / "run_inprocess.py"
    script.write_text(SCRIPT)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FRAMEWORK_SITE_PACKAGES": sysconfig.get_paths()["purelib"],
        "TINY_MODEL": str(model),
        "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1"),
    }
    done = subprocess.run(
        [str(python), str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stderr[-6000:])
        pytest.fail(f"the in-process run failed (exit {done.returncode}); its stderr tail is above")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def test_a_required_call_is_read_from_the_text_and_runs(runs: dict[str, Any]) -> None:
    run = runs["call"]
    assert "escaped" not in run, run
    # The grammar forces a valid call; the engine returns it as text and the tool mode reads it.
    assert run["finish_reasons"][0] != "length", run
    assert run["calls"][:1] == ["lamp"], run
    assert run["results"][0] in (["ok", "lamp on"], ["ok", "lamp off"]), run


def test_a_call_cut_by_max_tokens_is_length_and_never_runs(runs: dict[str, Any]) -> None:
    run = runs["cut"]
    assert "escaped" not in run, run
    assert run["finish_reasons"] and set(run["finish_reasons"]) == {"length"}, run
    assert run["calls"] == [], run
    # Cut once: asked for a shorter reply; cut again: ResponseTruncated names max_tokens.
    assert run["finish_reasons"] == ["length", "length"], run
    assert run.get("error") == "ResponseTruncated", run
