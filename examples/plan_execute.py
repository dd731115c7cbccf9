"""Plan and execute: questions over a small SQLite sales database, answered by a plan of tool calls,
and a report file written by one of its steps.

    python examples/plan_execute.py [--base-url http://127.0.0.1:8000/v1] [--model NAME]
                                    [--out DIR] [--question TEXT] [--seed N]

The script creates `sales.db` in --out (default: a fresh temporary folder, printed): a table of
sales by region, year and product, and a table of the regions' managers. The agent has a
`Planner`, so the model writes the whole plan first, as JSON constrained by the server to the
tools' schemas: list the tables, look totals up, compute a change from two earlier results
(`{"$ref": "s3.total"}`, resolved by the executor, not by the model), write the report. Each
step starts as soon as its part of the plan has streamed in and the steps it needs are done.
The script prints each step as it is planned, started and finished, the whole plan with every
step's outcome, and the answer.

The report goes into --out only: `write_report` takes a bare file name ending in `.md`, and
refuses any other (a path, `..`, a symlink out of the folder).

On the offline default (Gemma 3 270M *base* weights, or the tiny random Gemma 4 of the tests)
the model cannot reason: the schema keeps its plan well-formed (every step a real tool with
well-typed arguments), but which tools it picks and in what order are its own, and a step it
wires wrongly fails with a reason. The script says so when it runs on such a model. On those
models it also adds a logit bias on the tokens that close a JSON string (--string-bias): the
plan schema leaves some strings unbounded (a reference's path, a sub-goal), and such weights,
under the schema alone, often write one until max_tokens cuts the plan.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict

import httpx
from pydantic import Field

from agents import Agent, ModelSettings, OpenAIChatModel, RunContext, UsageLimits
from agents.errors import AgentsError
from agents.events import PlanStepFinished, PlanStepPlanned, PlanStepStarted, RunFinished, StepStarted
from agents.models.base import ModelRequest, ModelResponse, StreamItem
from agents.plan import Planner, Step
from tools import tool

Region = Literal["north", "south", "east", "west"]
Year = Literal[2024, 2025]
Table = Literal["sales", "managers"]
# Bounded strings: a small model under a schema would otherwise write one until max_tokens.
ReportName = Annotated[str, Field(min_length=4, max_length=32)]
Line = Annotated[str, Field(max_length=80)]

QUESTION = (
    "Which region sold the most in 2025, and by how many percent did the north's sales change from "
    "2024 to 2025? Write a short report file."
)
INSTRUCTIONS = (
    "You answer questions about the company's sales from its SQLite database, with the tools only. "
    "Compute with percent_change instead of by hand, and write the report with write_report."
)
_SALES = {  # (region, year): amounts of (mugs, caps, shirts)
    ("north", 2024): (120.0, 80.0, 200.0),
    ("north", 2025): (150.0, 95.0, 230.0),
    ("south", 2024): (210.0, 60.0, 140.0),
    ("south", 2025): (190.0, 75.0, 160.0),
    ("east", 2024): (90.0, 40.0, 110.0),
    ("east", 2025): (130.0, 70.0, 150.0),
    ("west", 2024): (300.0, 20.0, 90.0),
    ("west", 2025): (310.0, 25.0, 100.0),
}
_MANAGERS = {"north": "Ingrid", "south": "Ana", "east": "Mei", "west": "Tom"}
_SHOWN = 100  # characters of a step's result or error on its line


class PathRefused(ValueError):
    """A report file name that would leave the report folder."""


@dataclass(frozen=True)
class Desk:
    """What the tools work on: the database file and the folder the report may go into."""

    db: Path
    out: Path

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """The rows of one parameterised query, on a read-only connection (nothing a tool does can
        change the data), closed at once."""
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)) as db:
            return db.execute(sql, params).fetchall()


def make_database(path: Path) -> None:
    """Create the sales database at `path` (replacing one already there)."""
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE sales (region TEXT, year INTEGER, product TEXT, amount REAL)")
        db.execute("CREATE TABLE managers (region TEXT PRIMARY KEY, manager TEXT)")
        db.executemany(
            "INSERT INTO sales VALUES (?, ?, ?, ?)",
            [
                (region, year, product, amount)
                for (region, year), amounts in _SALES.items()
                for product, amount in zip(("mugs", "caps", "shirts"), amounts, strict=True)
            ],
        )
        db.executemany("INSERT INTO managers VALUES (?, ?)", list(_MANAGERS.items()))


def report_path(out: Path, name: str) -> Path:
    """Where the report `name` goes in `out`; `PathRefused` for anything but a plain `*.md` name there."""
    if not name.endswith(".md") or name.startswith("."):
        raise PathRefused(f"Refused report name {name!r}: expected a plain file name ending in .md.")
    if Path(name).name != name or "/" in name or "\\" in name or "\0" in name:
        raise PathRefused(f"Refused report name {name!r}: a bare file name, without folders, is expected.")
    folder = out.resolve()
    target = (folder / name).resolve()  # follows a symlink planted in the folder
    if target.parent != folder:
        raise PathRefused(f"Refused report name {name!r}: it leads out of the report folder {folder}.")
    return target


class RegionTotal(TypedDict):
    region: Region
    year: Year
    total: float


@tool(effect="read_only")
def list_tables(ctx: RunContext[Desk]) -> list[str]:
    """The names of the database's tables."""
    rows = ctx.deps.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [name for (name,) in rows]


