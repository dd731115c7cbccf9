"""BFCL entries read from the installed package at run time: questions, functions, ground truth.

Each category is a JSON-lines file of questions (`BFCL_v4_<category>.json`) and, except for
the relevance categories, a file of the same name under `possible_answer/`, aligned line by
line. Multi-turn entries carry no function docs; as in BFCL's own loader, they are the docs of
every backend class the entry involves, less the ones `missed_function` withholds until a
later turn. Nothing is copied: the files are read where the package put them.
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
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
]
NON_LIVE: tuple[Category, ...] = (
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
)
LIVE: tuple[Category, ...] = (
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
)
MULTI_TURN: tuple[Category, ...] = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)
CATEGORIES: tuple[Category, ...] = (*NON_LIVE, *LIVE, *MULTI_TURN)
"""Every BFCL v4 category this adapter runs, in the package's order."""
RELEVANCE: tuple[Category, ...] = ("irrelevance", "live_irrelevance", "live_relevance")
AST_CATEGORIES: tuple[Category, ...] = tuple(
    c for c in CATEGORIES if c not in RELEVANCE and c not in MULTI_TURN
)

UNAVAILABLE: dict[str, str] = {
    "web_search_base": "needs the internet (BFCL's web search backend queries a live search API)",
    "web_search_no_snippet": "needs the internet (BFCL's web search backend queries a live search API)",
    "memory_kv": (
        "each question reads the memory that the model itself wrote in earlier prerequisite "
        "conversations of its scenario; the harness runs tasks independently, so it cannot chain them"
    ),
    "memory_vector": (
        "as memory_kv, and its backend downloads the all-MiniLM-L6-v2 sentence-transformers model "
        "(no offline copy ships with bfcl-eval)"
    ),
    "memory_rec_sum": (
        "as memory_kv: the prerequisite conversations must run first, in order, by the same model"
    ),
    "format_sensitivity": (
        "for prompting (non-function-calling) models only: BFCL skips it for function-calling "
        "models, which is how this harness drives a model, and it is not part of the overall score"
    ),
}
"""The other BFCL v4 categories, and why this adapter does not run them."""

# BFCL appends one of these to every function description before inference
# (its `_get_language_specific_hint`); models are scored with it in their prompt.
PYTHON_HINT = " Note that the provided function is in Python 3 syntax."
JAVA_HINT = " Note that the provided function is in Java 8 SDK syntax."
JS_HINT = " Note that the provided function is in JavaScript syntax."
# The user message of a turn that only reveals withheld functions (BFCL's
# DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC): its question list is empty.
MORE_FUNCTIONS_PROMPT = "I have updated some more functions you can choose from. What about now?"

Language = Literal["python", "java", "javascript"]


def language_of(category: str) -> Language:
    """The language BFCL checks a category's answers in."""
    if category == "simple_java":
        return "java"
    if category == "simple_javascript":
        return "javascript"
    return "python"


def hint_for(category: str) -> str:
    """The sentence BFCL appends to a category's function descriptions."""
    return {"java": JAVA_HINT, "javascript": JS_HINT, "python": PYTHON_HINT}[language_of(category)]


@dataclass(frozen=True)
class Entry:
    """One BFCL test entry.

    `functions` are BFCL function docs as the package ships them (types like "dict",
    "float", "tuple", "HashMap"), without the language hint; for multi-turn entries, the
    ones offered from the first turn. `ground_truth` is, for the AST categories, a list of
    `{function: {param: [allowed values]}}`; for multi-turn, one list of call strings (e.g.
    `"cd(folder='document')"`) per turn; for the relevance categories, None.

    `system` is the entry's system prompt, if any. `history` holds chat messages that come
    before the question in the first turn (a few live entries replay an earlier exchange),
    as `(role, content)`. `missed_functions` maps a turn index to the function docs that
    BFCL withholds until that turn (multi_turn_miss_func).
    """

    id: str
    category: Category
    turns: list[str]
    functions: list[dict[str, Any]]
    ground_truth: Any = None
    involved_classes: list[str] = field(default_factory=list)
    initial_config: dict[str, Any] = field(default_factory=dict)
    system: str | None = None
    history: list[tuple[str, str]] = field(default_factory=list)
    missed_functions: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def long_context(self) -> bool:
        """Whether BFCL loads this entry's backends with their long-context padding."""
        return "long_context" in self.category

    @property
    def language(self) -> Language:
        """The language the entry's answers are checked in."""
        return language_of(self.category)


