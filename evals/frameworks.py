"""Any agent framework under the harness: `agents eval SUITE --agent module:factory`.

The harness keeps everything but the agent: a fresh environment per trial, the task's turns,
the checks, the metrics and the reports. For each trial it calls the factory once,

    agent = factory(setup)          # an AgentSetup; may also be a coroutine function

and then, for each user turn of the task, in one conversation,

    result = await agent.run_turn(prompt)     # a TurnResult: the answer, optionally usage

and, if the object has one, `await agent.aclose()` at the end of the trial.

`setup.tools` are the task's tools, each both a Python callable (an async function with a real
signature: the environment method's own, or one made from the JSON schema) and its JSON schema
(`name`, `description`, `parameters`): a framework registers them as it likes. Calling one runs
the tool through the harness: arguments validated (and laxly coerced) as for our own agent,
errors turned into the text the model sees, and the call recorded for the checks. So a
framework need not report its calls, and the checks see exactly what was run.

`setup.endpoint` says where the model is (an OpenAI-compatible base URL, the served model name,
the sampling settings of this trial); `setup.model` is the harness's own `Model` for this trial
(the endpoint pool's choice, or the oracle's scripted model), for adapters built on this
project's client. Under `--oracle` there is no endpoint: only adapters that use `setup.model`
(the built-in one) can run there.

The harness cannot stop a framework from making more model requests than `setup.max_steps`
(1 for single-response tasks such as BFCL's): an adapter should pass it on.

`evals.adapters.builtin:factory` is this project's `Agent` behind the same interface, and
`evals.adapters.pydantic_ai:factory` is PydanticAI's (the `pydantic-ai` extra).
"""

from __future__ import annotations

import importlib
import inspect
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from agents.models.base import Model, ModelSettings
from agents.models.profiles import ToolMode
from evals.suites.loaders import import_file
from evals.trace import CallRecord
from tools import Tool, Toolset
from tools._context import RunContext
from tools._types import ToolCall
from tools.errors import ConfigError

__all__ = [
    "AgentFactory",
    "AgentSetup",
    "HarnessTool",
    "ModelEndpoint",
    "TurnAgent",
    "TurnResult",
    "harness_tools",
    "load_factory",
]


@dataclass(frozen=True)
class ModelEndpoint:
    """Where the trial's model is served: an OpenAI-compatible base URL (`.../v1`) and the served
    model's name."""

    base_url: str
    model: str


@dataclass(frozen=True)
class HarnessTool:
    """One tool of the task: call `function(**arguments)` for the text the model should see."""

    name: str
    description: str
    parameters: dict[str, Any]
    function: Callable[..., Awaitable[str]]

    def openai_spec(self) -> dict[str, Any]:
        """The tool as an OpenAI chat-completions `tools` entry."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True)
class AgentSetup:
    """What an agent factory gets for one trial.

    `settings`: this trial's sampling (temperature, max_tokens, and the seed, which differs per
    trial). `max_steps`: model requests allowed per turn. `single_response`: each turn is one
    model response whose calls are scored, not answered (BFCL's single-turn categories): the
    turn ends after the calls run. `tool_mode`: the `--tool-mode` asked for (our agent's notion;
    None: the model profile's default).
    """

    tools: list[HarnessTool]
    instructions: str | None
    endpoint: ModelEndpoint | None
    model: Model
    settings: ModelSettings
    max_steps: int
    single_response: bool = False
    tool_mode: ToolMode | None = None


@dataclass
class TurnResult:
    """One turn's outcome. Token counts are optional (None: the framework does not report them);
    `messages` (JSON-ready dicts) go into the trial's trace as they are."""

    output: str | None
    requests: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)


@runtime_checkable
class TurnAgent(Protocol):
    """What a factory returns: an agent that runs one user turn of a conversation at a time."""

    async def run_turn(self, prompt: str) -> TurnResult: ...


AgentFactory = Callable[[AgentSetup], "TurnAgent | Awaitable[TurnAgent]"]


def load_factory(spec: str) -> AgentFactory:
    """The factory named by `module:attribute` or `path/to/file.py:attribute` (a `ConfigError`
    naming what is wrong otherwise)."""
    module_name, sep, attribute = spec.rpartition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(
            f"--agent takes module:factory (e.g. evals.adapters.builtin:factory), not {spec!r}."
        )
    try:
        if module_name.endswith(".py"):
            if not Path(module_name).is_file():
                raise ConfigError(f"--agent {spec}: no file {module_name}.")
            module: ModuleType = import_file(Path(module_name))
        else:
            module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigError(
            f"Cannot import {module_name!r} for --agent {spec} ({e}). Is its framework installed in this "
            "environment, and the module on PYTHONPATH?"
        ) from e
    found: Any = module
    for part in attribute.split("."):
        found = getattr(found, part, None)
    if not callable(found):
        raise ConfigError(f"{spec} is not a callable in {module_name}: --agent needs a factory(setup).")
    factory: AgentFactory = found
    return factory


_JSON_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list[Any],
    "object": dict[str, Any],
}


