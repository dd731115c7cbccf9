"""OpenAI-compatible chat client over httpx, for vLLM (and any server speaking the same API)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from agents.errors import AgentsError, ConfigError, ModelHTTPError, ModelResponseError, ModelUnreachable
from agents.models._wire import StreamAccumulator, mark_cut, request_to_wire, response_from_wire
from agents.models.base import ModelRequest, ModelResponse, StreamItem
from agents.models.profiles import ModelProfile, get_profile, profile_for

# Unit tests switch real requests off (agents.testing.block_model_requests) so that a test
# that forgot its test double fails loudly instead of waiting on a network.
ALLOW_MODEL_REQUESTS = True

_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    Retried: connection errors, timeouts, HTTP 408, 429 and 5xx. Never other 4xx: the same
    request would fail the same way.
    """

    max_attempts: int = 4
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 8.0


class _RetryableStatus(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"HTTP {status}: {message}")


def _retryable(e: BaseException) -> bool:
    return isinstance(e, httpx.TransportError | _RetryableStatus)


def normalise_base_url(base_url: str) -> str:
    """`http://host:port` or `http://host:port/v1` → the `/v1` API root, without a trailing slash."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"Base URL must be http(s)://host[:port][/v1], not {base_url!r}.")
    url = base_url.rstrip("/")
    return url + "/v1" if parts.path in ("", "/") else url


def _error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
        if isinstance(err, str):
            return err
    return str(data)[:500]


class OpenAIChatModel:
    """A chat model behind `POST {base_url}/chat/completions`.

    The profile (family facts: sampling defaults, thinking, tool mode) is looked up from
    the model name unless given.
    """

    def __init__(
        self,
        model_name: str,
        *,
        base_url: str = "http://127.0.0.1:8000/v1",
        api_key: str | None = None,
        profile: ModelProfile | str | None = None,
        timeout_s: float = 300.0,
        connect_timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not model_name:
            raise ConfigError("model_name must be the served model name (GET /v1/models lists them).")
        self._name = model_name
        self.base_url = normalise_base_url(base_url)
        self._profile = get_profile(profile) if profile is not None else profile_for(model_name)
        self.retry = retry or RetryPolicy()
        if self.retry.max_attempts < 1:
            raise ConfigError("RetryPolicy.max_attempts must be at least 1.")
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._headers = {"content-type": "application/json", **(headers or {})}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._transport = transport  # a seam for tests of retries and errors
        self._client: httpx.AsyncClient | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return (
            f"OpenAIChatModel({self._name!r}, base_url={self.base_url!r}, profile={self._profile.family!r})"
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def profile(self) -> ModelProfile:
        return self._profile

    @classmethod
    async def from_server(cls, base_url: str, **kwargs: Any) -> OpenAIChatModel:
        """The first model the server lists at /v1/models."""
        url = normalise_base_url(base_url)
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                r = await client.get(f"{url}/models")
        except httpx.TransportError as e:
            raise ModelUnreachable(url, 1, e) from e
        if r.status_code != 200:
            raise ModelHTTPError(url, r.status_code, _error_message(r))
        models = [m.get("id") for m in r.json().get("data", []) if isinstance(m, dict)]
        if not models:
            raise ModelResponseError(f"{url}/models lists no models.")
        return cls(str(models[0]), base_url=url, **kwargs)

    def _http(self) -> httpx.AsyncClient:
        # An httpx client belongs to the event loop it was first used on; run_sync makes a
        # new loop per call, so keep one client per loop.
        if not ALLOW_MODEL_REQUESTS and self._transport is None:
            raise AgentsError(
                f"Real model requests are blocked here (agents.testing.block_model_requests); {self!r} "
                "would have called a server. Use ScriptedModel/FunctionModel, or an integration test."
            )
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop or self._client.is_closed:
            self._client = httpx.AsyncClient(
                timeout=self._timeout, headers=self._headers, transport=self._transport
            )
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.aclose()
        self._client = None

    def _retrying(self) -> AsyncRetrying:
        p = self.retry
        return AsyncRetrying(
            retry=retry_if_exception(_retryable),
            wait=wait_random_exponential(multiplier=p.initial_backoff_s, max=p.max_backoff_s),
            stop=stop_after_attempt(p.max_attempts),
            reraise=True,
        )

    def _body(self, request: ModelRequest, *, stream: bool) -> tuple[dict[str, Any], int | None]:
        """The wire body, and the `max_tokens` it asks for (to tell a cut response)."""
        prepared = self._profile.prepare(request)
        return request_to_wire(self._name, prepared, stream=stream), prepared.settings.max_tokens

    def _raise_for_status(self, response: httpx.Response, attempts: int) -> None:
        if response.status_code < 400:
            return
        message = _error_message(response)
        if response.status_code in _RETRY_STATUSES:
            raise _RetryableStatus(response.status_code, message)
        raise ModelHTTPError(self.base_url, response.status_code, message, attempts)

    def _final_error(self, e: BaseException, attempts: int) -> Exception:
        if isinstance(e, _RetryableStatus):
            return ModelHTTPError(self.base_url, e.status, e.message, attempts)
        return ModelUnreachable(self.base_url, attempts, e)

    async def request(self, request: ModelRequest) -> ModelResponse:
        body, max_tokens = self._body(request, stream=False)
        timeout = request.settings.timeout_s
        attempts = 0
        try:
            async for attempt in self._retrying():
                with attempt:
                    attempts += 1
                    r = await self._http().post(
                        f"{self.base_url}/chat/completions",
                        json=body,
                        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    )
                    self._raise_for_status(r, attempts)
        except (httpx.TransportError, _RetryableStatus) as e:
            raise self._final_error(e, attempts) from e
        try:
            data = r.json()
        except ValueError as e:
            raise ModelResponseError(f"Server returned invalid JSON: {r.text[:300]}") from e
        return mark_cut(response_from_wire(data), max_tokens)

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        body, max_tokens = self._body(request, stream=True)
        acc = StreamAccumulator()
        attempts = 0
        # Retries cover only getting the stream started: once deltas went out, a retry
        # would repeat them.
        try:
            async for attempt in self._retrying():
                with attempt:
                    attempts += 1
                    client = self._http()
                    http_request = client.build_request(
                        "POST", f"{self.base_url}/chat/completions", json=body
                    )
                    response = await client.send(http_request, stream=True)
                    if response.status_code >= 400:
                        await response.aread()
                        await response.aclose()
                        self._raise_for_status(response, attempts)
        except (httpx.TransportError, _RetryableStatus) as e:
            raise self._final_error(e, attempts) from e
        try:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                payload = line[5:].strip()
                if payload == "[DONE]":
                    break
                try:
                    chunk = json.loads(payload)
                except ValueError as e:
                    raise ModelResponseError(f"Malformed stream chunk: {payload[:200]}") from e
                if isinstance(chunk, dict) and "error" in chunk:
                    err = chunk["error"]
                    message = err.get("message") if isinstance(err, dict) else str(err)
                    raise ModelResponseError(f"Server reported an error mid-stream: {message}")
                for delta in acc.feed(chunk):
                    yield delta
        except httpx.TransportError as e:
            raise ModelResponseError(f"Stream from {self.base_url} broke off: {type(e).__name__}: {e}") from e
        finally:
            await response.aclose()
        yield mark_cut(acc.response(), max_tokens)
