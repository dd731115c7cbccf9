"""A one-line progress report on stderr, with the running success rate; no dependency."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from evals.trace import TrialRecord


class Progress:
    """Rewrites one line on a terminal; on a pipe, prints a line every 5% (and the last one)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.done = self.passed = self.errors = 0
        self.started = time.monotonic()
        self._tty = self.stream.isatty()
        self._every = max(1, total // 20)

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = f"{100 * self.passed / self.done:.1f}%" if self.done else "-"
        eta = ""
        if self.done and self.done < self.total:
            eta = f", eta {elapsed / self.done * (self.total - self.done):.0f}s"
        return (
            f"{self.label}: {self.done}/{self.total} trials, {self.passed} passed ({rate}), "
            f"{self.errors} errors, {elapsed:.0f}s{eta}"
        )

    def update(self, record: TrialRecord) -> None:
        self.done += 1
        self.passed += record.passed
        self.errors += record.error is not None
        if self._tty:
            self.stream.write("\r" + self.line() + "\033[K")
            self.stream.flush()
        elif self.done % self._every == 0 or self.done == self.total:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
