"""The runner: resuming, timeouts, server failures, endpoint choice, turns, raw declarations."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from agents.errors import (
    ContextLengthExceeded,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeout,
    ModelUnreachable,
)
from agents.models.base import Model, ModelRequest, ModelResponse
from agents.testing import FunctionModel, ScriptedModel, call
from evals.checks import NoCall, OutputMatches, RequiredCalls, StateEquals
from evals.envs import register_env
from evals.matching import CallPattern
from evals.oracle import oracle_model
from evals.pool import EndpointPool
from evals.runner import EvalConfig, run_eval
from evals.store import RUN, TRIALS, read_trials
from evals.tasks import EnvSpec, GoldCall, Suite, Task, Turn
from evals.trial import is_infra_error
from tools.errors import ConfigError


def shop_task(task_id: str, qty: int) -> Task:
    return Task.single(
        id=task_id,
        env=EnvSpec(name="shop", state={"products": {"M": {"name": "Mug", "price": 1.0, "stock": 0}}}),
        prompt=f"Restock {qty} mugs.",
        gold=[
            GoldCall(name="search_products", arguments={"query": "mug"}),
            GoldCall(name="restock", arguments={"sku": "M", "quantity": qty}),
        ],
        checks=[StateEquals(path=["products", "M", "stock"], expected=qty)],
        tags=["shop"],
    )


SUITE = Suite(name="mini", tasks=[shop_task("a", 2), shop_task("b", 3)])


async def test_resume_skips_finished_trials(tmp_path: Path) -> None:
    first = await run_eval(SUITE, EvalConfig(out=tmp_path, k=1, oracle=True), progress=io.StringIO())
    assert first["trials_run_now"] == 2
    # A torn last line (a killed run) is ignored; the trial it held is simply run again.
    with (tmp_path / TRIALS).open("a") as f:
        f.write('{"task_id": "a", "tri')
    second = await run_eval(SUITE, EvalConfig(out=tmp_path, k=3, oracle=True), progress=io.StringIO())
    assert second["trials_run_now"] == 4 and second["trials"] == 6 and second["success_rate"] == 1.0
    third = await run_eval(SUITE, EvalConfig(out=tmp_path, k=3, oracle=True), progress=io.StringIO())
    assert third["trials_run_now"] == 0 and third["trials"] == 6
    assert sorted(r.key for r in read_trials(tmp_path)) == [(t, i) for t in "ab" for i in range(3)]


async def test_refuses_to_mix_runs(tmp_path: Path) -> None:
    await run_eval(SUITE, EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO())
    with pytest.raises(ConfigError, match="Use a new --out") as caught:
        await run_eval(SUITE, EvalConfig(out=tmp_path, model_name="other"), models=[ScriptedModel([])])
    # One clear sentence that names what differs, not "model='gemma3-270m', not None".
    assert "model_name was unset, is now 'other'" in str(caught.value)
    assert "oracle was True, is now False" in str(caught.value)


def _answers(request: ModelRequest) -> str:
    return "ok"


def _with_check(task: Task, expected: int) -> Task:
    return task.model_copy(
        update={"checks": [StateEquals(path=["products", "M", "stock"], expected=expected)]}
    )


@pytest.mark.parametrize(
    ("change", "differs"),
    [
        ({"temperature": 0.7}, "temperature was unset, is now 0.7"),
        ({"tool_mode": "json"}, "tool_mode was unset, is now 'json'"),
        ({"max_tokens": 64}, "max_tokens was 512, is now 64"),
        ({"seed": 7}, "seed was 0, is now 7"),
        ({"suite": Suite(name="mini", tasks=[_with_check(shop_task("a", 2), 5), shop_task("b", 3)])}, "'a'"),
        ({"suite": SUITE.model_copy(update={"instructions": "Be brief."})}, "2 task(s) changed"),
    ],
)
async def test_resume_refuses_another_experiment(
    tmp_path: Path, change: dict[str, Any], differs: str
) -> None:
    model = FunctionModel(_answers, name="m")
    await run_eval(SUITE, EvalConfig(out=tmp_path, model_name="m"), models=[model], progress=io.StringIO())
    settings = {k: v for k, v in change.items() if k != "suite"}
    suite = change.get("suite", SUITE)
    config = EvalConfig(out=tmp_path, model_name="m", **settings)
    with pytest.raises(ConfigError) as caught:
        await run_eval(suite, config, models=[model], progress=io.StringIO())
    message = str(caught.value)
    assert differs in message and "Use a new --out directory" in message and "\n" not in message
    assert len(read_trials(tmp_path)) == 2  # nothing was run or merged


async def test_resume_may_add_trials_and_tasks(tmp_path: Path) -> None:
    model = FunctionModel(_answers, name="m")
    first = Suite(name="mini", tasks=[shop_task("a", 2)])
    await run_eval(first, EvalConfig(out=tmp_path, model_name="m"), models=[model], progress=io.StringIO())
    # More trials, another task, another concurrency: the same experiment, resumed.
    config = EvalConfig(out=tmp_path, model_name="m", k=2, concurrency=1)
    summary = await run_eval(SUITE, config, models=[model], progress=io.StringIO())
    assert summary["trials_run_now"] == 3 and summary["trials"] == 4
    # Back to the first task alone: its trials were not changed by the run in between.
    again = await run_eval(first, EvalConfig(out=tmp_path, model_name="m", k=2), models=[model])
    assert again["trials_run_now"] == 0 and again["trials"] == 2


async def test_server_failures_are_retried_on_resume(tmp_path: Path) -> None:
    def down(request: ModelRequest) -> ModelResponse:
        raise ModelHTTPError("http://x/v1", 503, "overloaded")

    config = EvalConfig(out=tmp_path, model_name="m")
    summary = await run_eval(SUITE, config, models=[FunctionModel(down, name="m")], progress=io.StringIO())
    # Not the model's failure: outside the denominators, reported apart.
    assert summary["infra_errors"] == 2 and summary["infra_error_types"] == {"ModelHTTPError": 2}
    assert summary["trials"] == 0 and summary["success_rate"] is None and summary["errors"] == {}
    assert "2 trials (ModelHTTPError: 2)" in (tmp_path / "report.md").read_text()
    again = await run_eval(
        SUITE, config, models=[FunctionModel(lambda r: "fine", name="m")], progress=io.StringIO()
    )
    assert again["trials_run_now"] == 2 and again["infra_errors"] == 0


async def test_infra_errors_stay_out_of_the_success_rate(tmp_path: Path) -> None:
    def flaky(request: ModelRequest) -> ModelResponse:
        if "3 mugs" in str(request.messages[-1].content):
            raise ModelUnreachable("http://x/v1", 4, ConnectionError("refused"))
        return (
            ModelResponse(tool_calls=[call("restock", sku="M", quantity=2)], finish_reason="tool_calls")
            if request.messages[-1].role == "user"
            else ModelResponse(text="Done.")
        )

    config = EvalConfig(out=tmp_path, model_name="m")
    summary = await run_eval(SUITE, config, models=[FunctionModel(flaky, name="m")], progress=io.StringIO())
    # Task a passed; task b never reached the model: 1 of 1 scored trials, not 1 of 2.
    assert summary["success_rate"] == 1.0 and summary["trials"] == 1 and summary["infra_errors"] == 1
    assert summary["pass_at_k"] == {"1": 1.0} and summary["tasks"] == 1


@pytest.mark.parametrize(
    ("error", "infra"),
    [
        (ModelHTTPError("http://x/v1", 503, "overloaded", attempts=4), True),
        (ModelHTTPError("http://x/v1", 429, "slow down", attempts=4), True),
        (ModelUnreachable("http://x/v1", 4, ConnectionError("refused")), True),
        (ModelTimeout("http://x/v1", 300.0, 1), True),
        (ModelResponseError("the stream ended without [DONE]"), True),
        (ModelHTTPError("http://x/v1", 400, "bad request"), False),
        (ContextLengthExceeded("http://x/v1", 400, "maximum context length is 4096 tokens"), False),
    ],
)
def test_which_model_errors_are_infrastructure(error: Exception, infra: bool) -> None:
    assert is_infra_error(error) is infra


async def test_context_length_is_the_models_failure(tmp_path: Path) -> None:
    def too_long(request: ModelRequest) -> ModelResponse:
        raise ContextLengthExceeded("http://x/v1", 400, "maximum context length is 4096 tokens")

    config = EvalConfig(out=tmp_path, model_name="m")
    model = FunctionModel(too_long, name="m")
    summary = await run_eval(SUITE, config, models=[model], progress=io.StringIO())
    assert summary["trials"] == 2 and summary["success_rate"] == 0.0 and summary["infra_errors"] == 0
    assert summary["errors"] == {"ContextLengthExceeded": 2}
    # Deterministic: a resume does not run the same failure again.
    again = await run_eval(SUITE, config, models=[model], progress=io.StringIO())
    assert again["trials_run_now"] == 0 and len(model.requests) == 2


async def test_one_crashing_trial_does_not_stop_the_eval(tmp_path: Path) -> None:
    suite = Suite(name="six", tasks=[shop_task(f"t{i}", 2) for i in range(6)])

    def crash(request: ModelRequest) -> ModelResponse:
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON array")

    def model(task: Task, trial: int) -> Model:
        return FunctionModel(crash, name="m") if task.id == "t3" else oracle_model(task)

    summary = await run_eval(
        suite, EvalConfig(out=tmp_path, k=1), model_factory=model, progress=io.StringIO()
    )
    assert summary["trials"] == 6 and summary["passed"] == 5 and summary["errors"] == {"RecursionError": 1}
    crashed = next(r for r in read_trials(tmp_path) if r.task_id == "t3")
    assert not crashed.passed and not crashed.infra_error and crashed.error_type == "RecursionError"
    assert "maximum recursion depth" in (crashed.error or "")
    assert (tmp_path / "summary.json").exists() and (tmp_path / "report.md").exists()
    assert (tmp_path / "report.html").exists()


async def test_environment_crash_fails_only_its_trial(tmp_path: Path) -> None:
    def broken(state: dict[str, Any]) -> object:
        raise RuntimeError("disk on fire")

    register_env("test-broken", broken)
    task = Task.single(id="x", env=EnvSpec(name="test-broken"), prompt="hi")
    suite = Suite(name="s", tasks=[task, shop_task("a", 2)])
    summary = await run_eval(suite, EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO())
    assert summary["passed"] == 1 and summary["errors"] == {"RuntimeError": 1}


async def test_config_error_in_a_trial_stops_the_run_with_that_error(tmp_path: Path) -> None:
    bad = Task.single(id="z", env=EnvSpec(name="no-such-env"), prompt="hi")
    suite = Suite(name="s", tasks=[shop_task("a", 2), bad])
    config = EvalConfig(out=tmp_path, oracle=True, concurrency=1)
    # The error itself, not an ExceptionGroup: the CLI prints it as one line.
    with pytest.raises(ConfigError, match="Unknown environment 'no-such-env'"):
        await run_eval(suite, config, progress=io.StringIO())
    assert [r.task_id for r in read_trials(tmp_path)] == ["a"]


async def test_cancelled_run_keeps_its_written_trials(tmp_path: Path) -> None:
    started = asyncio.Event()

    async def answer(request: ModelRequest) -> str:
        if "3 mugs" in str(request.messages[-1].content):
            started.set()
            await asyncio.sleep(3600)
        return "ok"

    config = EvalConfig(out=tmp_path, model_name="m", concurrency=1)
    run = asyncio.create_task(
        run_eval(SUITE, config, models=[FunctionModel(answer, name="m")], progress=io.StringIO())
    )
    await started.wait()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert [r.task_id for r in read_trials(tmp_path)] == ["a"]
    assert not (tmp_path / "summary.json").exists()


async def test_trial_timeout_fails_the_trial(tmp_path: Path) -> None:
    async def slow(request: ModelRequest) -> str:
        await asyncio.sleep(5)
        return "late"

    suite = Suite(name="slow", tasks=[shop_task("a", 1).model_copy(update={"timeout_s": 0.05})])
    summary = await run_eval(
        suite,
        EvalConfig(out=tmp_path, model_name="m"),
        models=[FunctionModel(slow, name="m")],
        progress=io.StringIO(),
    )
    record = read_trials(tmp_path)[0]
    assert summary["passed"] == 0 and record.error_type == "TimeoutError" and "0.05 s" in (record.error or "")


async def test_step_limit_keeps_partial_trace(tmp_path: Path) -> None:
    def loop(request: ModelRequest) -> ModelResponse:
        return ModelResponse(tool_calls=[call("search_products", query="mug")], finish_reason="tool_calls")

    suite = Suite(name="loop", tasks=[shop_task("a", 1).model_copy(update={"max_steps": 3})])
    await run_eval(
        suite,
        EvalConfig(out=tmp_path, model_name="m"),
        models=[FunctionModel(loop, name="m")],
        progress=io.StringIO(),
    )
    record = read_trials(tmp_path)[0]
    assert not record.passed and record.error_type == "UsageLimitExceeded"
    assert record.tool_calls == 3 and record.steps == 3 and record.turns[0].messages


async def test_seeds_and_settings_reach_the_model(tmp_path: Path) -> None:
    seen: list[Any] = []

    def record(request: ModelRequest) -> str:
        seen.append(request.settings.seed)
        return "ok"

    config = EvalConfig(out=tmp_path, k=2, seed=40, model_name="m", concurrency=1)
    await run_eval(
        Suite(name="s", tasks=[shop_task("a", 1)]),
        config,
        models=[FunctionModel(record, name="m")],
        progress=io.StringIO(),
    )
    assert sorted(seen) == [40, 41]


async def test_pool_spreads_trials_over_endpoints(tmp_path: Path) -> None:
    busy = {"a": 0, "b": 0}
    served = {"a": 0, "b": 0}
    peak = {"a": 0, "b": 0}

    def endpoint(label: str) -> FunctionModel:
        async def answer(request: ModelRequest) -> str:
            busy[label] += 1
            served[label] += 1
            peak[label] = max(peak[label], busy[label])
            await asyncio.sleep(0.01)
            busy[label] -= 1
            return "ok"

        return FunctionModel(answer, name="m")

    suite = Suite(name="s", tasks=[shop_task(f"t{i}", 1) for i in range(8)])
    config = EvalConfig(out=tmp_path, model_name="m", base_urls=[], concurrency=4)
    await run_eval(suite, config, models=[endpoint("a"), endpoint("b")], progress=io.StringIO())
    # Four trials in flight over two endpoints: never more than two on one of them.
    assert peak == {"a": 2, "b": 2} and served["a"] + served["b"] == 8


def test_pool_picks_fewest_outstanding() -> None:
    pool = EndpointPool([ScriptedModel([]), ScriptedModel([])], labels=["x", "y"])
    pool.endpoints[0].outstanding = 2
    with pool.lease() as first:
        assert first.endpoint.label == "y"
        with pool.lease() as second:  # y has a trial now, x has two requests in flight
            assert second.endpoint.label == "y"
    with pytest.raises(ConfigError, match="at least one"):
        EndpointPool([])


async def test_turn_checks_see_their_own_turn(tmp_path: Path) -> None:
    task = Task(
        id="two-turns",
        env=EnvSpec(name="files"),
        turns=[
            Turn(
                user="make a",
                gold=[GoldCall(name="write_file", arguments={"path": "/a", "content": "1"})],
                checks=[
                    StateEquals(path=["files"], expected={"/a": "1"}),
                    RequiredCalls(calls=[CallPattern(name="write_file", allow_extra=True)]),
                ],
            ),
            Turn(
                user="read it",
                gold=[GoldCall(name="read_file", arguments={"path": "/a"})],
                gold_answer="It says 1.",
                # Only this turn's calls: write_file belongs to the first turn.
                checks=[
                    RequiredCalls(calls=[CallPattern(name="read_file", args={"path": ["/a"]})], exact=True),
                    OutputMatches(expected="1", mode="contains"),
                ],
            ),
        ],
        checks=[
            RequiredCalls(
                calls=[
                    CallPattern(name="write_file", allow_extra=True),
                    CallPattern(name="read_file", allow_extra=True),
                ],
                ordered=True,
                exact=True,
            )
        ],
    )
    summary = await run_eval(
        Suite(name="t", tasks=[task]), EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO()
    )
    record = read_trials(tmp_path)[0]
    assert summary["success_rate"] == 1.0, record.verdicts
    assert [v.turn for v in record.verdicts] == [0, 0, 1, 1, None]
    assert len(record.turns) == 2 and record.turns[1].output == "It says 1."


async def test_raw_declarations_and_no_call(tmp_path: Path) -> None:
    spec = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    relevant = Task.single(
        id="weather",
        tools=[spec],
        prompt="Weather in Oslo?",
        gold=[GoldCall(name="get_weather", arguments={"city": "Oslo"})],
        checks=[
            RequiredCalls(
                calls=[CallPattern(name="get_weather", args={"city": ["Oslo", "oslo"]})], exact=True
            )
        ],
    )
    irrelevant = Task.single(
        id="poem", tools=[spec], prompt="Write a poem.", gold_answer="Roses.", checks=[NoCall()]
    )
    suite = Suite(name="raw", tasks=[relevant, irrelevant])
    summary = await run_eval(suite, EvalConfig(out=tmp_path / "o", oracle=True), progress=io.StringIO())
    assert summary["success_rate"] == 1.0
    weather = next(r for r in read_trials(tmp_path / "o") if r.task_id == "weather")
    assert weather.turns[0].calls[0].result == "The call was received."

    def always_call(request: ModelRequest) -> ModelResponse | str:
        if any(m.role == "tool" for m in request.messages):
            return "done"
        return ModelResponse(tool_calls=[call("get_weather", city="Paris")], finish_reason="tool_calls")

    summary = await run_eval(
        suite,
        EvalConfig(out=tmp_path / "m", model_name="m"),
        models=[FunctionModel(always_call, name="m")],
        progress=io.StringIO(),
    )
    assert summary["passed"] == 0


async def test_progress_reports_success_rate(tmp_path: Path) -> None:
    sink = io.StringIO()
    await run_eval(SUITE, EvalConfig(out=tmp_path, oracle=True), progress=sink)
    assert "2/2 trials, 2 passed (100.0%)" in sink.getvalue()


def test_config_validation(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        EvalConfig(out=tmp_path, k=0)
    with pytest.raises(ConfigError, match="needs models"):
        asyncio.run(run_eval(SUITE, EvalConfig(out=tmp_path)))


async def test_single_response_task_scores_the_first_response(tmp_path: Path) -> None:
    spec = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
    task = Task.single(
        id="w",
        tools=[spec],
        prompt="Weather in Oslo?",
        checks=[RequiredCalls(calls=[CallPattern(name="get_weather", args={"city": ["Oslo"]})], exact=True)],
    ).model_copy(update={"single_response": True, "max_steps": 1})
    # A model that would keep calling forever: only its first response may count.
    model = FunctionModel(
        lambda r: ModelResponse(tool_calls=[call("get_weather", city="Oslo")], finish_reason="tool_calls"),
        name="m",
    )
    summary = await run_eval(
        Suite(name="s", tasks=[task]),
        EvalConfig(out=tmp_path, model_name="m"),
        models=[model],
        progress=io.StringIO(),
    )
    record = read_trials(tmp_path)[0]
    assert summary["passed"] == 1
    assert record.error is None and record.steps == 1 and record.tool_calls == 1
    assert len(model.requests) == 1


async def test_resume_refuses_a_run_without_fingerprint(tmp_path: Path) -> None:
    await run_eval(SUITE, EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO())
    run = json.loads((tmp_path / RUN).read_text())
    del run["fingerprint"]  # as an older version of the harness wrote it
    (tmp_path / RUN).write_text(json.dumps(run))
    with pytest.raises(ConfigError, match="older version of the harness"):
        await run_eval(SUITE, EvalConfig(out=tmp_path, oracle=True), progress=io.StringIO())


async def test_answers_with_unicode_line_separators_are_read_back(tmp_path: Path) -> None:
    # JSON does not escape U+2028 or U+0085; reading trials.jsonl by str.splitlines() cut such
    # a record in two, lost the trial and ran it again on every resume (found by Hypothesis).
    config = EvalConfig(out=tmp_path, model_name="m")
    model = FunctionModel(lambda r: "one\u2028two\x85three", name="m")
    summary = await run_eval(SUITE, config, models=[model], progress=io.StringIO())
    assert summary["trials"] == 2 and len(read_trials(tmp_path)) == 2
    assert read_trials(tmp_path)[0].turns[0].output == "one\u2028two\x85three"
    again = await run_eval(SUITE, config, models=[model], progress=io.StringIO())
    assert again["trials_run_now"] == 0
