"""The multi-turn environment: BFCL's own backend classes, run from the installed package.

One `BfclEnvironment` per trial holds a fresh instance of each class the entry involves,
loaded with the entry's initial configuration, and executes calls on them the way BFCL's
harness does: a method name resolves to the last involved class that has it; a call's result
is the method's string, a dict as JSON, anything else through `str()`; an exception becomes
`"Error during execution: <message>"`. Calls run one at a time, in the order the model wrote
them, since later calls of one response depend on earlier ones (`cd`, then `mkdir`).

Two variants follow BFCL's multi-turn categories: `long_context` loads the backends with
their long-context padding (multi_turn_long_context), and `missed_functions` withholds some
functions from the declarations until the turn that reveals them (multi_turn_miss_func). A
withheld function still runs if the model calls it anyway, as in BFCL, whose executor knows
every method of the involved classes whatever the model was shown.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from evals.bfcl import _package
from evals.bfcl.data import multi_turn_functions
from evals.bfcl.schema import to_tool
from tools import Tool, Toolset

ERROR_PREFIX = "Error during execution: "
# BFCL refuses calls by these names before evaluating them, whatever class would answer.
_REFUSED = frozenset({"kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run"})
# BFCL has no retry budget: a model may send invalid calls until its step limit.
_RETRY_BUDGET = 1000
_ANY_OBJECT: dict[str, Any] = {"type": "object"}


def stringify(value: Any) -> str:
    """A method's return value as BFCL records it."""
    if type(value) is str:
        return value
    if type(value) is dict:
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def render(value: Any) -> Any:
    """A JSON-friendly rendering of backend state, for records and reports (not for checks)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): render(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((render(v) for v in value), key=repr)
    return repr(value)


def public_state(instance: object) -> dict[str, Any]:
    """The attributes BFCL compares: every instance attribute not starting with "_"."""
    return {name: value for name, value in vars(instance).items() if not name.startswith("_")}


class BfclEnvironment:
    """Fresh BFCL backend instances for one trial, their tools, and a log of what ran.

    `results` holds every executed call's result string, in order, over the whole trial (the
    official response check looks at all turns so far).
    """

    def __init__(
        self,
        involved_classes: Sequence[str],
        initial_config: Mapping[str, Any],
        *,
        long_context: bool = False,
        missed_functions: Mapping[int, Sequence[str]] | None = None,
    ) -> None:
        self.involved_classes = list(involved_classes)
        self.long_context = long_context
        # turn index -> names withheld until then; names still hidden from the declarations
        self.missed_functions = {int(t): list(names) for t, names in (missed_functions or {}).items()}
        self.hidden: set[str] = {name for names in self.missed_functions.values() for name in names}
        self.instances: dict[str, Any] = {}
        self._methods: dict[str, Callable[..., Any]] = {}
        for class_name in self.involved_classes:
            instance = _package.backend_class(class_name)()
            if not _package.is_stateless(class_name):
                config = copy.deepcopy(dict(initial_config.get(class_name) or {}))
                instance._load_scenario(config, long_context=long_context)
            self.instances[class_name] = instance
            for name, method in inspect.getmembers(instance, predicate=inspect.ismethod):
                if not name.startswith("_"):
                    self._methods[name] = method
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.results: list[str] = []

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> BfclEnvironment:
        """Build from a task's environment state.

        `{"involved_classes": [...], "initial_config": {...}}`, optionally with
        `"long_context": true` and `"missed_functions": {"3": ["sort"]}` (turn -> names).
        """
        return cls(
            state.get("involved_classes", []),
            state.get("initial_config", {}),
            long_context=bool(state.get("long_context", False)),
            missed_functions={int(t): names for t, names in (state.get("missed_functions") or {}).items()},
        )

    def _begin_turn(self, turn: int) -> None:
        """Reveal the functions withheld until `turn` (the trial calls this before each turn)."""
        for name in self.missed_functions.get(turn, []):
            self.hidden.discard(name)

    def signature(self, name: str) -> inspect.Signature | None:
        """The signature of the method a call named `name` would run, if any."""
        method = self._methods.get(name)
        return inspect.signature(method) if method is not None else None

    def execute(self, name: str, arguments: Mapping[str, Any]) -> str:
        """Run one call and log it; returns its result string (errors included, never raises)."""
        # A private copy: backends keep argument objects in their state (a tweet's tag list) and
        # mutate them later, which must not reach the caller's (or a transcript's) values.
        own: dict[str, Any] = copy.deepcopy(dict(arguments))
        self.calls.append((name, copy.deepcopy(own)))
        if name in _REFUSED:
            result = f"{ERROR_PREFIX}Function call {name} is not allowed."
        elif name not in self._methods:
            result = f"{ERROR_PREFIX}name '{name}' is not defined"
        else:
            try:
                result = stringify(self._methods[name](**own))
            except Exception as e:  # BFCL records any failure as the call's result
                result = f"{ERROR_PREFIX}{e}"
        self.results.append(result)
        return result

    def functions(self) -> list[dict[str, Any]]:
        """The BFCL function docs of the involved classes, in BFCL's order (withheld ones included)."""
        return [dict(doc) for name in self.involved_classes for doc in multi_turn_functions(name)]

    def _toolset(self) -> Toolset:
        """The involved classes' functions as tools bound to these instances, run one at a time.

        Withheld functions are registered (a call to one runs, as in BFCL) but not declared
        until their turn; revealed ones are declared after the others, as BFCL appends them.
        """
        tools = []
        for doc in self.functions():
            declared = to_tool(doc)
            # BFCL executes whatever arguments the model wrote, without a schema in between: a
            # wrong type or a missing argument is the method's own error (or success), and no
            # value is coerced. So the tool validates against "any object" while the model is
            # shown the declared schema.
            made = Tool.from_schema(
                declared.name, declared.description, _ANY_OBJECT, self._handler(doc["name"])
            )
            made.parameters = declared.parameters
            tools.append(made)
        return _RevealingToolset(self, tools, max_concurrency=1, max_retries=_RETRY_BUDGET)

    def missed_names(self) -> set[str]:
        """Every function withheld at the start, revealed since or not."""
        return {name for names in self.missed_functions.values() for name in names}

    def _handler(self, name: str) -> Callable[..., str]:
        def handler(**arguments: Any) -> str:
            return self.execute(name, arguments)

        handler.__name__ = name
        return handler

    def _snapshot(self) -> dict[str, Any]:
        """The instances' compared attributes, rendered as JSON for the trial record."""
        return {name: render(public_state(instance)) for name, instance in self.instances.items()}


class _RevealingToolset(Toolset):
    """A toolset that declares only the functions its environment has revealed so far."""

    def __init__(self, env: BfclEnvironment, tools: Sequence[Tool], **options: Any) -> None:
        super().__init__(tools, **options)
        self._env = env

    def specs(self) -> list[dict[str, Any]]:
        """The specs of the revealed tools: the first turn's in BFCL's order, then each revealed batch."""
        specs = {s["function"]["name"]: s for s in super().specs()}
        order = [n for n in specs if n not in self._env.missed_names()]
        for turn in sorted(self._env.missed_functions):
            order += [n for n in self._env.missed_functions[turn] if n not in self._env.hidden]
        return [specs[n] for n in order if n in specs]