@tool(effect="read_only")
def describe_table(ctx: RunContext[Desk], table: Table) -> list[str]:
    """The columns of a table, as "name type".

    Args:
        table: The table.
    """
    rows = ctx.deps.query("SELECT name, type FROM pragma_table_info(?)", (table,))
    return [f"{name} {kind}" for name, kind in rows]


@tool(effect="read_only")
def sales_by_region(ctx: RunContext[Desk], year: Year) -> list[RegionTotal]:
    """Total sales of every region in a year, the largest first.

    Args:
        year: The year.
    """
    rows = ctx.deps.query(
        "SELECT region, SUM(amount) AS total FROM sales WHERE year = ? GROUP BY region ORDER BY total DESC",
        (year,),
    )
    return [RegionTotal(region=region, year=year, total=total) for region, total in rows]


@tool(effect="read_only")
def region_total(ctx: RunContext[Desk], region: Region, year: Year) -> RegionTotal:
    """Total sales of one region in a year.

    Args:
        region: The region.
        year: The year.
    """
    [(total,)] = ctx.deps.query(
        "SELECT COALESCE(SUM(amount), 0) FROM sales WHERE region = ? AND year = ?", (region, year)
    )
    return RegionTotal(region=region, year=year, total=total)


@tool(effect="read_only")
def percent_change(before: float, after: float) -> float:
    """The change from `before` to `after`, in percent of `before`, to one decimal.

    Args:
        before: The earlier value.
        after: The later value.
    """
    if before == 0:
        raise ValueError("before is 0: a change from nothing has no percentage.")
    return round(100 * (after - before) / before, 1)


@tool(effect="idempotent")
def write_report(ctx: RunContext[Desk], filename: ReportName, title: Line, lines: list[Line]) -> str:
    """Write a short Markdown report file (a plain name like 'sales.md'); returns its path.

    Args:
        filename: The file name, ending in .md.
        title: The report's title.
        lines: The report's lines (facts, one a line).
    """
    path = report_path(ctx.deps.out, filename)
    body = "\n".join([f"# {title}", "", *(f"- {line}" for line in lines)]) + "\n"
    path.write_text(body, encoding="utf-8")  # same content, same file: writing twice changes nothing
    return str(path)


TOOLS = [list_tables, describe_table, sales_by_region, region_total, percent_change, write_report]


def offline_note(model_name: str) -> str | None:
    """What to say when the server runs one of the project's offline models, else None."""
    if model_name == "gemma3-270m":
        return (
            "this is the offline fallback, Gemma 3 270M *base* weights in the Gemma 4 format (no Gemma 4 "
            "weights could be had here): it cannot reason, so read its plan as a protocol check. The "
            "schema keeps the plan valid; the choice of tools and arguments is the model's own."
        )
    if model_name == "tiny":
        return (
            "this is the tiny *random* Gemma 4 network of the tests: its plan is valid by construction "
            "and meaningless otherwise."
        )
    return None


async def string_end_bias(model: OpenAIChatModel, strength: float) -> dict[int, float]:
    """A logit bias of `strength` on the served model's tokens that close a JSON string.

    The tokens are asked of the server (vLLM's `POST /tokenize`), so no tokenizer is assumed.
    """
    bias: dict[int, float] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for text in ('"', '",', '"}', '"]'):
            body = {"model": model.name, "prompt": text, "add_special_tokens": False}
            response = await client.post(f"{model.base_url.removesuffix('/v1')}/tokenize", json=body)
            response.raise_for_status()
            tokens = response.json()["tokens"]
            if len(tokens) == 1:  # a longer encoding is not one choice the bias could favour
                bias[int(tokens[0])] = strength
    return bias


