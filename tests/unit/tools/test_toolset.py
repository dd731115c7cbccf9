"""The registry: names, duplicates, decorators, objects' methods, merging, and the public surface."""

from __future__ import annotations

from typing import Any

import pytest

import tools
from tools import ConfigError, RunContext, Tool, ToolCall, Toolset, tool


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def mul(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@pytest.mark.parametrize("name", ["", "1st", "has space", "a/b", "x" * 65, "émoji", "<lambda>"])
def test_bad_names_are_config_errors(name: str) -> None:
    with pytest.raises(ConfigError, match=r"Invalid tool name .*\^\[a-zA-Z_\]"):
        Tool.from_function(add, name=name)


@pytest.mark.parametrize("name", ["a", "_x", "get_weather", "fs.read-file", "A" * 64])
def test_good_names(name: str) -> None:
    assert Tool.from_function(add, name=name).name == name


def test_lambda_needs_a_name() -> None:
    with pytest.raises(ConfigError, match="Invalid tool name '<lambda>'"):
        Tool.from_function(lambda x: x)
    assert Tool.from_function(lambda x: x, name="echo").name == "echo"


def test_duplicates_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="Duplicate tool name 'add'"):
        Toolset([add, Tool.from_function(mul, name="add")])
    toolset = Toolset([add])
    with pytest.raises(ConfigError, match="Duplicate"):
        toolset.add(add)
    with pytest.raises(ConfigError, match="Duplicate"):
        _ = toolset + Toolset([add])


def test_registry_protocol() -> None:
    toolset = Toolset([add])

    @toolset.tool
    def sub(a: int, b: int) -> int:
        """Subtract."""
        return a - b

    @toolset.tool(name="divide", timeout=3)
    def div(a: float, b: float) -> float:
        """Divide."""
        return a / b

    made = toolset.add(mul)
    assert isinstance(sub, Tool) and isinstance(made, Tool)
    assert toolset.names == ["add", "sub", "divide", "mul"]
    assert len(toolset) == 4 and "divide" in toolset and "div" not in toolset
    assert [t.name for t in toolset] == toolset.names
    assert toolset.get("divide") is div and div.timeout == 3
    assert toolset.get("nope") is None
    assert [s["function"]["name"] for s in toolset.specs()] == toolset.names
    assert sub(5, 2) == 3  # still callable as the function


def test_merge_keeps_left_options() -> None:
    left = Toolset([add], max_retries=4, max_concurrency=2)
    merged = left + Toolset([mul])
    assert merged.names == ["add", "mul"]
    assert (merged.max_retries, merged.max_concurrency) == (4, 2)
    assert left.merge().names == ["add"] and left.names == ["add"]


@pytest.mark.parametrize(
    "options",
    [{"max_concurrency": 0}, {"default_timeout": 0}, {"max_retries": -1}, {"max_retries_per_run": -1}],
)
def test_bad_toolset_options(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Toolset(**options)


def test_bad_tool_options() -> None:
    with pytest.raises(ConfigError, match="timeout"):
        Tool.from_function(add, timeout=-1)
    with pytest.raises(ConfigError, match="max_retries"):
        Tool.from_function(add, max_retries=-1)


class Shop:
    """A stateful environment, as evals use."""

    def __init__(self) -> None:
        self.cart: list[str] = []

    def add_item(self, item: str) -> list[str]:
        """Put an item in the cart."""
        self.cart.append(item)
        return self.cart

    def checkout(self, ctx: RunContext[str]) -> str:
        """Pay for the cart."""
        return f"{ctx.deps} paid for {len(self.cart)} items"

    def _secret(self) -> None:
        """Private: not a tool."""

    @property
    def size(self) -> int:
        raise AssertionError("properties must not be read")


class BigShop(Shop):
    def empty(self) -> None:
        """Empty the cart."""
        self.cart.clear()

    def add_item(self, item: str) -> list[str]:
        """Put an item in the cart, loudly."""
        return super().add_item(item.upper())


async def test_from_object_uses_bound_methods_and_shares_state() -> None:
    shop = BigShop()
    toolset = Toolset.from_object(shop, max_retries=1)
    assert toolset.names == ["add_item", "checkout", "empty"]
    assert toolset.max_retries == 1
    assert toolset.get("add_item").description == "Put an item in the cart, loudly."  # type: ignore[union-attr]
    assert toolset.get("checkout").takes_ctx  # type: ignore[union-attr]
    calls = [ToolCall("1", "add_item", {"item": "tea"})]
    await toolset.run_calls(calls, RunContext(deps="ann"))
    results = await toolset.run_calls([ToolCall("2", "checkout", {})], RunContext(deps="ann"))
    assert shop.cart == ["TEA"]
    assert results[0].content == "ann paid for 1 items"


def test_unbound_method_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="bound method"):
        Tool.from_function(Shop.add_item)


def test_from_object_include() -> None:
    toolset = Toolset.from_object(Shop(), include=["checkout", "add_item"])
    assert toolset.names == ["checkout", "add_item"]
    with pytest.raises(ConfigError, match=r"no public methods \['_secret'\]"):
        Toolset.from_object(Shop(), include=["_secret"])


def test_toolset_add_rejects_a_toolset() -> None:
    with pytest.raises(ConfigError, match="merge"):
        Toolset().add(Toolset())  # type: ignore[arg-type]


def test_public_surface() -> None:
    for name in ("tool", "Tool", "Toolset", "RunContext", "ToolCall", "ToolResult", "ModelRetry"):
        assert name in tools.__all__
    for name in tools.__all__:
        assert getattr(tools, name) is not None
    assert issubclass(tools.ToolRetriesExceeded, tools.AgentsError)
    assert tool is tools.tool
