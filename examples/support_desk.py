"""A support desk on a store: a conversation kept across runs, a refund that waits for a person,
and a run that finishes after its process was killed.

    python examples/support_desk.py [--base-url http://127.0.0.1:8000/v1] [--model NAME]
                                    [--store PATH] [--edit-amount EUR]

Three parts, one after the other, on one SQLite store (a fresh file in a temporary folder unless
--store names one; its path is printed):

1. Sessions: two turns on the session "ticket-42"; the second run loads the first from the store.
2. Approval: `refund` requires approval, so the run stops with status "waiting". A new Store and a
   new Agent (as another process would have) approve the call, or change its amount with
   --edit-amount, and resume the run, which makes the refund.
3. Crash: a child process (this script again) starts a run whose `send_replacement` tool kills
   the process with SIGKILL right after its effect. This process resumes the run by its id: the
   idempotent tool runs again with the same idempotency key, and the ledger, keyed by it, records
   the replacement once.

The tools act on a small ledger (a JSON file beside the store), one entry per idempotency key.
On the offline default (Gemma 3 270M *base* weights, or the tiny random Gemma 4 of the tests)
the model cannot reason. So each run that needs a tool forces it (tool_choice=<tool name>): the
model fills in the arguments under the Gemma 4 grammar, which keeps them valid; every other step
asks for words (tool_choice="none"). What the model says is printed as it is, and the script's
course never depends on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from agents import Agent, ModelRetry, ModelSettings, OpenAIChatModel, RunContext, UsageLimits
from agents.errors import AgentsError
from agents.memory import Approve, Decision, Edit, Store
from agents.messages import SystemMessage, UserMessage
from tools import Tool, tool

OrderId = Literal["A-1042", "A-1043"]
Euros = Annotated[float, Field(gt=0, le=100)]  # bounded: the grammar keeps the number short
ORDERS: dict[str, tuple[str, float]] = {"A-1042": ("two mugs", 18.0), "A-1043": ("a cap", 12.5)}
INSTRUCTIONS = (
    "You are the support desk of a small shop. Orders: A-1042 (two mugs, 18.00 EUR) and "
    "A-1043 (a cap, 12.50 EUR). Refunds need a person's approval. Answer in one or two sentences."
)
CHILD_TIMEOUT_S = 120
SCRIPT = Path(__file__).resolve()  # part 3 runs this file again as the child that is killed


class Ledger:
    """What the desk did to the world (refunds, replacements): a JSON file, one entry per
    idempotency key, and the number of attempts per key.

    A call made again with its key (a resumed run re-runs an interrupted idempotent call) finds
    its entry and changes nothing. One process writes at a time here: no lock between processes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {"effects": {}, "attempts": {}}
        data: dict[str, dict[str, Any]] = json.loads(self.path.read_text())
        return data

    def apply(self, key: str, effect: dict[str, Any]) -> bool:
        """Record `effect` under `key` unless an effect is there already; True when it is new."""
        data = self.read()
        data["attempts"][key] = data["attempts"].get(key, 0) + 1
        new = key not in data["effects"]
        if new:
            data["effects"][key] = effect
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)  # the whole file or the old one, even if the process dies here
        return new


def _key(ctx: RunContext[Any]) -> str:
    if ctx.idempotency_key is None:  # only a run without a store has none
        raise RuntimeError("the desk's tools need a durable run: Agent(..., store=...)")
    return ctx.idempotency_key


