"""Schemas from signatures and docstrings, as the model will see them."""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import jsonschema
import pytest
from pydantic import BaseModel, Field

from tools import ConfigError, RunContext, Tool, ToolArgumentsError, Toolset, tool


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Address(BaseModel):
    """A postal address."""

    street: str
    city: str = Field(description="City name.")
    zip_code: str | None = None


class Person(BaseModel):
    name: str
    home: Address
    work: Address | None = None


class TreeNode(BaseModel):
    label: str
    children: list[TreeNode] = []


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every schema-ish dict in `node`."""
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


def google(city: str, days: int = 1, unit: Unit = Unit.CELSIUS) -> str:
    """Get the weather forecast.

    Uses the national service; results are cached
    for ten minutes.

    Args:
        city: Name of the city,
            in English.
        days: Days ahead, 1 to 7.
        unit: Temperature unit.

    Returns:
        The forecast as text.
    """
    return city


def numpy_style(query: str, limit: int | None = None) -> list[str]:
    """Search the catalogue.

    Parameters
    ----------
    query : str
        Words to look for.
    limit : int, optional
        Most results to return.

    Returns
    -------
    list of str
    """
    return [query]


def test_google_docstring_gives_descriptions() -> None:
    t = Tool.from_function(google)
    assert t.description == (
        "Get the weather forecast.\n\nUses the national service; results are cached\nfor ten minutes."
    )
    props = t.parameters["properties"]
    assert props["city"]["description"] == "Name of the city, in English."
    assert props["days"] == {"type": "integer", "description": "Days ahead, 1 to 7.", "default": 1}
    assert props["unit"]["enum"] == ["celsius", "fahrenheit"]
    assert props["unit"]["default"] == "celsius"
    assert props["unit"]["description"] == "Temperature unit."
    assert t.parameters["required"] == ["city"]
    assert "Returns" not in t.description


def test_numpy_docstring_gives_descriptions() -> None:
    t = Tool.from_function(numpy_style)
    assert t.description == "Search the catalogue."
    props = t.parameters["properties"]
    assert props["query"] == {"type": "string", "description": "Words to look for."}
    assert props["limit"]["description"] == "Most results to return."
    assert props["limit"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert props["limit"]["default"] is None
    assert t.parameters["required"] == ["query"]


def test_no_titles_and_no_refs_left_for_plain_nested_models() -> None:
    def register(person: Person, tags: list[str], scores: dict[str, float]) -> None:
        """Register a person."""

    params = Tool.from_function(register).parameters
    assert "$defs" not in params
    for node in _walk(params):
        assert "$ref" not in node
        assert not isinstance(node.get("title"), str), node
    home = params["properties"]["person"]["properties"]["home"]
    assert home["type"] == "object"
    assert home["properties"]["city"]["description"] == "City name."
    assert home["required"] == ["street", "city"]
    work = params["properties"]["person"]["properties"]["work"]
    assert work["anyOf"][0]["properties"]["street"] == {"type": "string"}
    assert params["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert params["properties"]["scores"] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert params["additionalProperties"] is False


def test_recursive_model_keeps_defs_and_validates() -> None:
    def plant(tree: TreeNode) -> int:
        """Plant a tree."""
        return 0

    params = Tool.from_function(plant).parameters
    assert set(params["$defs"]) == {"TreeNode"}
    assert params["properties"]["tree"] == {"$ref": "#/$defs/TreeNode"}
    assert params["$defs"]["TreeNode"]["properties"]["children"]["items"] == {"$ref": "#/$defs/TreeNode"}
    jsonschema.Draft202012Validator.check_schema(params)
    good = {"tree": {"label": "a", "children": [{"label": "b"}]}}
    jsonschema.validate(good, params)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tree": {"label": "a", "children": [{"no": 1}]}}, params)


def test_parameter_named_title_is_kept() -> None:
    def note(title: str, body: str = "") -> str:
        """Write a note."""
        return title

    params = Tool.from_function(note).parameters
    assert list(params["properties"]) == ["title", "body"]
    assert params["properties"]["title"] == {"type": "string"}


def test_literal_and_annotated_descriptions() -> None:
    def sort(
        field: Literal["name", "date"],
        order: Annotated[str, Field(description="asc or desc")] = "asc",
    ) -> None:
        """Sort.

        Args:
            field: Field to sort by.
            order: Ignored: Annotated wins.
        """

    props = Tool.from_function(sort).parameters["properties"]
    assert props["field"] == {"type": "string", "description": "Field to sort by.", "enum": ["name", "date"]}
    assert props["order"]["description"] == "asc or desc"


def test_names_that_clash_with_pydantic_are_fine() -> None:
    def odd(schema: str, model_config: int, _id: int = 0) -> str:
        """Odd names."""
        return f"{schema}{model_config}{_id}"

    t = Tool.from_function(odd)
    assert list(t.parameters["properties"]) == ["schema", "model_config", "_id"]
    assert t.validate({"schema": "s", "model_config": "2", "_id": 3}) == {
        "schema": "s",
        "model_config": 2,
        "_id": 3,
    }


def test_openai_spec_shape() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    spec = add.spec()
    assert spec == {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two integers.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
                "additionalProperties": False,
            },
        },
    }
    assert Toolset([add, google]).specs() == [add.spec(), Tool.from_function(google).spec()]
    assert Tool.from_function(google, strict=True).spec()["function"]["strict"] is True


def test_context_parameter_is_hidden_and_detected() -> None:
    def with_ctx(ctx: RunContext[dict[str, int]], key: str) -> int:
        """Look up a key."""
        return ctx.deps[key]

    def bare_ctx(ctx: RunContext, key: str) -> str:  # type: ignore[type-arg]
        """Bare annotation."""
        return key

    for fn in (with_ctx, bare_ctx):
        t = Tool.from_function(fn)
        assert t.takes_ctx
        assert list(t.parameters["properties"]) == ["key"]
    assert not Tool.from_function(google).takes_ctx


def test_context_not_first_is_a_config_error() -> None:
    def late(key: str, ctx: RunContext[None]) -> str:
        """Bad."""
        return key

    with pytest.raises(ConfigError, match="must be the first parameter"):
        Tool.from_function(late)


def test_var_args_are_a_config_error() -> None:
    def star(*items: int) -> int:
        """Bad."""
        return 0

    with pytest.raises(ConfigError, match=r"\*args and \*\*kwargs"):
        Tool.from_function(star)


def test_bound_method_skips_self_and_explicit_options() -> None:
    class Counter:
        def __init__(self) -> None:
            self.n = 0

        def bump(self, by: int = 1) -> int:
            """Add to the counter."""
            self.n += by
            return self.n

    counter = Counter()
    t = Tool.from_function(counter.bump, name="inc", description="Increment.", timeout=2, max_retries=5)
    assert (t.name, t.description, t.timeout, t.max_retries) == ("inc", "Increment.", 2, 5)
    assert list(t.parameters["properties"]) == ["by"]
    assert t(by=3) == 3 and counter.n == 3


def test_decorator_with_options() -> None:
    @tool(name="rm", requires_approval=True, timeout=1.5)
    def remove(path: str) -> None:
        """Remove a file."""

    assert isinstance(remove, Tool)
    assert (remove.name, remove.requires_approval, remove.timeout) == ("rm", True, 1.5)
    assert remove.description == "Remove a file."


def test_raw_schema_tool_keeps_schema_and_inlines_refs() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "title": "Args",
        "properties": {"item": {"$ref": "#/definitions/Item"}, "n": {"type": "integer"}},
        "required": ["item"],
        "definitions": {"Item": {"type": "object", "properties": {"sku": {"type": "string"}}}},
    }
    t = Tool.from_schema("order", "Order an item.", schema)
    assert t.parameters["title"] == "Args"  # an author's title is kept
    assert t.parameters["properties"]["item"] == {"type": "object", "properties": {"sku": {"type": "string"}}}
    assert "definitions" not in t.parameters
    assert t.spec()["function"]["description"] == "Order an item."
    assert schema["properties"]["item"] == {"$ref": "#/definitions/Item"}  # the caller's dict is untouched


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"type": "array"}, "must describe an object"),
        ({"type": "object", "properties": {"a": {"type": "intger"}}}, "not a valid JSON schema"),
        ({"type": "object", "required": "a"}, "not a valid JSON schema"),
    ],
)
def test_invalid_raw_schema_is_a_config_error(schema: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Tool.from_schema("bad", "Bad.", schema)


def test_draft7_schema_is_checked_as_draft7() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {}}
    t = Tool.from_schema("d7", "Draft 7.", schema)
    assert t.validate({}) == {}


def test_field_as_default_keeps_constraints_and_requiredness() -> None:
    def f(a: int = Field(3, ge=1), b: str = Field(min_length=2)) -> None:
        """F."""

    t = Tool.from_function(f)
    assert t.parameters["required"] == ["b"]
    assert t.parameters["properties"]["a"] == {"type": "integer", "default": 3, "minimum": 1}
    assert t.parameters["properties"]["b"]["minLength"] == 2
    assert t.validate({"b": "xy"}) == {"b": "xy"}
    with pytest.raises(ToolArgumentsError, match="greater than or equal to 1"):
        t.validate({"a": 0, "b": "xy"})
