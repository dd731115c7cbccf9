"""The httpx clients of one event loop: small connection pools, as many as the requests in flight need.

httpcore's connection pool, whenever a request starts or ends, checks every connection it holds
(a socket poll for each idle one), counts idle connections by listing them all for each one,
and scans every connection for each queued request; past httpx's default of 100 connections,
requests also queue. Its cost per request grows with the square of its connections: at 256
requests in flight an eval spent most of its time there (benchmarks/eval_throughput.py). Here no
pool holds more than `POOL_SIZE` connections and none ever queues: a request goes to the first
client with a free slot, and a new client is made when all are full. 1,024 requests in flight
use 256 pools of 4 connections, not one pool of 1,024.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx

#: Connections (and so requests in flight) per httpx client. Measured at 16-256 in flight, 4
#: cost less CPU per request than 8 and much less than 32 (benchmarks/RESULTS.md).
POOL_SIZE = 4


class Clients:
    """httpx clients of one event loop, each with at most `POOL_SIZE` requests in flight."""

    def __init__(self, make: Callable[[httpx.Limits], httpx.AsyncClient]) -> None:
        self._make = make
        self._clients: list[httpx.AsyncClient] = []
        self._in_flight: list[int] = []

    @property
    def is_closed(self) -> bool:
        return bool(self._clients) and all(c.is_closed for c in self._clients)

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[httpx.AsyncClient]:
        """A client with a free connection slot, held for one request (and its retries)."""
        # The first with room, so that connections are reused rather than spread thinly.
        index = next((i for i, n in enumerate(self._in_flight) if n < POOL_SIZE), None)
        if index is None or self._clients[index].is_closed:
            index = self._add(index)
        self._in_flight[index] += 1
        try:
            yield self._clients[index]
        finally:
            self._in_flight[index] -= 1

    def _add(self, replacing: int | None) -> int:
        # Keep-alive for every connection the pool may hold: fewer would close and reopen them.
        client = self._make(httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE))
        if replacing is not None:
            self._clients[replacing] = client
            return replacing
        self._clients.append(client)
        self._in_flight.append(0)
        return len(self._clients) - 1

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()
        self._clients.clear()
        self._in_flight.clear()