def desk_tools(ledger: Ledger, *, crash_after_effect: bool = False) -> list[Tool]:
    """The desk's tools, acting on `ledger`; `crash_after_effect`: `send_replacement` kills the
    process right after its effect, as a power cut or an OOM kill would."""

    @tool(effect="idempotent", requires_approval=True)
    def refund(ctx: RunContext[None], order_id: OrderId, amount: Euros) -> str:
        """Refund money for an order. A person approves each refund before it is made.

        Args:
            order_id: The order.
            amount: Euros to refund, at most what the order cost.
        """
        total = ORDERS[order_id][1]
        if amount > total:
            raise ModelRetry(f"Order {order_id} cost {total:.2f} EUR: a refund cannot be more.")
        key = _key(ctx)
        if ledger.apply(key, {"kind": "refund", "order_id": order_id, "amount": amount}):
            return f"Refunded {amount:.2f} EUR for order {order_id}."
        return f"The refund for order {order_id} was made already; nothing was done again."

    @tool(effect="idempotent")
    def send_replacement(ctx: RunContext[None], order_id: OrderId) -> str:
        """Ship a replacement for an order that arrived damaged.

        Args:
            order_id: The order.
        """
        key = _key(ctx)
        new = ledger.apply(key, {"kind": "replacement", "order_id": order_id})
        if crash_after_effect:
            print(f"child:  send_replacement({order_id}) recorded under key {key}; now SIGKILL", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        if new:
            return f"A replacement for order {order_id} ({ORDERS[order_id][0]}) is on its way."
        return f"The replacement for order {order_id} was sent already; nothing was sent again."

    return [refund, send_replacement]


def desk_agent(
    model: OpenAIChatModel, store: Store, ledger: Ledger, args: argparse.Namespace, *, crash: bool = False
) -> Agent[str]:
    return Agent(
        model,
        tools=desk_tools(ledger, crash_after_effect=crash),
        instructions=INSTRUCTIONS,
        # Words by default; a run that needs a tool forces it (run(..., tool_choice=name)). Every
        # such run stops right after that call (it waits for approval, or its process is killed),
        # and the resumed run answers in words: no step is left to the model's choice. (With
        # reset_tool_choice=False a forced choice holds for every step of a run that goes on;
        # none does here. The default, True, makes later steps "auto".)
        tool_choice="none",
        reset_tool_choice=False,
        # One call per response: the grammar then ends the reply after it (a small model may
        # otherwise write call after call until max_tokens cuts them all).
        settings=ModelSettings(
            temperature=0.0, seed=args.seed, max_tokens=args.max_tokens, parallel_tool_calls=False
        ),
        limits=UsageLimits(max_steps=4),
        store=store,
        durability="event",  # each dispatch on record: the log shows the call the crash cut short
        name="support-desk",
    )


async def connect(args: argparse.Namespace) -> OpenAIChatModel:
    if args.model:
        return OpenAIChatModel(args.model, base_url=args.base_url)
    return await OpenAIChatModel.from_server(args.base_url)


def describe_server(model: OpenAIChatModel) -> str:
    if model.name in ("gemma3-270m", "tiny"):
        return (
            f"{model.name}: offline fallback (no Gemma 4 weights can be downloaded here), "
            "Gemma 4 prompt format; answers are those of a tiny base model"
        )
    return model.name


def said(output: object) -> str:
    """What the model answered, as it is (quoted, cut short for the terminal)."""
    text = repr(output)
    return text if len(text) <= 110 else text[:107] + "..."


async def sessions(args: argparse.Namespace, store: Store, ledger: Ledger) -> bool:
    print("\n== 1. Sessions: two turns on ticket-42, the second loaded from the store")
    model = await connect(args)
    agent = desk_agent(model, store, ledger, args)
    turns = [
        "Hello, this is Ana. My order A-1042 (two mugs) arrived with one mug broken.",
        "Which order did I write about, and what was wrong with it?",
    ]
    result = None
    try:
        for n, prompt in enumerate(turns, 1):
            print(f"turn {n}: user:  {prompt}")
            result = await agent.run(prompt, session="ticket-42")
            print(f"        model: {said(result.output)}")
    finally:
        await model.aclose()
    assert result is not None
    earlier = [m for m in result.messages[: result.new_from] if not isinstance(m, SystemMessage)]
    carried = any(isinstance(m, UserMessage) and "A-1042" in str(m.content) for m in earlier)
    roles = ", ".join(m.role for m in earlier)
    print(f"turn 2's request carried {len(earlier)} earlier messages from the store ({roles})")
    print(f"turn 1's order number among them: {'yes' if carried else 'no'}")
    stored = await store.history("ticket-42")
    print(f"stored history of ticket-42: {len(stored.messages)} messages (head {stored.head})")
    return carried


async def approval(args: argparse.Namespace, store_path: Path, ledger: Ledger) -> bool:
    print("\n== 2. Approval: a refund waits for a person, then another process decides and resumes")
    prompt = "Please refund the broken mug of order A-1042: 9 EUR."
    print(f"user:   {prompt}")
    async with await Store.open(store_path) as store:
        model = await connect(args)
        try:
            waiting = await desk_agent(model, store, ledger, args).run(
                prompt, session="ticket-42", tool_choice="refund"
            )
        finally:
            await model.aclose()
    print(f"run {waiting.run_id}: status {waiting.status}")
    if not waiting.waiting:
        print(f"error: the run did not wait for approval; it said {said(waiting.output)}", file=sys.stderr)
        return False
    (pending,) = waiting.pending  # one forced call: one pending call
    asked = _arguments(pending.arguments)
    print(f"pending: {pending.name}({json.dumps(asked)}) [{pending.reason}], key {pending.idempotency_key}")

    # Another process: its own Store and Agent; all it needs is the run id and the call id.
    decision: Decision = Approve()
    if args.edit_amount is not None:
        decision = Edit({"order_id": asked.get("order_id", "A-1042"), "amount": args.edit_amount})
    async with await Store.open(store_path) as store:
        print(f"new store object: run {waiting.run_id} is {(await store.run(waiting.run_id)).status}")
        print(f"decision: {json.dumps(decision.to_json())}")
        model = await connect(args)
        try:
            done = await desk_agent(model, store, ledger, args).resume(
                waiting.run_id, decisions={pending.call_id: decision}
            )
        finally:
            await model.aclose()
        record = await store.run(waiting.run_id)
    for r in done.tool_results():
        print(f"result: {r.name} [{r.status}] {r.content}")
    print(f"model:  {said(done.output)}")
    print(f"resumed run {waiting.run_id}: status {record.status}")
    refunds = [e for k, e in ledger.read()["effects"].items() if k == pending.idempotency_key]
    print(f"ledger: {len(refunds)} refund(s) under key {pending.idempotency_key}: {json.dumps(refunds)}")
    return record.status == "finished"


def _arguments(arguments: dict[str, Any] | str) -> dict[str, Any]:
    """A call's arguments as an object (a pending call keeps them as the model wrote them)."""
    if isinstance(arguments, dict):
        return arguments
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return {"unreadable": arguments}
    return parsed if isinstance(parsed, dict) else {"unreadable": arguments}


async def crash_and_resume(
    args: argparse.Namespace, store_path: Path, ledger: Ledger, model_name: str
) -> bool:
    print("\n== 3. Crash: a child process is killed right after its tool's effect; this one resumes the run")
    run_id = f"replace-{uuid.uuid4().hex[:8]}"
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        *("--base-url", args.base_url, "--model", model_name, "--store", str(store_path)),
        *("--max-tokens", str(args.max_tokens), "--seed", str(args.seed), "--crash-run", run_id),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(), CHILD_TIMEOUT_S)
    for line in out.decode(errors="replace").splitlines():
        print(f"  | {line}")
    if child.returncode != -signal.SIGKILL:
        print(f"error: the child was to die by SIGKILL; it exited with {child.returncode}", file=sys.stderr)
        return False
    print(f"child:  killed by SIGKILL (exit {child.returncode})")

    async with await Store.open(store_path) as store:
        before = await store.run(run_id)
        events = await store.events(run_id)
        print(f"stored run {run_id}: status {before.status}; log: {' '.join(e.kind for e in events)}")
        keys = [str(e.data["key"]) for e in events if e.kind == "call_started"]
        model = await connect(args)
        try:
            done = await desk_agent(model, store, ledger, args).resume(run_id)
        finally:
            await model.aclose()
        after = await store.run(run_id)
    for r in done.tool_results():
        print(f"result: {r.name} [{r.status}] {r.content}")
    print(f"model:  {said(done.output)}")
    print(f"resumed run {run_id}: status {after.status}")
    book = ledger.read()
    effects = [k for k in book["effects"] if k.startswith(f"{run_id}:")]
    attempts = {k: n for k, n in book["attempts"].items() if k.startswith(f"{run_id}:")}
    print(f"ledger: attempts {json.dumps(attempts)}; effects recorded: {len(effects)}")
    once = len(effects) == 1 and effects == keys[:1] and attempts.get(effects[0]) == 2
    if once and after.status == "finished":
        print(f"send_replacement ran twice with key {effects[0]}: its effect happened exactly once")
        return True
    print("error: the effect did not happen exactly once, or the run did not finish", file=sys.stderr)
    return False