class NudgedModel(OpenAIChatModel):
    """The HTTP client, adding a logit bias to the requests that must follow a JSON schema (the
    plan, a joiner's decision); free-text requests (the answer) go out as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bias: dict[int, float] = {}

    def _nudged(self, request: ModelRequest) -> ModelRequest:
        if not self.bias or request.output_schema is None:
            return request
        return replace(request, settings=request.settings.merged(ModelSettings(logit_bias=self.bias)))

    async def request(self, request: ModelRequest) -> ModelResponse:
        return await super().request(self._nudged(request))

    def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        return super().stream(self._nudged(request))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def describe(step: Step) -> str:
    """A step as one line: `s3 percent_change(before=$s1.total, after=$s2.total) after s1, s2`."""
    args = step.model_dump(mode="json")["args"]
    shown = ", ".join(
        f"{k}=${v['$ref']}" if isinstance(v, dict) and set(v) == {"$ref"} else f"{k}={_short(v)}"
        for k, v in args.items()
    )
    head = f"{step.id} {step.tool}({shown})" if step.tool is not None else f"{step.id} goal: {step.goal}"
    return head + (f" after {', '.join(step.needs)}" if step.needs else "")


async def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:8000/v1", help="the server")
    ap.add_argument("--model", default=None, help="served model name (default: the server's first)")
    ap.add_argument("--out", type=Path, default=None, help="folder for the database and the report")
    ap.add_argument("--question", default=QUESTION)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-tokens", type=int, default=512, help="per model response (a plan needs room)")
    ap.add_argument(
        "--string-bias",
        type=float,
        default=None,
        help="logit bias on the tokens that close a JSON string (default: 8 on the offline models, else 0)",
    )
    args = ap.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="plan-execute-"))
    out.mkdir(parents=True, exist_ok=True)
    desk = Desk(db=out / "sales.db", out=out)
    make_database(desk.db)
    try:
        model = (
            NudgedModel(args.model, base_url=args.base_url)
            if args.model
            else await NudgedModel.from_server(args.base_url)
        )
    except AgentsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    note = offline_note(model.name)
    strength = args.string_bias if args.string_bias is not None else (8.0 if note else 0.0)
    assert isinstance(model, NudgedModel)
    try:
        model.bias = await string_end_bias(model, strength) if strength else {}
    except httpx.HTTPError as e:
        print(f"error: could not ask {model.base_url} for its tokens (/tokenize): {e}", file=sys.stderr)
        return 1
    agent = Agent(
        model,
        tools=TOOLS,
        instructions=INSTRUCTIONS,
        planner=Planner(max_steps=8, max_replans=1),
        settings=ModelSettings(temperature=0.0, seed=args.seed, max_tokens=args.max_tokens),
        limits=UsageLimits(max_steps=6),
    )
    print(f"model:    {model.name} at {model.base_url}")
    if note:
        print(f"note:     {note}")
    if model.bias:
        print(
            f"nudge:    logit bias {strength:g} on the {len(model.bias)} tokens that close a JSON string, "
            "in the plan's requests"
        )
    print(f"database: {desk.db} (tables managers, sales)")
    print(f"question: {args.question}")
    plans: dict[int, dict[str, Step]] = {}  # model request -> the steps of the plan it wrote
    planned_in: dict[str, int] = {}  # step id -> the request whose plan has it (a revision reuses ids)
    request = 0
    answer: Any = None
    try:
        async with agent.run_stream(args.question, deps=desk) as stream:
            async for event in stream:
                if isinstance(event, StepStarted):
                    request = event.step
                elif isinstance(event, PlanStepPlanned):
                    planned_in[event.step.id] = request
                    plans.setdefault(request, {})[event.step.id] = event.step
                    print(f"planned:  {describe(event.step)}")
                elif isinstance(event, PlanStepStarted):
                    print(f"started:  {event.step.id} {event.step.tool or 'goal'}")
                elif isinstance(event, PlanStepFinished):
                    s = event.step
                    plans.setdefault(planned_in.get(s.id, request), {})[s.id] = s
                    outcome = _short(s.result) if s.status == "done" else s.error or ""
                    print(f"finished: {s.id} {s.status}: {outcome}")
                elif isinstance(event, RunFinished):
                    answer = event.output
    except AgentsError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        await model.aclose()
    for number, steps in plans.items():
        print(f"plan (model request {number}):")
        for s in steps.values():
            print(f"  {describe(s)} -> {s.status}")
    print(f"answer:   {answer}")
    reports = sorted(p.name for p in out.glob("*.md"))
    print(f"reports:  {', '.join(reports) if reports else 'none written'} (in {out})")
    u = stream.result.usage
    print(f"usage:    {u.requests} requests, {u.input_tokens} prompt + {u.output_tokens} completion tokens")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