def _schema_signature(parameters: dict[str, Any]) -> inspect.Signature:
    """Keyword-only parameters from a JSON schema's properties (required ones without a default)."""
    required = set(parameters.get("required", []))
    params = []
    for name, prop in (parameters.get("properties") or {}).items():
        if not name.isidentifier():
            continue  # such a parameter can still be passed in **kwargs; a signature cannot name it
        kind = prop.get("type") if isinstance(prop, dict) else None
        annotation = _JSON_TYPES.get(kind, Any) if isinstance(kind, str) else Any
        default = inspect.Parameter.empty if name in required else prop.get("default", None)
        if default is None and name not in required:
            annotation = annotation | None
        params.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    params.sort(key=lambda p: p.default is not inspect.Parameter.empty)
    return inspect.Signature(params, return_annotation=str)


def _signature(tool: Tool) -> inspect.Signature:
    """The environment method's own signature (without a RunContext), else one from the schema."""
    if tool.function is None:
        return _schema_signature(tool.parameters)
    try:
        own = inspect.signature(tool.function, eval_str=True)  # real types, also under `from __future__`
    except (TypeError, ValueError, NameError):
        return _schema_signature(tool.parameters)
    params = list(own.parameters.values())[1 if tool.takes_ctx else 0 :]
    if any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in params):  # a declaration's stub
        return _schema_signature(tool.parameters)
    return own.replace(parameters=params, return_annotation=str)


class CallLog:
    """The calls a trial's tools ran, in order, for the checks; `turn` and `step` label them."""

    def __init__(self) -> None:
        self.calls: list[CallRecord] = []
        self.step = 0
        self._ids = itertools.count(1)

    def next_id(self) -> str:
        return f"call_{next(self._ids)}"


def harness_tools(toolset: Toolset, deps: object | None, log: CallLog) -> list[HarnessTool]:
    """The toolset's tools as `HarnessTool`s whose calls run through `toolset` and land in `log`."""
    context: RunContext[Any] = RunContext(deps=deps, run_id="trial")

    def make(tool: Tool) -> HarnessTool:
        async def function(**arguments: Any) -> str:
            call = ToolCall(log.next_id(), tool.name, arguments)
            (result,) = await toolset.run_calls([call], context)
            log.calls.append(
                CallRecord(
                    name=tool.name,
                    arguments=arguments,
                    status=result.status,
                    result=result.content,
                    step=log.step,
                )
            )
            return result.content

        signature = _signature(tool)
        function.__name__ = function.__qualname__ = tool.name
        function.__doc__ = tool.description
        function.__signature__ = signature  # type: ignore[attr-defined]
        function.__annotations__ = {
            **{p.name: p.annotation for p in signature.parameters.values() if p.annotation is not p.empty},
            "return": str,
        }
        return HarnessTool(tool.name, tool.description, tool.parameters, function)

    return [make(t) for t in toolset]


async def make_agent(factory: AgentFactory, setup: AgentSetup) -> TurnAgent:
    """Call the factory (sync or async) and check that what it made can run a turn."""
    made = factory(setup)
    agent = await made if inspect.isawaitable(made) else made
    if not isinstance(agent, TurnAgent):
        raise ConfigError(
            f"The agent factory returned {type(agent).__name__}, which has no `async run_turn(prompt)`; "
            "see evals.frameworks for the interface."
        )
    return agent
