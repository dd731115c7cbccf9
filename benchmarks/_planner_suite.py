"""The planner benchmark's tasks: fan-outs, chains and sequential tasks, each with two gold runs.

Kinds:
- fan-out: N independent lookups, then a summary. ReAct makes all N calls in one response;
  the plan has N steps with no dependencies.
- chain: each call's argument is a field of the previous call's result. ReAct needs one model
  turn per call (it must see the result); the plan writes the later arguments as references
  (`{"$ref": "s1.user_id"}`), so one plan covers the chain.
- sequential: each result is prose that names the next call's argument, so only a model that has
  read it can write the call. ReAct and the plan both need one model turn per call: the gold plan
  is one round (a one-step plan) per call, the replanning the plan strategy will do.

The tools are local functions over fixed tables that sleep `latency_s` (a network call); the gold
arguments are read from the same tables, so a gold run's calls succeed only if they are right.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tools import Tool, Toolset

Kind = Literal["fan-out", "chain", "sequential"]
KINDS: tuple[Kind, ...] = ("fan-out", "chain", "sequential")

GoldCall = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Task:
    """One task: the prompt, the gold ReAct steps (calls per response) and the gold plan rounds."""

    name: str
    kind: Kind
    prompt: str
    react: list[list[GoldCall]]
    plan: list[dict[str, Any]]  # each round: {"steps": [...]} as SPEC-plan.md's plan JSON
    answer: str

    @property
    def calls(self) -> int:
        return sum(len(step) for step in self.react)

    def plan_text(self, round_: int) -> str:
        return json.dumps(self.plan[round_])


_CITIES = {
    "Paris": (14, "cloudy"),
    "Lisbon": (21, "sunny"),
    "Oslo": (3, "snow"),
    "Cairo": (29, "sunny"),
    "Lima": (18, "fog"),
    "Hanoi": (27, "rain"),
    "Quito": (13, "rain"),
    "Perth": (24, "sunny"),
}
_PRICES = {"ACME": 101.5, "GLOBEX": 48.2, "INITECH": 12.9, "UMBRELLA": 330.0, "HOOLI": 77.7}
_USERS = {"ada@example.com": "u-17", "alan@example.com": "u-42"}
_ACCOUNTS = {"u-17": "acct-903", "u-42": "acct-118"}
_ORDERS = {"acct-903": ["ord-5561", "ord-5570"], "acct-118": ["ord-7002"]}
_SHIPMENTS = {"ord-5561": "trk-AX81", "ord-5570": "trk-BQ20", "ord-7002": "trk-ZZ05"}
_TRACKING = {"trk-AX81": "delivered", "trk-BQ20": "in transit, due Friday", "trk-ZZ05": "at depot"}
# A trail of pages: each names the next page in prose, as a search result or a wiki page would.
_PAGES = {
    "start": "The archive index lists the 1998 records under the folder called ledger-north.",
    "ledger-north": "Ledger North was split; the shipping entries moved to the page named freight-98.",
    "freight-98": "Freight 98 says the March manifest is kept on the page manifest-march.",
    "manifest-march": "Manifest March: 42 crates of tin, signed by the harbour master, see signoff-hm.",
    "signoff-hm": "Signed off by harbour master R. Okafor on 14 March 1998.",
    "atlas": "The atlas points to the chart named reef-east for the eastern reef.",
    "reef-east": "Reef East: depth 12 m at the marker buoy; details on the page buoy-7.",
    "buoy-7": "Buoy 7 was last serviced in 2021.",
}


def _missing(what: str, key: str, table: dict[str, Any]) -> ValueError:
    return ValueError(f"no {what} {key!r}; known: {', '.join(sorted(table))}")


def make_toolset(latency_s: float) -> Toolset:
    """The suite's tools, each sleeping `latency_s` per call."""

    async def get_weather(city: str) -> dict[str, Any]:
        """Current weather of a city."""
        await asyncio.sleep(latency_s)
        if city not in _CITIES:
            raise _missing("city", city, _CITIES)
        temp, sky = _CITIES[city]
        return {"city": city, "temp_c": temp, "sky": sky}

    async def get_price(ticker: str) -> dict[str, Any]:
        """Last traded price of a stock ticker."""
        await asyncio.sleep(latency_s)
        if ticker not in _PRICES:
            raise _missing("ticker", ticker, _PRICES)
        return {"ticker": ticker, "price": _PRICES[ticker]}

    async def find_user(email: str) -> dict[str, Any]:
        """The user id of an email address."""
        await asyncio.sleep(latency_s)
        if email not in _USERS:
            raise _missing("user", email, _USERS)
        return {"user_id": _USERS[email]}

    async def get_account(user_id: str) -> dict[str, Any]:
        """The account of a user."""
        await asyncio.sleep(latency_s)
        if user_id not in _ACCOUNTS:
            raise _missing("user id", user_id, _ACCOUNTS)
        return {"account": {"id": _ACCOUNTS[user_id], "currency": "EUR"}}

    async def list_orders(account_id: str) -> dict[str, Any]:
        """The orders of an account, newest last."""
        await asyncio.sleep(latency_s)
        if account_id not in _ORDERS:
            raise _missing("account", account_id, _ORDERS)
        return {"orders": [{"id": o} for o in _ORDERS[account_id]]}

    async def get_shipment(order_id: str) -> dict[str, Any]:
        """The shipment of an order."""
        await asyncio.sleep(latency_s)
        if order_id not in _SHIPMENTS:
            raise _missing("order", order_id, _SHIPMENTS)
        return {"tracking_id": _SHIPMENTS[order_id]}

    async def track(tracking_id: str) -> dict[str, Any]:
        """The delivery status of a tracking id."""
        await asyncio.sleep(latency_s)
        if tracking_id not in _TRACKING:
            raise _missing("tracking id", tracking_id, _TRACKING)
        return {"status": _TRACKING[tracking_id]}

    async def read_page(page: str) -> dict[str, Any]:
        """The text of an archive page."""
        await asyncio.sleep(latency_s)
        if page not in _PAGES:
            raise _missing("page", page, _PAGES)
        return {"text": _PAGES[page]}

    fns: list[Callable[..., Any]] = [
        get_weather,
        get_price,
        find_user,
        get_account,
        list_orders,
        get_shipment,
        track,
        read_page,
    ]
    return Toolset([Tool.from_function(f) for f in fns], max_concurrency=16)


