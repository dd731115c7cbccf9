"""The BFCL backends as an environment: execution, results, tools and snapshots."""

from __future__ import annotations

import json

from evals.bfcl.backends import ERROR_PREFIX, BfclEnvironment, stringify
from tools import RunContext, ToolCall

FILES = {
    "GorillaFileSystem": {
        "root": {"alex": {"type": "directory", "contents": {"a.txt": {"type": "file", "content": "hello"}}}}
    }
}


def make() -> BfclEnvironment:
    return BfclEnvironment.from_state(
        {"involved_classes": ["GorillaFileSystem", "MathAPI"], "initial_config": FILES}
    )


def test_calls_run_on_the_instances_and_results_are_logged_as_bfcl_records_them() -> None:
    env = make()
    assert json.loads(env.execute("ls", {})) == {"current_directory_content": ["a.txt"]}
    assert "hello" in env.execute("cat", {"file_name": "a.txt"})
    assert env.execute("cd", {"nope": 1}).startswith(
        ERROR_PREFIX + "GorillaFileSystem.cd() got an unexpected"
    )
    assert env.execute("fly", {}) == ERROR_PREFIX + "name 'fly' is not defined"
    assert len(env.results) == 4 and env.calls[0] == ("ls", {})


def test_a_fresh_environment_per_trial_does_not_share_state() -> None:
    first, second = make(), make()
    first.execute("touch", {"file_name": "b.txt"})
    assert "b.txt" in first.execute("ls", {}) and "b.txt" not in second.execute("ls", {})


def test_stringify() -> None:
    assert stringify("x") == "x"
    assert stringify({"a": 1}) == '{"a": 1}'
    assert stringify([1]) == "[1]" and stringify(None) == "None"


async def test_tools_show_the_schema_but_pass_any_arguments_through_in_order() -> None:
    env = make()
    toolset = env._toolset()
    assert toolset.max_concurrency == 1
    spec = next(s for s in toolset.specs() if s["function"]["name"] == "mkdir")
    assert spec["function"]["parameters"]["properties"]["dir_name"]["type"] == "string"
    calls = [
        ToolCall("1", "mkdir", {"dir_name": "new"}),
        ToolCall("2", "cd", {"folder": "new"}),
        ToolCall("3", "touch", {"file_name": 5}),  # wrong type: executed anyway, as in BFCL
    ]
    results = await toolset.run_calls(calls, RunContext(deps=None))
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert env.calls == [
        ("mkdir", {"dir_name": "new"}),
        ("cd", {"folder": "new"}),
        ("touch", {"file_name": 5}),
    ]


def test_the_snapshot_is_json() -> None:
    env = make()
    env.execute("touch", {"file_name": "b.txt"})
    snapshot = env._snapshot()
    json.dumps(snapshot)
    assert (
        set(snapshot) == {"GorillaFileSystem", "MathAPI"} and "b.txt" in snapshot["GorillaFileSystem"]["root"]
    )
