"""JSON schemas for tools: from a function's signature and docstring, and cleaned for the model.

A function's parameters become a pydantic model (one field per parameter, the parameter's name
as the field's alias so that names like `schema` or `_id` cannot clash with pydantic's own
attributes). Its JSON schema is then cleaned for the prompt: pydantic's `title` keys go,
non-recursive `$ref`s are inlined, and `$defs` stays only for recursive types.
"""

from __future__ import annotations

import copy
import inspect
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_origin

import docstring_parser
import pydantic
from pydantic.fields import FieldInfo

from tools._context import RunContext
from tools.errors import ConfigError

# Keywords whose value is one schema, a list of schemas, or a name -> schema mapping. Walking
# only these tells a `title` keyword from a property that happens to be named "title".
_ONE: tuple[str, ...] = ("items", "not", "additionalProperties", "if", "then", "else", "contains")
_ONE += ("propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems")
_MANY = ("anyOf", "oneOf", "allOf", "prefixItems")
_NAMED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


@dataclass(frozen=True)
class Param:
    """One model-visible parameter of a function: its name and how Python receives it."""

    name: str
    field: str  # the pydantic field name (`p0`, `p1`, ...); `name` is its alias
    positional_only: bool


@dataclass(frozen=True)
class FunctionSchema:
    """Everything `Tool` needs from a function's signature and docstring."""

    model: type[pydantic.BaseModel]
    params: tuple[Param, ...]
    parameters: dict[str, Any]  # the cleaned JSON schema of the arguments object
    description: str
    takes_ctx: bool


def takes_run_context(fn: Callable[..., Any]) -> bool:
    """Whether `fn`'s first parameter is annotated `RunContext` or `RunContext[...]`."""
    params = list(inspect.signature(fn).parameters.values())
    if not params:
        return False
    hints = _type_hints(fn, getattr(fn, "__name__", repr(fn)))
    return _is_run_context(hints.get(params[0].name, params[0].annotation))


