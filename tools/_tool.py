"""`Tool`: one function (or raw JSON-schema declaration) the model may call, and `@tool`.

A tool knows its name, description and argument schema, validates the arguments a model sends
(as sent first, then coerced laxly when that fails, unless strict: see `tools._coerce`), and
runs its handler: async handlers are awaited, sync ones run in a daemon thread of their own
(`tools._threads`) so that they never block the event loop.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, overload

import pydantic
import pydantic_core

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

from tools import _retry
from tools._coerce import coerce
from tools._context import RunContext
from tools._schema import FunctionSchema, Param, clean_schema, function_schema, takes_run_context
from tools._threads import run_in_thread
from tools._types import Effect
from tools.errors import ConfigError, ToolArgumentsError

NAME_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$")
_MAX_PROBLEM = 300  # characters of one validation message; jsonschema quotes whole instances


EFFECTS: tuple[Effect, ...] = ("read_only", "idempotent", "unsafe")


class ToolRules(TypedDict, total=False):
    """How a tool is run: the keyword options of `Tool.from_schema` (see `Tool` for each)."""

    timeout: float | None
    max_retries: int | None
    requires_approval: bool
    strict: bool
    max_result_chars: int | None
    effect: Effect


class ToolOptions(ToolRules, total=False):
    """The keyword options of `@tool`, `Tool.from_function`, `@toolset.tool` and `@agent.tool`."""

    name: str | None
    description: str | None


@dataclass(frozen=True)
class Prepared:
    """Validated arguments, in JSON form (for results and approvers) and as the handler takes them."""

    arguments: dict[str, Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class Tool:
    """A function the model may call, with its JSON schema and its rules.

    Make one with `@tool`, `Tool.from_function` or `Tool.from_schema`. Attributes:
    `name`, `description`, `parameters` (the JSON schema the model sees), `takes_ctx` (the
    handler's first parameter is a `RunContext`), `timeout` (seconds, None for the toolset's
    default), `max_retries` (None for the toolset's default), `requires_approval`, `strict`
    (no lax coercion, strict validation, and `"strict": true` in the spec), `max_result_chars`
    (the cap on the result's text, None for the toolset's), `effect` (what a call does to the
    world: "read_only", "idempotent" or "unsafe", the default; a resumed run re-runs an interrupted
    call only when it is not unsafe) and `function` (the handler, None for a declaration without
    one). A tool made from a function can still be called like that function.
    """

    def __init__(
        self,
        *,
        name: str,
        description: str,
        parameters: dict[str, Any],
        function: Callable[..., Any] | None,
        takes_ctx: bool,
        timeout: float | None,
        max_retries: int | None,
        requires_approval: bool,
        strict: bool,
        validation_schema: dict[str, Any] | None = None,
        signature: FunctionSchema | None = None,
        max_result_chars: int | None = None,
        effect: Effect = "unsafe",
    ) -> None:
        check_name(name)
        if effect not in EFFECTS:
            raise ConfigError(f"Tool {name!r}: effect must be one of {', '.join(EFFECTS)}, not {effect!r}.")
        if timeout is not None and not timeout > 0:
            raise ConfigError(
                f"Tool {name!r}: timeout must be a positive number of seconds or None, not {timeout!r}."
            )
        if max_retries is not None and max_retries < 0:
            raise ConfigError(f"Tool {name!r}: max_retries must be 0 or more, not {max_retries!r}.")
        check_result_cap(max_result_chars, f"Tool {name!r}")
        self.name = name
        self.description = description
        self.parameters = parameters
        self.function = function
        self.takes_ctx = takes_ctx
        self.timeout = timeout
        self.max_retries = max_retries
        self.requires_approval = requires_approval
        self.strict = strict
        self.max_result_chars = max_result_chars
        self.effect: Effect = effect
        self._signature = signature
        # Raw-schema tools validate against the schema as given; function tools against the
        # cleaned one (pydantic does the real validation, the validator only guides coercion).
        self._schema = validation_schema if validation_schema is not None else parameters
        self._is_async = function is not None and is_async_callable(function)

    @cached_property
    def _validator(self) -> Validator:
        # Made on first use, and jsonschema imported only then (about 40 ms): a function tool
        # needs it only to coerce arguments that failed pydantic's validation as sent.
        import jsonschema

        return jsonschema.validators.validator_for(self._schema, default=jsonschema.Draft202012Validator)(
            self._schema
        )

    @classmethod
    def from_function(cls, fn: Callable[..., Any], **options: Unpack[ToolOptions]) -> Tool:
        """A tool from a typed function or bound method, described by its docstring.

        The schema comes from the type hints (through pydantic); the description from the
        docstring's summary and body; each parameter's description from its entry in a
        Google- or NumPy-style docstring, unless `Annotated[..., Field(description=...)]`
        gives one. A first parameter annotated `RunContext` is injected, not shown to the model.
        """
        name = options.pop("name", None)
        description = options.pop("description", None)
        tool_name = name if name is not None else getattr(fn, "__name__", None)
        if not isinstance(tool_name, str):
            raise ConfigError(f"Cannot name a tool for {fn!r}: it has no __name__. Pass name=... explicitly.")
        check_name(tool_name)
        made = function_schema(fn, tool_name, strict=options.get("strict", False))
        return cls(
            name=tool_name,
            description=description if description is not None else made.description,
            parameters=made.parameters,
            function=fn,
            takes_ctx=made.takes_ctx,
            signature=made,
            **_rules(options),
        )

    @classmethod
    def from_schema(
        cls,
        name: str,
        description: str,
        parameters: Mapping[str, Any],
        handler: Callable[..., Any] | None = None,
        **rules: Unpack[ToolRules],
    ) -> Tool:
        """A tool declared by a raw JSON schema, as MCP servers and benchmark suites give them.

        The schema is checked against the draft its `$schema` names (2020-12 when it names
        none) and must describe an object. Arguments are coerced laxly (unless `strict`) and
        validated with jsonschema, then passed to `handler` as keyword arguments (after a
        `RunContext` when the handler's first parameter is annotated with it). The model sees
        the schema as given, with local non-recursive `$ref`s inlined.
        """
        import jsonschema

        check_name(name)
        schema = json.loads(json.dumps(dict(parameters)))  # a private, JSON-only copy
        if schema.get("type", "object") != "object":
            raise ConfigError(
                f"Tool {name!r}: the parameters schema must describe an object (type 'object'), "
                f"not {schema.get('type')!r}. Wrap single values in a named property."
            )
        schema.setdefault("type", "object")
        schema.setdefault("properties", {})
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            _check_schema(validator_class, json.dumps(schema, sort_keys=True))
        except jsonschema.SchemaError as e:
            where = _retry.path(e.absolute_path) if e.absolute_path else "the schema"
            raise ConfigError(
                f"Tool {name!r}: its parameters are not a valid JSON schema ({validator_class.__name__}): "
                f"{e.message} (at {where}). Fix the schema."
            ) from e
        return cls(
            name=name,
            description=description,
            parameters=clean_schema(schema, drop_titles=False),
            function=handler,
            takes_ctx=handler is not None and takes_run_context(handler),
            validation_schema=schema,
            **_rules(rules),
        )

    def spec(self) -> dict[str, Any]:
        """The OpenAI function spec: `{"type": "function", "function": {name, description, parameters}}`."""
        function: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
        }
        if self.strict:
            function["strict"] = True
        return {"type": "function", "function": function}

    def validate(self, arguments: Mapping[str, Any] | str) -> dict[str, Any]:
        """The arguments, validated and coerced, in JSON form; raises `ToolArgumentsError`."""
        return self.prepare(arguments).arguments

    def prepare(self, arguments: Mapping[str, Any] | str) -> Prepared:
        """Validate `arguments` (a dict, or JSON text) and ready them for the handler.

        Arguments are validated as sent first; only when that fails (and the tool is not
        strict) are they coerced laxly and validated again, and the errors of that second try
        are reported. Coercion walks the whole value against the schema, at several times the
        cost of a validation, and most calls need none. Arguments of any shape end here or in
        `ToolArgumentsError`: nesting too deep to read and numbers too long to convert included.
        """
        try:
            return self._prepare(arguments)
        except RecursionError as e:
            problem = "(arguments): nested too deeply to read; send flatter arguments"
            raise ToolArgumentsError(self.name, [problem], self.parameters) from e
        except ValueError as e:  # e.g. an integer of over 4,300 digits, or too deep to serialise
            problem = f"(arguments): could not be read: {e}"
            raise ToolArgumentsError(self.name, [problem], self.parameters) from e

    def _prepare(self, arguments: Mapping[str, Any] | str) -> Prepared:
        data = self._parse(arguments)
        if not self.strict:
            as_sent = self._accepted(data)
            if as_sent is not None:
                return as_sent
            data = coerce(data, self._schema, self._validator)
        return self._check(data)

    def _accepted(self, data: dict[str, Any]) -> Prepared | None:
        """The prepared arguments when `data` validates as sent, else None (no report of why)."""
        if self._signature is None:
            return Prepared(data, (), dict(data)) if self._validator.is_valid(data) else None
        try:
            return self._prepare_function(data, self._signature)
        except ToolArgumentsError:
            return None

    def _check(self, data: dict[str, Any]) -> Prepared:
        if self._signature is not None:
            return self._prepare_function(data, self._signature)
        errors = sorted(self._validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        if errors:
            problems = list(dict.fromkeys(p for e in errors for p in _schema_problems(e)))
            raise ToolArgumentsError(self.name, problems, self.parameters)
        return Prepared(data, (), dict(data))

    async def invoke(self, prepared: Prepared, ctx: RunContext[Any] | None = None) -> Any:
        """Run the handler with prepared arguments; sync handlers run in a daemon thread of their own
        (see `tools._threads`), which a timeout abandons."""
        if self.function is None:
            raise ConfigError(
                f"Tool {self.name!r} is a declaration without a handler and cannot be run. "
                "Pass handler=... to Tool.from_schema."
            )
        args = (ctx, *prepared.args) if self.takes_ctx else prepared.args
        if self._is_async:
            result = await self.function(*args, **prepared.kwargs)
        else:
            result = await run_in_thread(self.function, *args, **prepared.kwargs)
        if inspect.isawaitable(result):  # a sync callable that hands back a coroutine
            result = await result
        return result

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the underlying function directly, as if it were not a tool."""
        if self.function is None:
            raise ConfigError(f"Tool {self.name!r} has no handler to call.")
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r})"

    def _parse(self, arguments: Mapping[str, Any] | str) -> dict[str, Any]:
        if isinstance(arguments, Mapping):
            return dict(arguments)
        text = arguments.strip()
        if not text:
            return {}  # servers send "" for a call without arguments
        try:
            data = json.loads(text)
            if isinstance(data, str) and data.strip().startswith("{"):
                data = json.loads(data)  # JSON text encoded twice, a known slip
        except json.JSONDecodeError as e:
            problem = (
                f"(arguments): not valid JSON: {e.msg} at line {e.lineno} column {e.colno} (char {e.pos})"
            )
            raise ToolArgumentsError(self.name, [problem], self.parameters) from e
        if data is None:
            return {}
        if not isinstance(data, dict):
            kind = type(data).__name__
            problem = (
                f"(arguments): expected a JSON object of named arguments, got a {kind}: {_retry.got(data)}"
            )
            raise ToolArgumentsError(self.name, [problem], self.parameters)
        return data

    def _prepare_function(self, data: dict[str, Any], made: FunctionSchema) -> Prepared:
        try:
            if self.strict:
                # JSON mode: strict about types yet accepting enum values and ISO dates as text.
                model = made.model.model_validate_json(json.dumps(data))
            else:
                model = made.model.model_validate(data)
        except (TypeError, ValueError) as e:
            problems = (
                _pydantic_problems(e) if isinstance(e, pydantic.ValidationError) else [f"(arguments): {e}"]
            )
            raise ToolArgumentsError(self.name, problems, self.parameters) from e
        given = model.model_fields_set
        args = tuple(getattr(model, p.field) for p in made.params if p.positional_only)
        kwargs = {p.name: getattr(model, p.field) for p in made.params if _passed(p, given)}
        dumped = model.model_dump(by_alias=True, exclude_unset=True)
        arguments = pydantic_core.to_jsonable_python(dumped, fallback=str)
        return Prepared(arguments, args, kwargs)


