"""Live toolsets (an MCP server's): included, not copied; listed as they are at each request;
started and stopped by `running()`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from tools import ConfigError, Tool, Toolset


def tool(name: str) -> Tool:
    return Tool.from_schema(name, f"The {name} tool.", {"type": "object"}, handler=lambda: name)


class Live(Toolset):
    """A toolset whose tools change while it runs, as an MCP server's do."""

    live = True

    def __init__(self, *names: str) -> None:
        super().__init__()
        self.log: list[str] = []
        self.relist(*names)

    def relist(self, *names: str) -> None:
        self._own = {n: tool(n) for n in names}
        self._version += 1

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Toolset]:
        self.log.append("start")
        try:
            yield self
        finally:
            self.log.append("stop")


def mine() -> str:
    """Mine."""
    return "mine"


def test_a_live_toolset_is_included_and_listed_as_it_is_now() -> None:
    live = Live("a", "b")
    ts = Toolset([mine, live])
    assert ts.names == ["mine", "a", "b"] and "a" in ts and len(ts) == 3
    live.relist("a", "c")
    assert ts.names == ["mine", "a", "c"] and ts.get("b") is None
    assert [s["function"]["name"] for s in ts.specs()] == ["mine", "a", "c"]
    live.relist("mine")
    with pytest.raises(ConfigError, match=r"Duplicate tool name 'mine'.*prefix"):
        ts.specs()


def test_merge_keeps_live_toolsets_live_and_include_takes_only_them() -> None:
    live = Live("a")
    merged = live + Toolset([mine])
    live.relist("a", "z")
    assert merged.names == ["mine", "a", "z"]
    with pytest.raises(ConfigError, match="takes a live toolset"):
        Toolset().include(Toolset([mine]))
    with pytest.raises(ConfigError, match="included already"):
        merged.include(live)
    with pytest.raises(ConfigError, match="include a live one"):
        Toolset().add(live)  # type: ignore[arg-type]


async def test_running_starts_and_stops_the_live_parts_also_on_error() -> None:
    one, two = Live("a"), Live("b")
    ts = Toolset([one, two])
    seen: list[list[str]] = []

    async def fail_inside() -> None:
        async with ts.running():
            seen.extend([list(one.log), list(two.log)])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_inside()
    assert seen == [["start"], ["start"]] and one.log == two.log == ["start", "stop"]
    async with Toolset([mine]).running() as plain:  # nothing to start
        assert plain.names == ["mine"]
