"""Several model endpoints serving one eval, chosen by fewest outstanding requests.

A trial keeps the endpoint it was given for all its requests: a multi-step conversation
grows one prefix, and vLLM's prefix cache only helps when that prefix stays on one server.
Since a trial has at most one request in flight, choosing per trial still spreads the load
by outstanding requests.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager

from agents.models.base import Model, ModelRequest, ModelResponse, StreamItem
from agents.models.profiles import ModelProfile
from tools.errors import ConfigError


class Endpoint:
    """One model endpoint and its load: requests in flight now, trials holding it."""

    def __init__(self, model: Model, label: str) -> None:
        self.model = model
        self.label = label
        self.outstanding = 0
        self.trials = 0


class TrialModel:
    """The model a trial talks to: forwards to its endpoint, counts load, times each request."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.latencies: list[float] = []

    @property
    def name(self) -> str:
        return self.endpoint.model.name

    @property
    def profile(self) -> ModelProfile:
        return self.endpoint.model.profile

    async def request(self, request: ModelRequest) -> ModelResponse:
        self.endpoint.outstanding += 1
        started = time.monotonic()
        try:
            return await self.endpoint.model.request(request)
        finally:
            self.endpoint.outstanding -= 1
            self.latencies.append(time.monotonic() - started)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        self.endpoint.outstanding += 1
        started = time.monotonic()
        try:
            async for item in self.endpoint.model.stream(request):
                yield item
        finally:
            self.endpoint.outstanding -= 1
            self.latencies.append(time.monotonic() - started)


class EndpointPool:
    """Hands each trial the endpoint with the fewest outstanding requests (then fewest trials)."""

    def __init__(self, models: Sequence[Model], labels: Sequence[str] | None = None) -> None:
        if not models:
            raise ConfigError("An endpoint pool needs at least one model; pass --base-url at least once.")
        names = list(labels) if labels is not None else [m.name for m in models]
        self.endpoints = [Endpoint(m, label) for m, label in zip(models, names, strict=True)]

    def pick(self) -> Endpoint:
        return min(self.endpoints, key=lambda e: (e.outstanding, e.trials))

    @contextmanager
    def lease(self) -> Iterator[TrialModel]:
        """A `TrialModel` on the least-loaded endpoint, held for one trial."""
        endpoint = self.pick()
        endpoint.trials += 1
        try:
            yield TrialModel(endpoint)
        finally:
            endpoint.trials -= 1