def _passed(param: Param, given: set[str]) -> bool:
    # Unset parameters are left to the function's own defaults.
    return not param.positional_only and param.field in given


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(**options: Unpack[ToolOptions]) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None, /, **options: Unpack[ToolOptions]
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a function a `Tool`: `@tool` bare, or `@tool(timeout=5, requires_approval=True)`.

    The result is still callable as the function. See `Tool.from_function` for the options.
    """

    def make(f: Callable[..., Any]) -> Tool:
        return Tool.from_function(f, **options)

    return make(fn) if fn is not None else make


def _rules(options: ToolRules | ToolOptions) -> dict[str, Any]:
    """The options a `Tool` takes, with their defaults, from a caller's keyword options."""
    known = ToolRules.__annotations__
    unknown = sorted(set(options) - set(known) - {"name", "description"})
    if unknown:
        raise ConfigError(f"Unknown tool option(s) {', '.join(unknown)}; options: {', '.join(known)}.")
    return {
        "timeout": options.get("timeout"),
        "max_retries": options.get("max_retries"),
        "requires_approval": options.get("requires_approval", False),
        "strict": options.get("strict", False),
        "max_result_chars": options.get("max_result_chars"),
        "effect": options.get("effect", "unsafe"),
    }


def check_name(name: str) -> None:
    """Raise `ConfigError` unless `name` is a valid tool name."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError(
            f"Invalid tool name {name!r}: a name must start with a letter or underscore and hold at most "
            "64 letters, digits, '_', '.' or '-' (pattern ^[a-zA-Z_][a-zA-Z0-9_.-]{0,63}$). "
            "Pass name=... to choose another."
        )


def check_result_cap(limit: int | None, owner: str) -> None:
    """Raise `ConfigError` unless `limit` is a positive number of characters or None."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ConfigError(
            f"{owner}: max_result_chars must be a positive number of characters or None, not {limit!r}."
        )


def is_async_callable(fn: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - an object with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def _pydantic_problems(error: pydantic.ValidationError) -> list[str]:
    problems = []
    for e in error.errors(include_url=False):
        line = f"{_retry.path(e['loc'])}: {e['msg']}"
        if e["type"] != "missing":
            line += f", got {_retry.got(e['input'])}"
        problems.append(line)
    return problems


@lru_cache(maxsize=1024)
def _check_schema(validator_class: type[Validator], schema_json: str) -> None:
    """Check a schema against its draft's meta-schema, once per schema text (a failure is not kept).

    The check takes milliseconds, and an eval builds the same raw-schema tools for every trial.
    """
    validator_class.check_schema(json.loads(schema_json))


def _schema_problems(error: jsonschema.ValidationError) -> list[str]:
    where = list(error.absolute_path)
    if (
        error.validator == "required"
        and isinstance(error.instance, dict)
        and isinstance(error.validator_value, list)
    ):
        missing = [r for r in error.validator_value if r not in error.instance]
        return [f"{_retry.path([*where, name])}: Field required" for name in missing]
    message = error.message
    if len(message) > _MAX_PROBLEM:
        message = message[: _MAX_PROBLEM - 3] + "..."
    return [f"{_retry.path(where)}: {message}"]