def _step(i: int, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    # No "deps": the schema makes it optional, and the gold steps' dependencies are all refs.
    return {"id": f"s{i}", "tool": tool, "args": args}


def _fan_out(name: str, tool: str, arg: str, keys: list[str], prompt: str, answer: str) -> Task:
    calls: list[GoldCall] = [(tool, {arg: k}) for k in keys]
    steps = [_step(i + 1, tool, {arg: k}) for i, k in enumerate(keys)]
    return Task(name, "fan-out", prompt, [calls], [{"steps": steps}], answer)


def _ref(step: int, path: str) -> dict[str, Any]:
    return {"$ref": f"s{step}.{path}"}


def _order_chain(name: str, email: str, depth: int, answer: str) -> Task:
    """find_user -> get_account -> list_orders -> get_shipment -> track, cut to `depth` calls."""
    user = _USERS[email]
    account = _ACCOUNTS[user]
    order = _ORDERS[account][-1]
    tracking = _SHIPMENTS[order]
    last = len(_ORDERS[account]) - 1
    # (tool, argument name, the value ReAct reads from the last result, the plan's reference)
    chain: list[tuple[str, str, str, Any]] = [
        ("find_user", "email", email, email),
        ("get_account", "user_id", user, _ref(1, "user_id")),
        ("list_orders", "account_id", account, _ref(2, "account.id")),
        ("get_shipment", "order_id", order, _ref(3, f"orders.{last}.id")),
        ("track", "tracking_id", tracking, _ref(4, "tracking_id")),
    ][:depth]
    react: list[list[GoldCall]] = [[(tool, {arg: value})] for tool, arg, value, _ in chain]
    steps = [_step(i + 1, tool, {arg: ref}) for i, (tool, arg, _, ref) in enumerate(chain)]
    prompt = f"Where is the latest order of {email}? Look it up step by step with the tools."
    return Task(name, "chain", prompt, react, [{"steps": steps}], answer)


def _trail(name: str, pages: list[str], question: str, answer: str) -> Task:
    calls: list[GoldCall] = [("read_page", {"page": p}) for p in pages]
    # One round per page: the next page's name is only in the prose of the last result.
    rounds = [{"steps": [_step(i + 1, "read_page", {"page": p})]} for i, p in enumerate(pages)]
    return Task(name, "sequential", question, [[c] for c in calls], rounds, answer)


def suite() -> list[Task]:
    """Nine tasks, three of each kind."""
    cities = list(_CITIES)
    tickers = list(_PRICES)
    return [
        _fan_out(
            "weather-3",
            "get_weather",
            "city",
            cities[:3],
            "What is the weather in Paris, Lisbon and Oslo? Summarise in one line each.",
            "Paris 14 °C cloudy; Lisbon 21 °C sunny; Oslo 3 °C with snow.",
        ),
        _fan_out(
            "weather-8",
            "get_weather",
            "city",
            cities,
            "Compare the weather in " + ", ".join(cities) + ". Which is warmest?",
            "Warmest: Cairo at 29 °C, then Hanoi 27 and Perth 24; coldest Oslo at 3 °C with snow.",
        ),
        _fan_out(
            "prices-5",
            "get_price",
            "ticker",
            tickers,
            "Give me the prices of " + ", ".join(tickers) + ", highest first.",
            "UMBRELLA 330.0, ACME 101.5, HOOLI 77.7, GLOBEX 48.2, INITECH 12.9.",
        ),
        _order_chain(
            "order-status-5", "ada@example.com", 5, "Ada's latest order ord-5570 is in transit, due Friday."
        ),
        _order_chain(
            "order-status-alan", "alan@example.com", 5, "Alan's latest order ord-7002 is at the depot."
        ),
        _order_chain(
            "latest-order-4", "ada@example.com", 4, "Ada's latest order ord-5570 ships as trk-BQ20."
        ),
        _trail(
            "archive-5",
            ["start", "ledger-north", "freight-98", "manifest-march", "signoff-hm"],
            "Who signed off the March 1998 manifest? Start from the archive page 'start' and follow it.",
            "Harbour master R. Okafor signed it off on 14 March 1998.",
        ),
        _trail(
            "archive-3",
            ["start", "ledger-north", "freight-98"],
            "Where did the 1998 shipping entries go? Start from the archive page 'start'.",
            "To the page freight-98, which points to manifest-march for March.",
        ),
        _trail(
            "reef-3",
            ["atlas", "reef-east", "buoy-7"],
            "When was the eastern reef's marker buoy last serviced? Start from the page 'atlas'.",
            "Buoy 7 at the eastern reef was last serviced in 2021.",
        ),
    ]
