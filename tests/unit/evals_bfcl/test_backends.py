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


def _names(env: BfclEnvironment) -> list[str]:
    return [s["function"]["name"] for s in env._toolset().specs()]


def test_withheld_functions_are_declared_from_their_turn_on_and_run_if_called_before() -> None:
    env = BfclEnvironment.from_state(
        {
            "involved_classes": ["GorillaFileSystem"],
            "initial_config": FILES,
            "missed_functions": {"2": ["sort", "cat"]},
        }
    )
    toolset = env._toolset()
    declared = [s["function"]["name"] for s in toolset.specs()]
    assert "sort" not in declared and "cat" not in declared and "ls" in declared
    assert "hello" in env.execute("cat", {"file_name": "a.txt"})  # BFCL runs it all the same
    env._begin_turn(1)
    assert "sort" not in [s["function"]["name"] for s in toolset.specs()]
    env._begin_turn(2)
    revealed = [s["function"]["name"] for s in toolset.specs()]
    assert revealed[-2:] == ["sort", "cat"]  # appended after the others, in BFCL's order
    assert sorted(revealed) == sorted(_names(make_plain()))


def make_plain() -> BfclEnvironment:
    return BfclEnvironment.from_state({"involved_classes": ["GorillaFileSystem"], "initial_config": FILES})


def test_long_context_loads_the_padded_backends() -> None:
    state = {"involved_classes": ["GorillaFileSystem"], "initial_config": FILES}
    short = BfclEnvironment.from_state(state)
    long = BfclEnvironment.from_state({**state, "long_context": True})
    assert len(long.execute("ls", {})) > len(short.execute("ls", {}))
