"""Our environments: behaviour, clear errors, and their methods as tools."""

from __future__ import annotations

import pytest

from evals.envs import FileSystem, Office, Shop, make_env
from evals.envs.registry import default_snapshot
from evals.tasks import EnvSpec
from tools import Toolset
from tools.errors import ConfigError


def test_file_system() -> None:
    fs = FileSystem(files={"/a/b.txt": "hi"}, dirs=["/empty"])
    assert fs.list_dir("/") == ["a/", "empty/"]
    fs.move_file("a/b.txt", "/empty")
    assert fs.read_file("/empty/b.txt") == "hi"
    fs.append_file("/empty/b.txt", "!")
    assert fs.search_files("HI!") == ["/empty/b.txt"]
    assert fs.file_info("/empty/b.txt") == {"characters": 3, "lines": 1, "words": 1}
    with pytest.raises(ValueError, match=r"No file /a/b\.txt"):
        fs.read_file("/a/b.txt")
    with pytest.raises(ValueError, match="is a directory"):
        fs.write_file("/empty", "x")


def test_office_rejects_overlaps_and_bad_input() -> None:
    office = Office(events={"e1": {"title": "A", "date": "2026-03-10", "start": "09:00", "end": "10:00"}})
    with pytest.raises(ValueError, match="overlaps e1"):
        office.create_event("B", "2026-03-10", "09:30", "10:30")
    with pytest.raises(ValueError, match="HH:MM"):
        office.create_event("B", "2026-03-10", "9am", "10:30")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        office.list_events("March 10")
    assert office.find_free_slot("2026-03-10", 30) == "10:00-10:30"
    assert office.create_event("B", "2026-03-10", "10:00", "10:30") == "e2"
    with pytest.raises(ValueError, match="not an email address"):
        office.send_email("Ana", "s", "b")


def test_shop_stock_follows_orders() -> None:
    shop = Shop(products={"M": {"name": "Mug", "price": 2.5, "stock": 3}})
    order_id = shop.create_order("Ann", {"M": 2})
    assert order_id == "1001" and shop.get_product("M")["stock"] == 1
    with pytest.raises(ValueError, match="Only 1 of M in stock"):
        shop.add_item(order_id, "M", 2)
    assert shop.get_order(order_id)["total"] == 5.0
    shop.cancel_order(order_id)
    assert shop.get_product("M")["stock"] == 3
    with pytest.raises(ValueError, match="is cancelled; this needs a pending order"):
        shop.ship_order(order_id)


@pytest.mark.parametrize("env", [FileSystem(), Office(), Shop()])
def test_public_methods_become_described_tools(env: object) -> None:
    toolset = Toolset.from_object(env)
    assert len(toolset) >= 8
    for spec in toolset.specs():
        fn = spec["function"]
        assert fn["description"], fn["name"]
        for name, prop in fn["parameters"].get("properties", {}).items():
            assert prop.get("description"), f"{fn['name']}.{name} has no description"


def test_make_env_is_fresh_and_snapshots() -> None:
    spec = EnvSpec(name="shop", state={"products": {"M": {"name": "Mug", "price": 1.0, "stock": 1}}})
    env, snapshot = make_env(spec)
    assert isinstance(env, Shop)
    env.restock("M", 4)
    assert snapshot(env)["products"]["M"]["stock"] == 5
    assert spec.state["products"]["M"]["stock"] == 1  # the task's initial state is untouched
    by_path, _ = make_env(EnvSpec(name="evals.envs.files:FileSystem", state={"files": {"/x": "y"}}))
    assert isinstance(by_path, FileSystem)


def test_make_env_errors() -> None:
    with pytest.raises(ConfigError, match="Unknown environment 'nope'"):
        make_env(EnvSpec(name="nope"))
    with pytest.raises(ConfigError, match="rejected its initial state"):
        make_env(EnvSpec(name="shop", state={"unknown": 1}))


def test_default_snapshot_copies_public_attributes() -> None:
    class Env:
        def __init__(self) -> None:
            self.items = [1]
            self._secret = 2

    env = Env()
    snap = default_snapshot(env)
    env.items.append(2)
    assert snap == {"items": [1]}
