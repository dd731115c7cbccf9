"""Loading suites from JSON, YAML and Python, and the registry of names and families."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evals.checks import RequiredCalls, StatePredicate
from evals.runner import EvalConfig, run_eval
from evals.suites import available_suites, load_suite, register_suite, register_suite_family
from evals.tasks import Suite, Task
from tools.errors import ConfigError

TASK = {
    "id": "restock",
    "env": {"name": "shop", "state": {"products": {"M": {"name": "Mug", "price": 1.0, "stock": 0}}}},
    "prompt": "Restock 2 mugs.",
    "gold": [{"name": "restock", "arguments": {"sku": "M", "quantity": 2}}],
    "checks": [
        {"kind": "state_equals", "path": ["products", "M", "stock"], "expected": 2},
        {
            "kind": "required_calls",
            "calls": [{"name": "restock", "args": {"sku": ["M"], "quantity": [2, 2.0]}}],
        },
        {"kind": "state_predicate", "path": ["products"], "fn": "tests.unit.evals.test_suites:one_product"},
    ],
    "tags": ["data"],
}


def one_product(products: dict[str, object]) -> bool:
    return len(products) == 1


async def test_json_suite_runs(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "tasks": [TASK]}))
    suite = load_suite(str(path))
    assert isinstance(suite.tasks[0].checks[1], RequiredCalls)
    assert isinstance(suite.tasks[0].checks[2], StatePredicate)
    summary = await run_eval(suite, EvalConfig(out=tmp_path / "run", oracle=True), progress=io.StringIO())
    assert summary["success_rate"] == 1.0


def test_yaml_list_of_tasks(tmp_path: Path) -> None:
    path = tmp_path / "listed.yaml"
    path.write_text(
        "- id: t1\n  prompt: Say hi.\n  gold_answer: hi\n"
        "  checks:\n    - {kind: output, expected: HI, mode: normalised}\n"
    )
    suite = load_suite(str(path))
    assert suite.name == "listed" and suite.tasks[0].turns[0].user == "Say hi."


def test_python_file_suite(tmp_path: Path) -> None:
    path = tmp_path / "pysuite.py"
    path.write_text(
        "from evals.tasks import Suite, Task\n"
        "SUITE = Suite(name='py', tasks=[Task.single(id='a', prompt='x', checks=[])])\n"
    )
    assert load_suite(str(path)).name == "py"


def test_invalid_data_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{**TASK, "checks": [{"kind": "nope"}]}]))
    with pytest.raises(ConfigError, match=r"invalid at tasks\.0\.checks\.0"):
        load_suite(str(path))
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps([{**TASK, "max_step": 3}]))
    with pytest.raises(ConfigError, match="max_step"):
        load_suite(str(typo))
    with pytest.raises(ConfigError, match="Unknown suite 'nosuch'"):
        load_suite("nosuch")


def test_duplicate_task_ids_rejected() -> None:
    with pytest.raises(ValueError, match="used twice"):
        Suite(name="d", tasks=[Task.single(id="a", prompt="x"), Task.single(id="a", prompt="y")])


def test_registry_names_and_families() -> None:
    register_suite("test:fixed", lambda: Suite(name="fixed", tasks=[Task.single(id="a", prompt="x")]))
    register_suite_family(
        "testfam:",
        lambda rest: Suite(name=f"fam-{rest}", tasks=[Task.single(id=rest, prompt="x")]),
        lambda: ["testfam:one"],
    )
    assert load_suite("test:fixed").name == "fixed"
    assert load_suite("testfam:two").tasks[0].id == "two"
    names = available_suites()
    assert {"multistep", "test:fixed", "testfam:one"} <= set(names)
    with pytest.raises(ConfigError, match="ends with ':'"):
        register_suite_family("nocolon", lambda rest: Suite(name="x", tasks=[]))


def test_select_by_tags_and_limit() -> None:
    suite = load_suite("multistep")
    shop = suite.select(tags=["shop"])
    assert shop.tasks and all("shop" in t.tags for t in shop.tasks)
    assert len(suite.select(limit=3).tasks) == 3


def test_module_name_suite() -> None:
    assert load_suite("evals.suites.multistep").name == "multistep"
    with pytest.raises(ConfigError, match="Cannot import suite module"):
        load_suite("evals.no_such_module")
