"""Which failed requests the HTTP client tries again, how long it waits, and the error it ends with.

The attempts are a plain loop (`Attempts`), not a retry library's: on a local server a request
takes about a millisecond, and tenacity's machinery cost a tenth of that on every request, the
ones that never fail included (benchmarks/overhead.py).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass
from types import TracebackType

import httpx

from agents.errors import ModelError, ModelHTTPError, ModelResponseError, ModelTimeout, ModelUnreachable

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    Retried: connection errors, connect timeouts, HTTP 408, 429 and 5xx, and a stream that
    broke off before its first token. Never other 4xx: the same request would fail the same way.
    On 429 and 503 the server's `Retry-After` (seconds or an HTTP date) replaces the backoff,
    capped at `max_retry_after_s`.

    A read timeout means a live server is still generating: trying again repeats the whole
    generation, up to `max_attempts` times the timeout. `retry_read_timeouts` opts in.
    """

    max_attempts: int = 4
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    retry_read_timeouts: bool = False
    max_retry_after_s: float = 30.0

    def backoff_s(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based), with full jitter."""
        ceiling = min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


class RetryableStatus(Exception):
    """An error status worth another attempt; `retry_after_s` is what the server asked for."""

    def __init__(self, status: int, message: str, retry_after_s: float | None = None) -> None:
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s
        super().__init__(f"HTTP {status}: {message}")


class StreamIncomplete(Exception):
    """The event stream ended before `[DONE]` or a finish reason."""


# What may be worth another attempt; `retrying` decides, and `final_error` types the last one.
RETRIED = (httpx.TransportError, RetryableStatus, StreamIncomplete)


def retry_after_s(response: httpx.Response) -> float | None:
    """The server's `Retry-After` in seconds, for the statuses that may carry it; None if absent."""
    value = response.headers.get("retry-after")
    if response.status_code not in _RETRY_AFTER_STATUSES or not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT; a zone-less one is taken as such
        return None
    return max(0.0, when.timestamp() - time.time())


class Attempts:
    """One request's attempts under a policy, as a loop (a fresh one per request):

        attempts = Attempts(policy, url)
        async for attempt in attempts:
            with attempt:
                ...  # one try; `attempts.number` is its number, from 1

    An attempt that fails with an error worth another try, while attempts are left, is
    swallowed: the loop logs it, waits (the server's `Retry-After`, capped, else the backoff)
    and starts the next. Any other error, and the last attempt's, leaves the loop as it is: the
    caller turns it into the typed one with `final_error`. An attempt without error ends the loop.
    The loop yields itself: the attempt is a context manager on the loop's state.
    """

    def __init__(self, policy: RetryPolicy, url: str) -> None:
        self.policy = policy
        self.url = url
        self.number = 0  # attempts started
        self._failed: BaseException | None = None  # the last attempt's error, when it is retried

    def __aiter__(self) -> Attempts:
        return self

    async def __anext__(self) -> Attempts:
        if self.number:
            error = self._failed
            if error is None:  # the last attempt succeeded (or its error left the loop)
                raise StopAsyncIteration
            self._failed = None
            wait = self._wait_s(error)
            log.debug(
                "retry %s in %.2f s: attempt %d of %d failed: %s: %s",
                self.url,
                wait,
                self.number,
                self.policy.max_attempts,
                type(error).__name__,
                error,
            )
            await asyncio.sleep(wait)
        self.number += 1
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if error is None or self.number >= self.policy.max_attempts or not self._retryable(error):
            return False
        self._failed = error
        return True  # swallowed: the next attempt follows

    def _retryable(self, error: BaseException) -> bool:
        if isinstance(error, httpx.ReadTimeout | httpx.WriteTimeout):
            return self.policy.retry_read_timeouts
        return isinstance(error, RETRIED)

    def _wait_s(self, error: BaseException) -> float:
        if isinstance(error, RetryableStatus) and error.retry_after_s is not None:
            return min(error.retry_after_s, self.policy.max_retry_after_s)
        return self.policy.backoff_s(self.number)


def final_error(error: Exception, url: str, timeout: httpx.Timeout, attempts: int) -> ModelError:
    """The typed error that ends a request after `attempts` attempts, the last failing with `error`."""
    if isinstance(error, RetryableStatus):
        return ModelHTTPError(url, error.status, error.message, attempts)
    if isinstance(error, StreamIncomplete):
        return ModelResponseError(
            f"The stream from {url} ended before the response was complete (no [DONE] and no "
            f"finish_reason) after {attempts} attempt(s); a fragment is not an answer. "
            "Check the server's log, and any proxy's timeout between here and the server."
        )
    if isinstance(error, httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
        phase = {httpx.ReadTimeout: "read", httpx.WriteTimeout: "write"}.get(type(error), "pool")
        limit = {"read": timeout.read, "write": timeout.write}.get(phase, timeout.pool)
        return ModelTimeout(url, limit, attempts, phase)
    return ModelUnreachable(url, attempts, error)
