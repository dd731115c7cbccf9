"""Loading suites from JSON, YAML and Python, and the registry of names and families."""

from __future__ import annotations

import io
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.checks import RequiredCalls, StatePredicate
from evals.envs import make_env
from evals.runner import EvalConfig, run_eval
from evals.suites import (
    SuiteInfo,
    available_suites,
    describe_suite,
    load_suite,
    register_suite,
    register_suite_family,
)
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


SUITE_FILE = """\
from __future__ import annotations

from dataclasses import dataclass, field

from evals.checks import StateEquals
from evals.envs import register_env
from evals.tasks import EnvSpec, GoldCall, Suite, Task
from {helper} import AMOUNT


@dataclass
class Counter:
    count: int = 0
    history: list[int] = field(default_factory=list)

    def add(self, n: int) -> int:
        \"\"\"Add n to the count.\"\"\"
        self.count += n
        self.history.append(n)
        return self.count


register_env("test-counter", lambda state: Counter(**state))
SUITE = Suite(
    name="counted",
    tasks=[
        Task.single(
            id="c",
            env=EnvSpec(name="test-counter"),
            prompt="Add the amount.",
            gold=[GoldCall(name="add", arguments={{"n": AMOUNT}})],
            checks=[StateEquals(path=["count"], expected=AMOUNT)],
        )
    ],
)
"""


async def test_python_file_suite_is_a_real_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A dataclass environment under `from __future__ import annotations`, and an import of a
    # file next to the suite: both failed when the file was executed as an anonymous module.
    monkeypatch.setattr(sys, "path", list(sys.path))
    helper = f"suite_helper_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{helper}.py").write_text("AMOUNT = 3\n")
    path = tmp_path / "counted.py"
    path.write_text(SUITE_FILE.format(helper=helper))
    try:
        suite = load_suite(str(path))
        summary = await run_eval(suite, EvalConfig(out=tmp_path / "run", oracle=True), progress=io.StringIO())
        assert summary["success_rate"] == 1.0
        module = sys.modules[type(make_env(suite.tasks[0].env)[0]).__module__]  # type: ignore[arg-type]
        assert module.__file__ == str(path.resolve())
        assert sys.path[-1] == str(tmp_path)  # at the end: the folder never shadows the framework
    finally:
        sys.modules.pop(helper, None)


def test_python_file_suite_with_a_missing_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    path = tmp_path / "broken_suite.py"
    path.write_text("import no_such_module_for_this_suite\n")
    with pytest.raises(ConfigError, match=r"broken_suite\.py failed to import"):
        load_suite(str(path))


PLUGIN_LOADER = """\
from evals.tasks import Suite, Task


def build():
    '''Two tasks from a plugin.'''
    return Suite(
        name="plugged",
        description="A suite from another package.",
        tasks=[Task.single(id="p1", prompt="x"), Task.single(id="p2", prompt="y")],
    )
"""

PLUGIN_MODULE = """\
from evals.suites import register_suite
from evals.tasks import Suite, Task

register_suite(
    "plugin:registered",
    lambda: Suite(name="plugin:registered", tasks=[Task.single(id="r", prompt="x")]),
    description="Registered by a plugin module.",
    tasks=1,
)
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An installed distribution whose entry points add suites (a loader, a module, a broken one)."""
    import evals.suites as registry

    tag = uuid.uuid4().hex[:8]
    (tmp_path / f"plugin_loader_{tag}.py").write_text(PLUGIN_LOADER)
    (tmp_path / f"plugin_module_{tag}.py").write_text(PLUGIN_MODULE)
    info = tmp_path / f"test_plugin_{tag}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: test-plugin-{tag}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{registry.ENTRY_POINT_GROUP}]\n"
        f"plugged = plugin_loader_{tag}:build\n"
        f"more = plugin_module_{tag}\n"
        f"broken = no_such_plugin_module_{tag}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_SUITES", dict(registry._SUITES))
    monkeypatch.setattr(registry, "_loaded", False)
    yield tag
    for name in (f"plugin_loader_{tag}", f"plugin_module_{tag}"):
        sys.modules.pop(name, None)


def test_suites_from_other_packages_register_by_entry_point(plugin: str) -> None:
    with pytest.warns(UserWarning, match="Suite plugin 'broken'"):
        names = available_suites()
    assert {"plugged", "plugin:registered", "multistep"} <= set(names)
    # The loader's module is imported only when its suite is used.
    assert f"plugin_loader_{plugin}" not in sys.modules
    assert [t.id for t in load_suite("plugged").tasks] == ["p1", "p2"]
    assert describe_suite("plugged") == SuiteInfo("plugged", "A suite from another package.", 2)
    assert describe_suite("plugin:registered").description == "Registered by a plugin module."


def test_describe_suites_without_building_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import evals.suites as registry

    monkeypatch.setattr(registry, "_SUITES", dict(registry._SUITES))
    info = describe_suite("multistep")
    assert info.tasks == len(load_suite("multistep").tasks) and info.description.startswith("Our multi-step")
    register_suite("test:lazy", lambda: Suite(name="x", tasks=[Task.single(id="a", prompt="x")]))
    assert describe_suite("test:lazy") == SuiteInfo("test:lazy", "", 1)

    def broken() -> Suite:
        raise ConfigError("This suite needs a package that is not installed. Install it.")

    def buggy() -> Suite:
        raise ZeroDivisionError("division by zero")

    register_suite("test:broken", broken)
    register_suite("test:buggy", buggy)
    got = describe_suite("test:broken")
    assert got.tasks is None and got.problem == "This suite needs a package that is not installed."
    assert describe_suite("test:buggy").problem == "ZeroDivisionError: division by zero"
    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    register_suite_family("testunlisted:", lambda rest: Suite(name=rest, tasks=[]))
    assert describe_suite("testunlisted:*").tasks is None


def test_bfcl_task_counts_come_from_the_data_without_loading_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("bfcl_eval")
    from evals.bfcl import data

    def refuse(category: str) -> None:
        raise AssertionError("listing the suites must not parse BFCL's data")

    for category in data.CATEGORIES:
        expected = len(data.load_category(category))
        with monkeypatch.context() as m:
            m.setattr(data, "_load", refuse)
            info = describe_suite(f"bfcl:{category}")
        assert info.tasks == expected and info.description.startswith(f"BFCL v4 {category}: ")
