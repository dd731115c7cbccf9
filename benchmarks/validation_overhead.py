"""Time to validate one call's arguments, before and after "validate as sent, coerce on failure".

    python benchmarks/validation_overhead.py [--items 25000] [--repeats 5] [--json PATH]

Before, every call of a non-strict tool went through the lax coercion pass (`tools._coerce`),
which walks the whole value against the JSON schema, and only then through validation. Now the
arguments are validated as sent first, and coerced only when that fails (`Tool.prepare`). The
"before" column replays the old order on today's code (coerce, then validate); "after" is
`Tool.prepare`. Both run on the caller's thread, which in a run is the event loop.

Cases: a function tool `f(values: list[int])` and a raw JSON-schema tool with the same schema,
given the list as integers, as numeric strings (what vLLM's parser can send), and as one JSON
string; and a strict function tool as the floor. Figures are the median of `--repeats` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools import Tool
from tools._coerce import coerce


def values(values: list[int]) -> int:
    """Count the values."""
    return len(values)


def _tools() -> dict[str, Tool]:
    schema = {
        "type": "object",
        "properties": {"values": {"type": "array", "items": {"type": "integer"}}},
        "required": ["values"],
    }
    return {
        "function": Tool.from_function(values),
        "raw schema": Tool.from_schema("values", "Count the values.", schema, values),
        "strict function": Tool.from_function(values, strict=True),
    }


def _before(t: Tool, data: dict[str, Any]) -> Any:
    if not t.strict:
        data = coerce(data, t._schema, t._validator)
    return t._check(data)


def _median_ms(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(items: int, repeats: int) -> list[dict[str, Any]]:
    numbers = list(range(items))
    inputs = {
        "integers": {"values": numbers},
        "numeric strings": {"values": [str(n) for n in numbers]},
        "one JSON string": {"values": json.dumps(numbers)},
    }
    rows = []
    for tool_kind, t in _tools().items():
        for input_kind, data in inputs.items():
            if t.strict and input_kind != "integers":
                continue  # a strict tool takes no strings for integers, before or after
            before = _median_ms(lambda t=t, data=data: _before(t, data), repeats)
            after = _median_ms(lambda t=t, data=data: t.prepare(data), repeats)
            row = {"tool": tool_kind, "input": input_kind, "items": items}
            rows.append({**row, "before_ms": before, "after_ms": after})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=25_000, help="list length (default 25000)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per case; the median is shown")
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    rows = measure(args.items, args.repeats)
    print(f"{'tool':<16} {'input':<16} {'before ms':>10} {'after ms':>10} {'speed-up':>9}")
    for r in rows:
        speedup = r["before_ms"] / r["after_ms"] if r["after_ms"] else float("inf")
        times = f"{r['before_ms']:>10.1f} {r['after_ms']:>10.1f} {speedup:>8.1f}x"
        print(f"{r['tool']:<16} {r['input']:<16} {times}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
