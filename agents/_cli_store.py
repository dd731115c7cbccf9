"""`agents sessions ...` and `agents runs ...`: look into a store, decide on waiting calls, resume.

Every command here opens the store named by `--store` (else `$GEMMA_AGENTS_STORE`, else the
default file). What a command names must exist: an unknown session, run or call, a decision the
run does not take, bad `--args` JSON or a store that cannot be opened is a `CommandError` or a
`StoreError`, which `agents.cli.main` prints as one line with exit code 2, before anything is
written. A run that stops to wait for decisions exits with `EXIT_WAITING` (3).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents._cli_agent import (
    add_agent_options,
    agent_flags,
    make_agent,
    positive_int,
    print_event,
    print_usage,
    stopped_by_timeout,
)
from agents.errors import AgentsError, UsageLimitExceeded
from agents.events import PendingCall, RunFinished
from agents.messages import AssistantMessage, Message, ToolResultMessage, UserMessage

if TYPE_CHECKING:
    from agents.memory import Decision, RunEvent, SessionInfo, Store

# agents.memory (SQLAlchemy, Alembic) is imported by the commands that use it: every `agents`
# command loads this module, and most never open a store.

__all__ = [
    "EXIT_WAITING",
    "STORE_ENV",
    "CommandError",
    "add_store_option",
    "is_usage_error",
    "open_store",
    "print_waiting",
    "register",
]

EXIT_WAITING = 3
"""Exit code of `agents run` / `agents runs resume` when the run waits for decisions."""
STORE_ENV = "GEMMA_AGENTS_STORE"
EXPORT_FORMAT = "gemma-agents/session"
RUN_STATUSES = ("running", "waiting", "finished", "failed")
_PAGE = 500


class CommandError(AgentsError):
    """The command line names something the store does not hold, or gives a value that is not valid."""


def is_usage_error(e: AgentsError) -> bool:
    """True for what `main` reports with exit code 2: a `CommandError`, or any `StoreError` (an
    unknown run or call, a decision the run does not take, a store that cannot be opened)."""
    memory = sys.modules.get("agents.memory")  # not loaded: no store was used, so no StoreError
    return isinstance(e, CommandError) or (memory is not None and isinstance(e, memory.StoreError))


# -- the store ------------------------------------------------------------------------------------


def add_store_option(p: argparse.ArgumentParser) -> None:
    """`--store URL_OR_PATH`, with `$GEMMA_AGENTS_STORE` and the default file as fallbacks."""
    p.add_argument(
        "--store",
        default=None,
        metavar="URL_OR_PATH",
        help=(
            f"the store: a SQLAlchemy URL (sqlite:///f.db, postgresql://...) or a file path "
            f"(default: ${STORE_ENV}, else <data dir>/gemma-agents/store.db)"
        ),
    )


def _where(args: argparse.Namespace) -> str | None:
    return args.store or os.environ.get(STORE_ENV) or None


async def open_store(args: argparse.Namespace, *, create: bool) -> Store:
    """The store the flags name. Without `create`, a SQLite file that does not exist is an error
    (looking into a store must not leave an empty one behind)."""
    from agents.memory import Store
    from agents.memory._backend import normalize_url

    where = _where(args)
    if not create:
        url = normalize_url(where)
        path = url.database
        is_file = url.get_backend_name() == "sqlite" and path not in (None, "", ":memory:")
        if is_file and not await asyncio.to_thread(Path(path or "").exists):
            raise CommandError(
                f"No store at {path}: nothing has been stored there yet. Pass --store URL_OR_PATH "
                f"or set {STORE_ENV} to the store your agents write to."
            )
    return await Store.open(where)


def _sync(
    fn: Callable[[argparse.Namespace], Coroutine[Any, Any, int]],
) -> Callable[[argparse.Namespace], int]:
    return lambda args: asyncio.run(fn(args))


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at is not None else "-"


def _short(value: Any, width: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


# -- sessions -------------------------------------------------------------------------------------


async def _session(store: Store, session_id: str) -> SessionInfo:
    # The Store has no lookup of one session's info, and an empty history cannot tell an
    # unknown session from an empty one; a page scan is cheap next to a person reading the answer.
    offset = 0
    while True:
        page = await store.sessions(limit=_PAGE, offset=offset)
        for info in page:
            if info.id == session_id:
                return info
        if len(page) < _PAGE:
            raise CommandError(
                f"No session {session_id!r} in store {store.url}; list them with `agents sessions list`."
            )
        offset += _PAGE


def _session_json(info: SessionInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "head": info.head,
        "created_at": info.created_at.isoformat(),
        "updated_at": info.updated_at.isoformat(),
        "meta": info.meta,
    }


async def _sessions_list(args: argparse.Namespace) -> int:
    async with await open_store(args, create=False) as store:
        infos = await store.sessions(limit=args.limit)
    if not infos:
        print(f"no sessions in {store.url}")
        return 0
    _table([("ID", "MESSAGES", "UPDATED"), *[(i.id, str(i.head), _when(i.updated_at)) for i in infos]])
    return 0


def _text_of(m: Message) -> str:
    if isinstance(m, UserMessage):
        if isinstance(m.content, str):
            return m.content
        return " ".join(getattr(p, "text", None) or f"[{p.type}]" for p in m.content)
    if isinstance(m, AssistantMessage):
        return m.text
    return str(getattr(m, "content", ""))


def _describe(m: Message) -> list[str]:
    """A message as lines for people: role, text, and its calls or its call's result."""
    if isinstance(m, ToolResultMessage):
        return [f"tool {m.name} [{m.call_id}] {m.status}: {_text_of(m)}"]
    if not isinstance(m, AssistantMessage):
        return [f"{m.role}: {_text_of(m)}"]
    lines = [f"assistant: {m.text}"] if m.text or not m.tool_calls else []
    lines += [f"assistant → {c.name}({_short(c.arguments, 400)}) [{c.id}]" for c in m.tool_calls]
    return lines


