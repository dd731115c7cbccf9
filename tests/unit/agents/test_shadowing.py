"""A user's file named like one of our packages is named in the import error, with what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import agents
from agents import _shadow

ROOT = Path(agents.__file__).resolve().parent.parent  # the checkout under test, not an installed copy


def run_script(
    folder: Path, code: str, *args: str, extra_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `code` as folder/main.py (or `python args` when given), as a user would, from `folder`."""
    paths = [str(p) for p in (extra_path, ROOT) if p is not None]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    (folder / "main.py").write_text(code)
    command = [sys.executable, *args] if args else [sys.executable, "main.py"]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_tools_py_next_to_the_script_is_named(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text("WEATHER = 1\n")
    done = run_script(tmp_path, "from agents import Agent\n")
    assert done.returncode != 0
    assert "ShadowedPackageError" in done.stderr
    assert str(tmp_path / "tools.py") in done.stderr
    assert "my_tools.py" in done.stderr
    assert "tools.errors" not in done.stderr  # the old, misleading failure


def test_a_tools_package_of_the_users_is_named(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "__init__.py").write_text("")
    done = run_script(tmp_path, "from agents import Agent\n")
    assert done.returncode != 0
    assert f"folder {tmp_path / 'tools'}" in done.stderr and "my_tools/" in done.stderr


def test_a_tools_module_imported_before_agents_is_named(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text("WEATHER = 1\n")
    done = run_script(tmp_path, "import tools\nfrom agents import Agent\n")
    assert done.returncode != 0
    assert str(tmp_path / "tools.py") in done.stderr


def test_the_error_is_an_import_error(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text("")
    code = "try:\n    import agents\nexcept ImportError as e:\n    print(type(e).__name__, e.name)\n"
    done = run_script(tmp_path, code)
    assert done.stdout.split() == ["ShadowedPackageError", "tools"]


def test_without_the_file_the_import_works(tmp_path: Path) -> None:
    (tmp_path / "my_tools.py").write_text("WEATHER = 1\n")
    code = "import my_tools\nfrom agents import Agent, tool\nprint('ok', my_tools.WEATHER)\n"
    done = run_script(tmp_path, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", "1"]


def test_an_evals_py_is_named_by_the_cli(tmp_path: Path) -> None:
    (tmp_path / "evals.py").write_text("")
    done = run_script(tmp_path, "", "-m", "agents.cli", "--help")
    assert done.returncode != 0
    assert str(tmp_path / "evals.py") in done.stderr and "my_evals.py" in done.stderr


def test_evals_names_what_hides_agents_and_the_sdk_clash(tmp_path: Path) -> None:
    other = tmp_path / "site"
    (other / "agents").mkdir(parents=True)
    (other / "agents" / "__init__.py").write_text("class Agent: ...\n")  # like another `agents`
    done = run_script(tmp_path, "import evals\n", extra_path=other)
    assert done.returncode != 0
    assert str(other / "agents") in done.stderr
    assert "OpenAI Agents SDK" in done.stderr


def test_our_own_packages_pass() -> None:
    for name in ("agents", "tools", "evals"):
        _shadow.check(name)


def test_a_package_that_cannot_be_looked_into_is_not_accused(tmp_path: Path) -> None:
    spec = _shadow.importlib.machinery.ModuleSpec("tools", None, origin=str(tmp_path / "x.zip" / "tools"))
    spec.submodule_search_locations = [str(tmp_path / "x.zip" / "tools")]
    assert _shadow.is_ours("tools", spec)
    plain = _shadow.importlib.machinery.ModuleSpec("tools", None, origin=str(tmp_path / "tools.py"))
    (tmp_path / "tools.py").write_text("")
    plain.has_location = True
    assert not _shadow.is_ours("tools", plain)


@pytest.mark.parametrize("name", ["agents", "tools", "evals"])
def test_markers_exist_in_our_packages(name: str) -> None:
    # The marker files tell our packages from namesakes: renaming one must fail here first.
    assert (ROOT / name / _shadow.MARKERS[name]).is_file()
