"""Property: whatever a trial's model, tools or checks raise, `run_eval` finishes and writes it all.

The model and the tools raise exceptions of any type at random points (or answer, or call);
the run must end with one record per trial in `trials.jsonl`, a `summary.json` whose counts
add up, and both reports. Only a `ConfigError` (a broken suite) or an interrupt stops a run,
and neither is drawn here (see test_runner.py for those).
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.errors import (
    AgentsError,
    ContextLengthExceeded,
    ModelHTTPError,
    ModelResponseError,
    ModelTimeout,
    ModelUnreachable,
    UsageLimitExceeded,
)
from agents.models.base import ModelRequest, ModelResponse
from agents.testing import FunctionModel, call
from evals.checks import CustomCheck, StateEquals
from evals.envs import register_env
from evals.runner import EvalConfig, run_eval
from evals.tasks import EnvSpec, Suite, Task
from evals.trace import TrialRecord
from tools.errors import ModelRetry, ToolFatalError

ERRORS: list[Callable[[], Exception]] = [
    lambda: ValueError("bad value"),
    lambda: RuntimeError("boom"),
    lambda: KeyError("key"),
    lambda: TypeError(),
    lambda: RecursionError("maximum recursion depth exceeded"),
    lambda: ZeroDivisionError("division by zero"),
    lambda: AssertionError(),
    lambda: OSError(5, "I/O error"),
    lambda: UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
    lambda: NotImplementedError(),
    lambda: TimeoutError("not the trial's own limit"),
    lambda: StopAsyncIteration(),
    lambda: ExceptionGroup("several", [ValueError("a"), KeyError("b")]),
    lambda: AgentsError("something of ours"),
    lambda: ModelHTTPError("http://x/v1", 503, "overloaded", attempts=4),
    lambda: ModelHTTPError("http://x/v1", 400, "bad request"),
    lambda: ContextLengthExceeded("http://x/v1", 400, "maximum context length is 4096 tokens"),
    lambda: ModelUnreachable("http://x/v1", 4, ConnectionError("refused")),
    lambda: ModelTimeout("http://x/v1", 1.0, 1),
    lambda: ModelResponseError("garbled"),
    lambda: UsageLimitExceeded("max_steps", 3, 2),
    lambda: ToolFatalError("the tool gave up"),
    lambda: ModelRetry("try again"),
]


class Flaky:
    """A tool environment whose one tool raises a chosen error on a chosen call."""

    def __init__(self, fail_at: int | None = None, error: int = 0) -> None:
        self.calls = 0
        self._fail_at = fail_at
        self._error = error

    def act(self, n: int) -> str:
        """Do the thing n times."""
        self.calls += 1
        if self.calls == self._fail_at:
            raise ERRORS[self._error]()
        return f"did it {n} times"


register_env("test-flaky", lambda state: Flaky(**state))

action = st.one_of(
    st.tuples(st.just("answer"), st.text(max_size=12)),
    st.tuples(st.just("call"), st.integers(-2, 2)),
    st.tuples(st.just("unknown tool"), st.integers(0, 1)),
    st.tuples(st.just("raise"), st.integers(0, len(ERRORS) - 1)),
)
task_plan = st.fixed_dictionaries(
    {
        "model": st.lists(action, max_size=4),
        "tool_fails_at": st.none() | st.integers(1, 3),
        "tool_error": st.integers(0, len(ERRORS) - 1),
        "check_error": st.none() | st.integers(0, len(ERRORS) - 1),
    }
)


def _check(error: int | None) -> Callable[[Any], bool]:
    def check(outcome: Any) -> bool:
        if error is not None:
            raise ERRORS[error]()
        return True

    return check


def _suite(plans: list[dict[str, Any]]) -> Suite:
    tasks = [
        Task.single(
            id=f"t{i}",
            prompt=f"task {i}",
            env=EnvSpec(name="test-flaky", state={"fail_at": p["tool_fails_at"], "error": p["tool_error"]}),
            checks=[
                StateEquals(path=["calls"], expected=1),
                CustomCheck(fn=_check(p["check_error"]), description="a check that may raise"),
            ],
            max_steps=4,
        )
        for i, p in enumerate(plans)
    ]
    return Suite(name="flaky", tasks=tasks)


def _model(plans: list[dict[str, Any]]) -> FunctionModel:
    def respond(request: ModelRequest) -> ModelResponse | str:
        user = next(m for m in request.messages if m.role == "user")
        task = int(str(user.content).split()[-1])
        step = sum(m.role == "assistant" for m in request.messages)
        steps = plans[task]["model"]
        kind, value = steps[step] if step < len(steps) else ("answer", "done")
        if kind == "raise":
            raise ERRORS[value]()
        if kind == "call":
            return ModelResponse(tool_calls=[call("act", n=value)], finish_reason="tool_calls")
        if kind == "unknown tool":
            return ModelResponse(tool_calls=[call("nope", n="x" * value)], finish_reason="tool_calls")
        return str(value)

    return FunctionModel(respond, name="m")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans=st.lists(task_plan, min_size=1, max_size=4), k=st.integers(1, 2), concurrency=st.integers(1, 3))
def test_any_trial_failure_leaves_a_complete_run(
    plans: list[dict[str, Any]], k: int, concurrency: int
) -> None:
    suite = _suite(plans)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        config = EvalConfig(out=out, k=k, concurrency=concurrency, model_name="m")
        summary = asyncio.run(run_eval(suite, config, models=[_model(plans)], progress=io.StringIO()))

        lines = (out / "trials.jsonl").read_text().split("\n")
        records = [TrialRecord.model_validate_json(line) for line in lines if line]
        assert sorted(r.key for r in records) == [(t.id, i) for t in suite.tasks for i in range(k)]
        for r in records:
            assert r.passed == (r.error is None and all(v.passed for v in r.verdicts))
            assert (r.error is None) == (r.error_type is None)
        assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(summary, default=str))
        assert summary["trials"] + summary["infra_errors"] == len(suite.tasks) * k
        assert summary["passed"] == sum(r.passed for r in records)
        assert (out / "report.md").stat().st_size > 0 and (out / "report.html").stat().st_size > 0
