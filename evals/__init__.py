"""The eval harness: tasks and suites, stateful environments, checks, the runner, metrics, reports.

>>> from evals import load_suite, EvalConfig, run_eval
>>> summary = await run_eval(load_suite("multistep"), EvalConfig(out=Path("runs/x"), oracle=True))
"""

import logging

from evals import _preflight  # noqa: F401  (first: names a file that hides `agents` or `tools`)
from evals.checks import (
    Check,
    CustomCheck,
    ForbiddenCalls,
    NoCall,
    OutputMatches,
    OutputPredicate,
    RequiredCalls,
    StateEquals,
    StatePredicate,
)
from evals.envs import make_env, register_env
from evals.frameworks import AgentSetup, HarnessTool, ModelEndpoint, TurnAgent, TurnResult
from evals.matching import CallPattern
from evals.metrics import pass_at_k, pass_hat_k, summarize, wilson_interval
from evals.reports import compare, rebuild
from evals.runner import EvalConfig, run_eval
from evals.shared import SharedEval
from evals.suites import available_suites, load_suite, register_suite, register_suite_family
from evals.tasks import EnvSpec, GoldCall, Suite, Task, Turn
from evals.trace import CallRecord, Outcome, TrialRecord, Verdict

__all__ = [
    "AgentSetup",
    "CallPattern",
    "CallRecord",
    "Check",
    "CustomCheck",
    "EnvSpec",
    "EvalConfig",
    "ForbiddenCalls",
    "GoldCall",
    "HarnessTool",
    "ModelEndpoint",
    "NoCall",
    "Outcome",
    "OutputMatches",
    "OutputPredicate",
    "RequiredCalls",
    "SharedEval",
    "StateEquals",
    "StatePredicate",
    "Suite",
    "Task",
    "TrialRecord",
    "Turn",
    "TurnAgent",
    "TurnResult",
    "Verdict",
    "available_suites",
    "compare",
    "load_suite",
    "make_env",
    "pass_at_k",
    "pass_hat_k",
    "rebuild",
    "register_env",
    "register_suite",
    "register_suite_family",
    "run_eval",
    "summarize",
    "wilson_interval",
]

# A library logs, the application decides what to show: without this, Python would print
# warnings to stderr through its last-resort handler.
logging.getLogger(__name__).addHandler(logging.NullHandler())
