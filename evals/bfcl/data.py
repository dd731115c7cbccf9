"""BFCL entries read from the installed package at run time: questions, functions, ground truth.

Each category is a JSON-lines file of questions (`BFCL_v4_<category>.json`) and, except for
irrelevance, a file of the same name under `possible_answer/`, aligned line by line. Multi-turn
entries carry no function docs; as in BFCL's own loader, they are the docs of every backend
class the entry involves. Nothing is copied: the files are read where the package put them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from evals.bfcl import _package
from tools.errors import ConfigError

Category = Literal[
    "simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance", "multi_turn_base"
]
CATEGORIES: tuple[Category, ...] = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "multi_turn_base",
)
AST_CATEGORIES: tuple[Category, ...] = ("simple_python", "multiple", "parallel", "parallel_multiple")

# BFCL appends this to every Python-category function description before inference
# (its `_get_language_specific_hint`); models are scored with it in their prompt.
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."


@dataclass(frozen=True)
class Entry:
    """One BFCL test entry.

    `functions` are BFCL function docs as the package ships them (types like "dict",
    "float", "tuple"), without the language hint. `ground_truth` is, for the AST categories,
    a list of `{function: {param: [allowed values]}}`; for multi-turn, one list of call strings
    (e.g. `"cd(folder='document')"`) per turn; for irrelevance, None.
    """

    id: str
    category: Category
    turns: list[str]
    functions: list[dict[str, Any]]
    ground_truth: Any = None
    involved_classes: list[str] = field(default_factory=list)
    initial_config: dict[str, Any] = field(default_factory=dict)


def _read_lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise _package.BfclUnavailable(
            f"Cannot read BFCL data file {path}: {e}. Is bfcl-eval installed whole?"
        ) from e
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _turns(entry_id: str, question: list[list[dict[str, Any]]]) -> list[str]:
    turns = []
    for index, messages in enumerate(question):
        roles = [m.get("role") for m in messages]
        if roles != ["user"]:
            # Every entry of the supported categories has one user message per turn; a future
            # data release that adds system prompts or holdout turns needs its own handling.
            raise ConfigError(
                f"BFCL entry {entry_id!r} turn {index} has messages {roles}, expected one user message. "
                f"This adapter was written for bfcl-eval {_package.PINNED_VERSION}."
            )
        turns.append(str(messages[0]["content"]))
    return turns


@cache
def multi_turn_functions(class_name: str) -> tuple[dict[str, Any], ...]:
    """The function docs of one multi-turn backend class, in the package's order."""
    return tuple(_read_lines(_package.func_doc_file(class_name)))


@cache
def _load(category: Category) -> tuple[Entry, ...]:
    if category not in CATEGORIES:
        raise ConfigError(f"Unknown BFCL category {category!r}; supported: {', '.join(CATEGORIES)}.")
    data = _package.data_dir()
    questions = _read_lines(data / f"{_package.VERSION_PREFIX}_{category}.json")
    answers: list[dict[str, Any]] | None = None
    if category != "irrelevance":
        answers = _read_lines(data / "possible_answer" / f"{_package.VERSION_PREFIX}_{category}.json")
        if len(answers) != len(questions):
            raise ConfigError(
                f"BFCL {category}: {len(questions)} questions but {len(answers)} possible answers; "
                "the installed data files do not match."
            )
    entries = []
    for index, raw in enumerate(questions):
        gold = None
        if answers is not None:
            answer = answers[index]
            if answer["id"] != raw["id"]:
                raise ConfigError(
                    f"BFCL {category}: line {index} pairs {raw['id']!r} with answer {answer['id']!r}."
                )
            gold = answer["ground_truth"]
        involved = list(raw.get("involved_classes", []))
        if category == "multi_turn_base":
            # Like BFCL's loader: every function of every involved class is offered. The
            # data's `excluded_function` field is not read by the official harness either.
            functions = [dict(doc) for name in involved for doc in multi_turn_functions(name)]
        else:
            functions = list(raw["function"])
        entries.append(
            Entry(
                id=raw["id"],
                category=category,
                turns=_turns(raw["id"], raw["question"]),
                functions=functions,
                ground_truth=gold,
                involved_classes=involved,
                initial_config=dict(raw.get("initial_config", {})),
            )
        )
    return tuple(entries)


def entry_count(category: Category) -> int:
    """How many entries `category` has: its questions file's lines, counted without parsing them."""
    path = _package.data_dir() / f"{_package.VERSION_PREFIX}_{category}.json"
    try:
        data = path.read_bytes()
    except OSError as e:
        raise _package.BfclUnavailable(
            f"Cannot read BFCL data file {path}: {e}. Is bfcl-eval installed whole?"
        ) from e
    return sum(1 for line in data.splitlines() if line.strip())


def load_category(category: Category) -> list[Entry]:
    """Every entry of `category`, in the package's order (read once, then cached)."""
    return list(_load(category))