def function_schema(fn: Callable[..., Any], name: str, *, strict: bool = False) -> FunctionSchema:
    """Build the arguments model and cleaned schema of `fn`, whose tool is called `name`."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"Tool {name!r}: cannot read the signature of {fn!r} ({e}).") from e
    hints = _type_hints(fn, name)
    doc = docstring_parser.parse(inspect.getdoc(fn) or "")
    param_docs = {p.arg_name: " ".join(p.description.split()) for p in doc.params if p.description}

    takes_ctx = False
    fields: dict[str, Any] = {}
    params: list[Param] = []
    for index, p in enumerate(signature.parameters.values()):
        hint = hints.get(p.name, Any if p.annotation is inspect.Parameter.empty else p.annotation)
        if _is_run_context(hint):
            if index != 0:
                raise ConfigError(
                    f"Tool {name!r}: the RunContext parameter {p.name!r} must be the first parameter."
                )
            takes_ctx = True
            continue
        if index == 0 and p.name in ("self", "cls") and p.annotation is inspect.Parameter.empty:
            raise ConfigError(
                f"Tool {name!r}: {fn!r} looks like a method taken from its class ({p.name!r} first). "
                "Pass the bound method of an instance (obj.method) or use Toolset.from_object(obj)."
            )
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise ConfigError(
                f"Tool {name!r}: *args and **kwargs ({p.name!r}) cannot be described to a model. "
                "Declare each argument as a named, typed parameter."
            )
        field = f"p{len(params)}"
        extra: dict[str, Any] = {}
        if p.name in param_docs and not _has_description(hint):
            extra["description"] = param_docs[p.name]
        if isinstance(p.default, FieldInfo):
            # `x: float = Field(ge=5)`: its constraints (and default, if any) go with the type.
            fields[field] = (Annotated[hint, p.default], pydantic.Field(alias=p.name, **extra))
        else:
            default = ... if p.default is inspect.Parameter.empty else p.default
            fields[field] = (hint, pydantic.Field(default, alias=p.name, **extra))
        params.append(Param(p.name, field, p.kind is inspect.Parameter.POSITIONAL_ONLY))

    config = pydantic.ConfigDict(extra="forbid", strict=strict)
    try:
        model = pydantic.create_model(f"{name}_arguments", __config__=config, **fields)
        raw = model.model_json_schema(by_alias=True)
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError, TypeError) as e:
        raise ConfigError(
            f"Tool {name!r}: its parameter types cannot be turned into a JSON schema: {e}. "
            "Use JSON-friendly types (str, int, float, bool, list, dict, Literal, Enum, pydantic models)."
        ) from e
    parameters = clean_schema(raw, drop_titles=True)
    return FunctionSchema(model, tuple(params), parameters, _description(doc), takes_ctx)


def clean_schema(schema: dict[str, Any], *, drop_titles: bool) -> dict[str, Any]:
    """The schema as the model should see it.

    Local `$ref`s to definitions that are not recursive are replaced by the definition (keys
    next to the `$ref`, such as a field's description, win over the definition's). Definitions
    that refer back to themselves stay under `$defs`, since they cannot be inlined.
    """
    schema = copy.deepcopy(schema)
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        for def_name, sub in (schema.pop(key, None) or {}).items():
            defs[f"#/{key}/{def_name}"] = sub
    recursive = _recursive_refs(defs)

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in defs and ref not in recursive:
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return walk({**defs[ref], **siblings})
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "title" and drop_titles and isinstance(value, str):
                continue
            if key in _ONE:
                out[key] = walk(value)
            elif key in _MANY and isinstance(value, list):
                out[key] = [walk(v) for v in value]
            elif key in _NAMED and isinstance(value, dict):
                out[key] = {k: walk(v) for k, v in value.items()}
            elif key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
                out[key] = "#/$defs/" + value.removeprefix("#/definitions/")
            else:
                out[key] = value
        return _type_first(out)

    cleaned: dict[str, Any] = walk(schema)
    if recursive:  # last, after the properties that use them
        cleaned["$defs"] = {ref.rsplit("/", 1)[1]: walk(defs[ref]) for ref in sorted(recursive)}
    return cleaned


def _recursive_refs(defs: dict[str, Any]) -> set[str]:
    """The definitions that can reach themselves through `$ref`s."""
    edges = {ref: set(_refs_in(sub)) & defs.keys() for ref, sub in defs.items()}
    recursive: set[str] = set()
    for start in defs:
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            ref = stack.pop()
            if ref == start:
                recursive.add(start)
                break
            if ref not in seen:
                seen.add(ref)
                stack.extend(edges.get(ref, ()))
    return recursive


def _refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs_in(item)


def _type_first(schema: dict[str, Any]) -> dict[str, Any]:
    """`type`, `properties`, `required` first: easier to read in a prompt and in a diff."""
    order = ("type", "description", "properties", "required")
    head = {k: schema[k] for k in order if k in schema}
    return {**head, **{k: v for k, v in schema.items() if k not in head}}


def _description(doc: docstring_parser.Docstring) -> str:
    parts = [doc.short_description, doc.long_description]
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _type_hints(fn: Callable[..., Any], name: str) -> dict[str, Any]:
    target = fn if inspect.isfunction(fn) or inspect.ismethod(fn) else getattr(fn, "__call__", fn)  # noqa: B004
    try:
        return typing.get_type_hints(target, include_extras=True)
    except NameError as e:
        raise ConfigError(
            f"Tool {name!r}: a type hint cannot be resolved ({e}). Define the types it names at "
            "module level, or avoid string annotations for types local to a function."
        ) from e
    except TypeError:
        return {}  # builtins and some C callables carry no annotations


def _is_run_context(hint: Any) -> bool:
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    return hint is RunContext or get_origin(hint) is RunContext


def _has_description(hint: Any) -> bool:
    """Whether `Annotated[..., Field(description=...)]` already describes the parameter."""
    if get_origin(hint) is not Annotated:
        return False
    return any(isinstance(m, FieldInfo) and m.description for m in get_args(hint)[1:])
