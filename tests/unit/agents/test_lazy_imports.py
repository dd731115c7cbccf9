"""What a fresh import loads (issue 12): an agent-ready import pays only for what an agent runs.

The packages' `__init__`s import their public names on first use (PEP 562), and the plan,
the durable journal and the stores are imported only by the code that uses them. Each check
runs in a fresh interpreter and names modules, never times.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Never needed by an agent of function tools, without a store, planner, MCP server or tracer.
NOT_FOR_A_PLAIN_AGENT = [
    "agents.plan.models",
    "agents.plan.executor",
    "agents.plan.planner",
    "agents.plan.schema",
    "agents.plan.stream",
    "agents.plan._strategy",
    "agents._journal",
    "agents._resume",
    "agents.memory",
    "agents.mcp",
    "agents.testing",
    "agents.cli",
    "evals",
    "sqlalchemy",
    "alembic",
    "jsonschema",
    "opentelemetry",
    "yaml",
]


def loaded(code: str, watched: list[str]) -> list[str]:
    """Run `code` in a fresh interpreter; which of `watched` (modules or their submodules) it loaded."""
    script = (
        f"import sys\n{code}\n"
        f"watched = {watched!r}\n"
        "print([w for w in watched if any(m == w or m.startswith(w + '.') for m in sys.modules)])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    found: list[str] = eval(done.stdout.strip().splitlines()[-1])
    return found


def test_an_agent_ready_import_loads_no_plan_journal_store_or_schema_checker() -> None:
    code = (
        "from agents import Agent, OpenAIChatModel\n"
        "def add(a: int, b: int) -> int:\n"
        "    '''Add two integers.'''\n"
        "    return a + b\n"
        "agent = Agent(OpenAIChatModel('gemma-4-bench', base_url='http://127.0.0.1:9/v1'), tools=[add])\n"
        "assert agent.toolset.specs()[0]['function']['name'] == 'add'\n"
    )
    assert loaded(code, NOT_FOR_A_PLAIN_AGENT) == []


def test_a_scripted_run_loads_no_plan_journal_store_or_http_client() -> None:
    code = (
        "import asyncio\n"
        "from agents import Agent\n"
        "from agents.testing import ScriptedModel, call\n"
        "def add(a: int, b: int) -> int:\n"
        "    '''Add two integers.'''\n"
        "    return a + b\n"
        "agent = Agent(ScriptedModel([call('add', a=1, b=2), 'three']), tools=[add])\n"
        "assert asyncio.run(agent.run('1 + 2?')).output == 'three'\n"
    )
    watched = [m for m in NOT_FOR_A_PLAIN_AGENT if m != "agents.testing"] + ["httpx", "agents.models._retry"]
    assert loaded(code, watched) == []


def test_the_errors_load_without_pydantic_or_the_agent() -> None:
    # `except agents.errors.ModelError` in an application costs no pydantic models.
    watched = ["pydantic", "httpx", "agents.agent", "agents.messages", "tools._tool"]
    assert loaded("import agents.errors, tools.errors", watched) == []


def test_a_planner_still_loads_the_plan_when_it_is_used() -> None:
    code = "from agents.plan import Planner\nPlanner()\n"
    assert loaded(code, ["agents.plan.planner", "agents.plan.models"]) == ["agents.plan.planner"]
    assert loaded("from agents.plan import Step", ["agents.plan.models"]) == ["agents.plan.models"]


def test_a_gemma_4_reply_is_split_without_the_grammar() -> None:
    # What a Gemma 4 profile does to every reply in server mode: split its thoughts off.
    code = (
        "from agents.models.profiles import GEMMA4\n"
        "assert GEMMA4.thought_splitter is not None\n"
        "print(GEMMA4.thought_splitter('<|channel>thought\\nhm<channel|>Five.'))\n"
    )
    watched = ["agents.gemma4.parse", "agents.gemma4.grammar", "agents.gemma4._schema_rules"]
    assert loaded(code, watched) == ["agents.gemma4.parse"]


@pytest.mark.parametrize("package", ["agents", "tools", "agents.models", "agents.plan", "agents.gemma4"])
def test_every_lazy_public_name_resolves_to_its_home_and_is_listed(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, name
        assert name in dir(module), name
    with pytest.raises(AttributeError, match="has no attribute 'Nonexistent'"):
        module.Nonexistent  # noqa: B018


def test_a_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from agents import *", namespace)
    import agents

    assert {n for n in namespace if not n.startswith("__")} == set(agents.__all__)