async def _sessions_show(args: argparse.Namespace) -> int:
    async with await open_store(args, create=False) as store:
        info = await _session(store, args.session)
        stored = (await store.history(args.session, repair=False)).messages
    from agents.memory import repair_history

    seq = {id(m): n for n, m in enumerate(stored, start=1)}
    repaired, _ = repair_history(stored)
    kept = {id(m) for m in repaired}
    dropped = [seq[id(m)] for m in stored if id(m) not in kept]
    if args.json:
        out = {
            "session": _session_json(info),
            "messages": [
                {"seq": seq.get(id(m)), "repaired": id(m) not in seq, "message": m.model_dump(mode="json")}
                for m in repaired
            ],
            "dropped": dropped,
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"session {info.id}: {info.head} messages, updated {_when(info.updated_at)}")
    if info.meta:
        print(f"meta: {_short(info.meta, 400)}")
    for m in repaired:
        where = f"[{seq[id(m)]}]" if id(m) in seq else "[repaired]"
        for line in _describe(m):
            print(f"{where} {line}")
        if id(m) not in seq:
            print(f"{' ' * len(where)} (no result was stored: the run stopped before the call returned)")
    if dropped:
        print(f"(not sent to the model: result(s) {dropped} answer no call of theirs)")
    return 0


async def _sessions_export(args: argparse.Namespace) -> int:
    async with await open_store(args, create=False) as store:
        info = await _session(store, args.session)
        stored = (await store.history(args.session, repair=False)).messages
    doc = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "session": _session_json(info),
        "messages": [m.model_dump(mode="json") for m in stored],  # as stored: no repair
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        try:
            await asyncio.to_thread(Path(args.output).write_text, text, encoding="utf-8")
        except OSError as e:
            why = e.strerror or str(e)
            raise CommandError(f"Cannot write {args.output}: {why}; pick another -o FILE.") from None
        print(f"exported session {info.id} ({len(stored)} messages) to {args.output}", file=sys.stderr)
    return 0