def _read_lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise _package.BfclUnavailable(
            f"Cannot read BFCL data file {path}: {e}. Is bfcl-eval installed whole?"
        ) from e
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class _Conversation:
    turns: list[str]
    system: str | None
    history: list[tuple[str, str]]


def _conversation(entry_id: str, question: list[list[dict[str, Any]]], missed: set[int]) -> _Conversation:
    turns: list[str] = []
    system: str | None = None
    history: list[tuple[str, str]] = []
    for index, messages in enumerate(question):
        if not messages and index in missed:
            turns.append(MORE_FUNCTIONS_PROMPT)  # BFCL's own message for a reveal-only turn
            continue
        roles = [m.get("role") for m in messages]
        if index == 0 and roles and roles[0] == "system":
            system = str(messages[0]["content"])
            messages, roles = messages[1:], roles[1:]
        if not roles or roles[-1] != "user" or (index > 0 and roles != ["user"]) or "system" in roles:
            # Every entry of the supported categories fits this shape; a future data release
            # with another one needs its own handling.
            raise ConfigError(
                f"BFCL entry {entry_id!r} turn {index} has messages {roles}, expected an optional "
                "system message, earlier messages only in the first turn, and a user message last. "
                f"This adapter was written for bfcl-eval {_package.PINNED_VERSION}."
            )
        history += [(str(m["role"]), str(m["content"])) for m in messages[:-1]]
        turns.append(str(messages[-1]["content"]))
    return _Conversation(turns, system, history)


@cache
def multi_turn_functions(class_name: str) -> tuple[dict[str, Any], ...]:
    """The function docs of one multi-turn backend class, in the package's order."""
    return tuple(_read_lines(_package.func_doc_file(class_name)))


def _offered_functions(
    raw: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    # Like BFCL's loader: every function of every involved class, less the withheld ones,
    # which come back at their turn. The data's `excluded_function` field is not read by
    # the official harness either.
    functions = [dict(doc) for name in raw.get("involved_classes", []) for doc in multi_turn_functions(name)]
    missed: dict[int, list[dict[str, Any]]] = {}
    for turn, names in (raw.get("missed_function") or {}).items():
        withheld = missed.setdefault(int(turn), [])
        for name in names:
            index = next((i for i, f in enumerate(functions) if f["name"] == name), None)
            if index is not None:
                withheld.append(functions.pop(index))
    return functions, missed


def _path(category: Category, *, answers: bool = False) -> Path:
    folder = _package.data_dir() / "possible_answer" if answers else _package.data_dir()
    return folder / f"{_package.VERSION_PREFIX}_{category}.json"


def _check_known(category: str) -> Category:
    known = next((c for c in CATEGORIES if c == category), None)
    if known is None:
        why = UNAVAILABLE.get(category)
        if why:
            raise ConfigError(f"BFCL {category} does not run here: {why}.")
        raise ConfigError(f"Unknown BFCL category {category!r}; supported: {', '.join(CATEGORIES)}.")
    return known


@cache
def _load(category: Category) -> tuple[Entry, ...]:
    _check_known(category)
    questions = _read_lines(_path(category))
    answers: list[dict[str, Any]] | None = None
    if category not in RELEVANCE:
        answers = _read_lines(_path(category, answers=True))
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
        missed: dict[int, list[dict[str, Any]]] = {}
        if category in MULTI_TURN:
            functions, missed = _offered_functions(raw)
        else:
            functions = list(raw["function"])
        conversation = _conversation(raw["id"], raw["question"], set(missed))
        entries.append(
            Entry(
                id=raw["id"],
                category=category,
                turns=conversation.turns,
                functions=functions,
                ground_truth=gold,
                involved_classes=list(raw.get("involved_classes", [])),
                initial_config=dict(raw.get("initial_config", {})),
                system=conversation.system,
                history=conversation.history,
                missed_functions=missed,
            )
        )
    return tuple(entries)


def entry_count(category: Category) -> int:
    """How many entries `category` has: its questions file's lines, counted without parsing them."""
    path = _path(_check_known(category))
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