async def crash_child(args: argparse.Namespace) -> int:
    """The child of part 3: start the run; its tool kills this process after its effect."""
    store_path = Path(args.store)
    async with await Store.open(store_path) as store:
        model = await connect(args)
        agent = desk_agent(model, store, Ledger(ledger_path(store_path)), args, crash=True)
        print(f"child:  run {args.crash_run} starts on ticket-43, forcing send_replacement", flush=True)
        result = await agent.run(
            "Order A-1043 arrived crushed. Please send a new cap.",
            session="ticket-43",
            run_id=args.crash_run,
            tool_choice="send_replacement",
        )
        await model.aclose()
    # Reached only if the tool did not run (its arguments were refused): say what happened.
    for r in result.tool_results():
        print(f"child:  result: {r.name} [{r.status}] {r.content}")
    print(f"child:  not killed: the run ended with status {result.status}", file=sys.stderr)
    return 1


def ledger_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".ledger.json")


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", default="http://127.0.0.1:8000/v1", help="the server")
    ap.add_argument("--model", default=None, help="served model name (default: the server's first)")
    ap.add_argument("--store", default=None, help="SQLite file (default: a fresh one in a temporary folder)")
    ap.add_argument("--edit-amount", type=float, default=None, help="approve the refund with this amount")
    ap.add_argument("--max-tokens", type=int, default=64, help="bound on each response")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crash-run", default=None, help=argparse.SUPPRESS)  # part 3's child
    args = ap.parse_args()

    try:
        if args.crash_run:
            return await crash_child(args)
        store_path = Path(args.store or Path(tempfile.mkdtemp(prefix="support-desk-")) / "desk.db")
        ledger = Ledger(ledger_path(store_path))
        model = await connect(args)
        await model.aclose()
        print(f"model:  {describe_server(model)}")
        print(f"server: {model.base_url} (profile {model.profile.family})")
        print(f"store:  {store_path}")
        print(f"ledger: {ledger.path}")
        async with await Store.open(store_path) as store:
            ok = await sessions(args, store, ledger)
        ok = await approval(args, store_path, ledger) and ok
        ok = await crash_and_resume(args, store_path, ledger, model.name) and ok
    except AgentsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print("\nall three parts done" if ok else "\nsome part did not go as it should (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