async def _sessions_delete(args: argparse.Namespace) -> int:
    async with await open_store(args, create=False) as store:
        info = await _session(store, args.session)
        runs = await store.runs(session_id=args.session, limit=10_000)
        what = f"session {info.id!r} ({info.head} messages, {len(runs)} runs)"
        if not args.yes:
            if not sys.stdin.isatty():
                raise CommandError(
                    f"Not deleting {what}: stdin is not a terminal, so there is no one to confirm. "
                    "Pass --yes to delete without asking."
                )
            try:
                answer = await asyncio.to_thread(input, f"Delete {what} from {store.url}? [y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("not deleted")
                return 1
        await store.delete_session(args.session)
    print(f"deleted {what}")
    return 0


# -- runs -----------------------------------------------------------------------------------------


def _pending(events: Sequence[RunEvent]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """The calls of the run's last "waiting" event, each with its decision (None: not decided)."""
    waits = [i for i, e in enumerate(events) if e.kind == "waiting"]
    if not waits:
        return []
    decided = {
        e.data.get("call_id"): e.data.get("decision") for e in events[waits[-1] + 1 :] if e.kind == "decision"
    }
    calls = [p if isinstance(p, dict) else {"call_id": p} for p in events[waits[-1]].data.get("pending", [])]
    return [(p, decided.get(p.get("call_id"))) for p in calls]


def _reason(reason: Any) -> str:
    if reason == "interrupted":
        return "was in flight when the run stopped: it may have taken effect"
    return "needs approval"


async def _runs_list(args: argparse.Namespace) -> int:
    async with await open_store(args, create=False) as store:
        runs = await store.runs(status=args.status, session_id=args.session, limit=args.limit)
    if not runs:
        print(f"no runs in {store.url}" + (" that match" if args.status or args.session else ""))
        return 0
    rows = [(r.id, r.status, r.session_id, r.agent, _when(r.updated_at)) for r in runs]
    _table([("ID", "STATUS", "SESSION", "AGENT", "UPDATED"), *rows])
    return 0


async def _runs_show(args: argparse.Namespace) -> int:
    async with await open_store(args, create=False) as store:
        record = await store.run(args.run)
        events = await store.events(args.run)
    pending = _pending(events) if record.status == "waiting" else []
    if args.json:
        out = {
            "id": record.id,
            "status": record.status,
            "session_id": record.session_id,
            "agent": record.agent,
            "config": record.config,
            "output": record.output,
            "error": record.error,
            "start_head": record.start_head,
            "version": record.version,
            "created_at": record.created_at.isoformat() if record.created_at else None,
            "updated_at": record.updated_at.isoformat() if record.updated_at else None,
            "pending": [{**p, "decision": d} for p, d in pending],
            "events": [
                {"seq": e.seq, "kind": e.kind, "data": e.data, "at": e.at.isoformat() if e.at else None}
                for e in events
            ],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return 0
    print(f"run {record.id}: {record.status}")
    print(f"  session  {record.session_id} (from message {record.start_head + 1})")
    print(
        f"  agent    {record.agent}, created {_when(record.created_at)}, updated {_when(record.updated_at)}"
    )
    print(f"  config   {_short(record.config, 400)}")
    if record.status == "finished":
        print(f"  output   {_short(record.output, 400)}")
    if record.error:
        print(f"  error    {record.error}")
    if pending:
        print("pending calls:")
        for p, decision in pending:
            state = f"decided: {_short(decision)}" if decision else _reason(p.get("reason"))
            print(f"  {p.get('call_id')}  {p.get('name')}({_short(p.get('arguments', {}))})  {state}")
    print("events:")
    for e in events:
        print(f"  {e.seq:>3}  {_when(e.at)}  {e.kind:<13} {_short(e.data) if e.data else ''}".rstrip())
    return 0


def _edit_arguments(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise CommandError(
            f'--args is not valid JSON ({e}); expected an object of arguments such as \'{{"to": "bob"}}\'.'
        ) from None
    if not isinstance(value, dict):
        raise CommandError(
            f"--args must be a JSON object of the call's arguments (name: value), not {type(value).__name__}."
        )
    return value


async def _decide(args: argparse.Namespace) -> int:
    from agents.memory import Approve, Deny, Edit

    decision: Decision
    if args.action == "deny":
        decision = Deny(args.reason)
    else:
        decision = Edit(_edit_arguments(args.args)) if args.args is not None else Approve()
    async with await open_store(args, create=False) as store:
        await store.decide(args.run, args.call_id, decision)
        events = await store.events(args.run)
    done = {"approve": "approved", "edit": "approved with new arguments", "deny": "denied"}[decision.kind]
    print(f"call {args.call_id} of run {args.run}: {done}")
    left = [p.get("call_id") for p, d in _pending(events) if d is None]
    if left:
        print(f"still to decide: {', '.join(str(c) for c in left)}")
    else:
        store_flag = _store_flag(args)
        print(
            "every call is decided; go on with: "
            f"agents runs resume {shlex.quote(args.run)}{store_flag} "
            "<the agent flags the run was started with>"
        )
    return 0


async def _runs_resume(args: argparse.Namespace) -> int:
    # The store first: an unknown run, or one that cannot go on, is reported before the server is asked.
    store = await open_store(args, create=False)
    try:
        record = await store.run(args.run)
        if record.status == "failed":
            raise CommandError(
                f"Run {args.run} failed ({record.error}); it cannot be resumed. Start a new run."
            )
        if record.status == "finished":
            print(f"run {args.run} had finished already")
            print_event(RunFinished(record.output))
            return 0
        if record.status == "waiting":
            undecided = [
                str(p.get("call_id")) for p, d in _pending(await store.events(args.run)) if d is None
            ]
            if undecided:
                raise CommandError(
                    f"Run {args.run} still waits for decisions on {', '.join(undecided)}: decide on each "
                    "with `agents runs approve` or `agents runs deny` first."
                )
        agent = await make_agent(args, store)
        try:
            result = await agent.resume(args.run)
        except UsageLimitExceeded as e:
            raise stopped_by_timeout(e, args) from None
        finally:
            await agent.aclose()
        for event in result.events:
            print_event(event)
        print_usage(result.usage)
        if result.waiting:
            print_waiting(result.run_id, result.pending, args)
            return EXIT_WAITING
        return 0
    finally:
        await store.aclose()


def _store_flag(args: argparse.Namespace) -> str:
    return f" --store {shlex.quote(args.store)}" if args.store else ""


def print_waiting(run_id: str, pending: Sequence[PendingCall], args: argparse.Namespace) -> None:
    """Say what the run waits on, and the exact commands that decide and resume it."""
    store = _store_flag(args)
    run = shlex.quote(run_id)
    print(f"\n= run {run_id} waits for a decision on {len(pending)} call(s):")
    for p in pending:
        print(f"  {p.call_id}  {p.name}({_short(p.arguments, 400)})  {_reason(p.reason)}")
    print("decide on each call: approve it, approve it with other arguments, or deny it:")
    for p in pending:
        call = shlex.quote(p.call_id)
        example = p.arguments if isinstance(p.arguments, dict) else {}
        print(f"  agents runs approve {run} {call}{store}")
        print(f"  agents runs approve {run} {call}{store} --args {shlex.quote(json.dumps(example))}")
        print(f"  agents runs deny {run} {call}{store} --reason 'why not'")
    flags = "".join(f" {shlex.quote(f)}" for f in agent_flags(args))
    print("then go on with:")
    print(f"  agents runs resume {run}{store}{flags}")


# -- the parsers ----------------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add `sessions` and `runs` to the `agents` command's subparsers."""
    s = sub.add_parser(
        "sessions",
        help="list, show, export or delete stored conversations",
        description="Stored conversations (sessions) of a store.",
    )
    ss = s.add_subparsers(dest="action", required=True)
    p = ss.add_parser("list", help="sessions, most recently updated first", description="List sessions.")
    p.add_argument("--limit", type=positive_int, default=50, help="most sessions to list (default 50)")
    add_store_option(p)
    p.set_defaults(func=_sync(_sessions_list))

    p = ss.add_parser(
        "show",
        help="a session's conversation, readable",
        description="Show a session's messages: roles, text, tool calls and results. A call left without "
        "a result by an interrupted run is shown with the error result a run would send in its place.",
    )
    p.add_argument("session", help="the session id")
    p.add_argument("--json", action="store_true", help="print JSON (messages as sent, with seq and repairs)")
    add_store_option(p)
    p.set_defaults(func=_sync(_sessions_show))

    p = ss.add_parser(
        "export",
        help="a session as JSON: its info and messages as stored",
        description=f"Write a session as JSON ({EXPORT_FORMAT} v1): its info and its messages as stored "
        "(not repaired), each readable back with the Message type adapter.",
    )
    p.add_argument("session", help="the session id")
    p.add_argument("-o", "--output", default=None, metavar="FILE", help="write to FILE (default: stdout)")
    add_store_option(p)
    p.set_defaults(func=_sync(_sessions_export))

    p = ss.add_parser(
        "delete",
        help="delete a session with its messages and runs",
        description="Delete a session, its messages, its runs and their event logs. "
        "Asks first, unless --yes.",
    )
    p.add_argument("session", help="the session id")
    p.add_argument(
        "--yes", action="store_true", help="do not ask for confirmation (needed without a terminal)"
    )
    add_store_option(p)
    p.set_defaults(func=_sync(_sessions_delete))

    r = sub.add_parser(
        "runs",
        help="list and show durable runs; approve, deny and resume waiting calls",
        description="Durable runs of a store: what they did, what they wait on, and deciding on it.",
    )
    rs = r.add_subparsers(dest="action", required=True)
    p = rs.add_parser("list", help="runs, newest first", description="List runs.")
    p.add_argument("--status", choices=RUN_STATUSES, default=None, help="only runs in this status")
    p.add_argument("--session", default=None, help="only runs of this session")
    p.add_argument("--limit", type=positive_int, default=50, help="most runs to list (default 50)")
    add_store_option(p)
    p.set_defaults(func=_sync(_runs_list))

    p = rs.add_parser(
        "show",
        help="a run's status, config, pending calls and event log",
        description="Show a run: status, config, the calls it waits on (ids, arguments, why) "
        "and its event log.",
    )
    p.add_argument("run", help="the run id")
    p.add_argument("--json", action="store_true", help="print JSON (full event data)")
    add_store_option(p)
    p.set_defaults(func=_sync(_runs_show))

    p = rs.add_parser(
        "approve",
        help="let a waiting call run (with --args: with other arguments)",
        description="Approve a call a waiting run waits on; with --args, run it with those arguments instead "
        "(an edit). A decision is final. Resume the run afterwards with `agents runs resume`.",
    )
    p.add_argument("run", help="the run id")
    p.add_argument("call_id", help="the call id (see `agents runs show RUN`)")
    p.add_argument(
        "--args", default=None, metavar="JSON", help="the arguments to run the call with, a JSON object"
    )
    add_store_option(p)
    p.set_defaults(func=_sync(_decide))

    p = rs.add_parser(
        "deny",
        help="refuse a waiting call: it is not run, the model is told why",
        description="Deny a call a waiting run waits on: it is not run, and the model gets a 'denied' result "
        "with the reason. A decision is final. Resume the run afterwards with `agents runs resume`.",
    )
    p.add_argument("run", help="the run id")
    p.add_argument("call_id", help="the call id (see `agents runs show RUN`)")
    p.add_argument("--reason", default="denied", help="what the model is told (default: denied)")
    add_store_option(p)
    p.set_defaults(func=_sync(_decide))

    p = rs.add_parser(
        "resume",
        help="go on with a run that waited or crashed (needs the agent flags of `agents run`)",
        description="Resume a stored run with the agent the flags make (the same tools as when it started; "
        "the model may differ). Prints its calls and answer, or the calls it waits on again.",
        epilog=f"Exit codes: 0 finished, 1 the run failed, 2 a usage error (unknown run, undecided calls, "
        f"unusable store), {EXIT_WAITING} the run waits for decisions again.",
    )
    p.add_argument("run", help="the run id")
    add_agent_options(p)
    add_store_option(p)
    p.set_defaults(func=_sync(_runs_resume))
