"""What makes the trials of two runs one experiment: the settings and the content of each task.

A run directory keeps its fingerprint in `run.json`. A re-run into the same directory
resumes it only when the fingerprints agree, or its trials would be scored together with
trials of another experiment (another temperature, tool mode or check).

- The settings: the `EvalConfig` fields that change what a trial does (model, sampling,
  seed, tool mode, limits) and the model's profile. `k`, concurrency and the endpoints may
  change between resumes: a resume may add trials, or spread them differently.
- The tasks: a digest of each task's content (turns, environment, tools, checks, gold) with
  the instructions it runs under. A resume may add or drop tasks (`--limit`, `--tags`), but a
  task it shares with the stored run must be the same task.

Python callables in checks are fingerprinted by qualified name and source text (when the
source can be read), dataclass objects by their fields, other objects by their type: stable
from one process to the next. (A change inside a function that a check calls is not seen.)
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any

from evals.tasks import Suite

VERSION = 1
CONFIG_FIELDS = (
    "model_name",
    "profile",
    "oracle",
    "temperature",
    "max_tokens",
    "seed",
    "tool_mode",
    "timeout_s",
    "strategy",
    "agent",
)
"""The settings that must agree for a resume (see `EvalConfig`)."""
_UNSTORED = {"strategy": "react"}
"""What a setting added since a fingerprint was stored meant before it existed."""


def _qualified(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def _source_digest(fn: Callable[..., Any]) -> str:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return ""
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def _stable(obj: Any) -> Any:
    """A JSON-ready stand-in for what `json.dumps` cannot write, without memory addresses.

    (Pydantic has already turned dataclasses and models into dicts by the time this is asked.)
    """
    if inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj):
        return {"code": _qualified(obj), "source": _source_digest(obj)}
    if isinstance(obj, set | frozenset):
        return sorted(map(repr, obj))
    return {"type": _qualified(type(obj))}


def task_digests(suite: Suite) -> dict[str, str]:
    """A digest of each task's content and instructions, by task id.

    About a second for BFCL's multi-turn suite (200 tasks with all their function docs).
    """
    digests = {}
    for task in suite.tasks:
        instructions = task.instructions if task.instructions is not None else suite.instructions
        content = {"task": task.model_dump(mode="python"), "instructions": instructions}
        text = json.dumps(content, sort_keys=True, default=_stable, ensure_ascii=False)
        digests[task.id] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return digests


def fingerprint(suite: Suite, settings: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint stored in `run.json`: the suite's name, the settings, the task digests."""
    return {
        "version": VERSION,
        "suite": suite.name,
        "settings": {key: settings.get(key) for key in CONFIG_FIELDS},
        "tasks": task_digests(suite),
    }


def _shown(value: Any) -> str:
    return "unset" if value is None else repr(value)


def differences(stored: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What differs between a stored fingerprint and this run's, in words; empty when they agree."""
    if stored.get("version") != now["version"]:
        return [f"it was written by another version of the harness (fingerprint {stored.get('version')!r})"]
    found = []
    if stored.get("suite") != now["suite"]:
        found.append(f"the suite was {_shown(stored.get('suite'))}, is now {_shown(now['suite'])}")
    before = stored.get("settings", {})
    for key in CONFIG_FIELDS:
        was = before.get(key, _UNSTORED.get(key))
        if was != now["settings"][key]:
            found.append(f"{key} was {_shown(was)}, is now {_shown(now['settings'][key])}")
    old_tasks: dict[str, str] = stored.get("tasks", {})
    changed = sorted(t for t, digest in now["tasks"].items() if t in old_tasks and old_tasks[t] != digest)
    if changed:
        shown = ", ".join(repr(t) for t in changed[:3]) + (", ..." if len(changed) > 3 else "")
        found.append(f"{len(changed)} task(s) changed their content or checks ({shown})")
    return found


def merged(stored: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint to store after a resume: the digests of the tasks of both runs."""
    return {**now, "tasks": {**stored.get("tasks", {}), **now["tasks"]}}
