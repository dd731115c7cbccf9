"""Read vLLM's Prometheus `/metrics`: the prefix-cache counters, summed over engines.

vLLM (v1 engine) exports `vllm:prefix_cache_queries_total` (prompt tokens looked up) and
`vllm:prefix_cache_hits_total` (those found cached), one series per engine and model.
The hit rate of a run is the ratio of their increases over the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

HITS = "vllm:prefix_cache_hits_total"
QUERIES = "vllm:prefix_cache_queries_total"


def parse_counters(text: str, names: Sequence[str]) -> dict[str, float]:
    """Sum each named metric over all its label sets, from Prometheus text exposition."""
    sums = {n: 0.0 for n in names}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, rest = line[: line.index("{")], line[line.rindex("}") + 1 :]
        else:
            name, _, rest = line.partition(" ")
        if name in sums:  # the value is the first field after the labels; a timestamp may follow
            try:
                sums[name] += float(rest.split()[0])
            except (ValueError, IndexError):
                continue
    return sums


def metrics_url(base_url: str) -> str:
    """`http://host:port/v1` → `http://host:port/metrics` (vLLM serves metrics at the root)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/metrics"


@dataclass(frozen=True)
class CacheCounters:
    hits: float
    queries: float


async def scrape(base_url: str, timeout_s: float = 5.0) -> CacheCounters | None:
    """The server's prefix-cache counters now, or None when it has no such metrics or is unreachable."""
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(metrics_url(base_url))
            response.raise_for_status()
    except httpx.HTTPError:
        return None
    sums = parse_counters(response.text, (HITS, QUERIES))
    if HITS not in response.text:
        return None
    return CacheCounters(hits=sums[HITS], queries=sums[QUERIES])


def hit_rate(before: Sequence[CacheCounters | None], after: Sequence[CacheCounters | None]) -> float | None:
    """Cached share of the prompt tokens looked up during the run, over all endpoints; None if unknown."""
    hits = queries = 0.0
    for b, a in zip(before, after, strict=True):
        if b is None or a is None:
            continue
        hits += a.hits - b.hits
        queries += a.queries - b.queries
    return hits / queries if queries > 0 else None
