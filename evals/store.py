"""A run's directory: `run.json` (its configuration) and `trials.jsonl` (one finished trial a line).

Lines are appended as trials finish and flushed at once, so an interrupted run loses at most
the trials in flight; a re-run with the same directory skips the trials already there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evals.trace import TrialRecord
from tools.errors import ConfigError

TRIALS = "trials.jsonl"
RUN = "run.json"
SUMMARY = "summary.json"


def read_trials(out: Path) -> list[TrialRecord]:
    """The trials recorded in `out`, the last record of each (task, trial) kept.

    Lines that do not parse are torn writes of a killed run: they are skipped, so that their
    trials count as not run and a re-run does them again.
    """
    path = out / TRIALS
    if not path.exists():
        return []
    found: dict[tuple[str, int], TrialRecord] = {}
    # Split on "\n" alone: JSON leaves U+2028, U+0085 and the like unescaped in strings, and
    # str.splitlines() would cut a record that holds one (a model's answer may) in two.
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        try:
            record = TrialRecord.model_validate_json(line)
        except ValidationError:
            continue
        found[record.key] = record
    return list(found.values())


class TrialWriter:
    """Appends trial records to `trials.jsonl`, one flushed line each."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.path = out / TRIALS
        size = self.path.stat().st_size if self.path.exists() else 0
        torn = size > 0 and not self.path.read_bytes().endswith(b"\n")
        self._file = self.path.open("a", encoding="utf-8")
        if torn:  # end a killed run's half-written line so the next record starts on its own
            self._file.write("\n")

    def write(self, record: TrialRecord) -> None:
        self._file.write(record.model_dump_json() + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, with an error that names the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist: is {path.parent} an eval run's directory?") from None
    except ValueError as e:
        raise ConfigError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object.")
    return data


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
