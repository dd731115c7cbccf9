"""OpenAI-compatible chat client over httpx, for vLLM (and any server speaking the same API)."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx

from agents.errors import (
    AgentsError,
    ConfigError,
    ContextLengthExceeded,
    ModelHTTPError,
    ModelResponseError,
    ModelUnreachable,
)
from agents.messages import Message
from agents.models._clients import Clients
from agents.models._retry import (
    RETRIED,
    RETRY_STATUSES,
    Attempts,
    RetryableStatus,
    RetryPolicy,
    StreamIncomplete,
    final_error,
    retry_after_s,
)
from agents.models._wire import (
    BodyEncoder,
    StreamAccumulator,
    mark_cut,
    message_to_wire,
    response_from_wire,
)
from agents.models.base import ModelRequest, ModelResponse, StreamItem
from agents.models.profiles import ModelProfile, get_profile, profile_for

__all__ = ["OpenAIChatModel", "RetryPolicy", "normalise_base_url"]

log = logging.getLogger(__name__)

# Unit tests switch real requests off (agents.testing.block_model_requests) so that a test
# that forgot its test double fails loudly instead of waiting on a network.
ALLOW_MODEL_REQUESTS = True

# vLLM 0.32: "This model's maximum context length is 4096 tokens. However, your prompt contains
# 5000 input tokens, ..." or "Input length (5000) exceeds model's maximum context length (4096).";
# older vLLM and OpenAI: "... maximum context length is 4096 tokens. However, you requested ...".
_CONTEXT_LENGTH = re.compile(r"maximum context length", re.IGNORECASE)

# Statuses that mean "this server has no /tokenize" (not vLLM, or a proxy that hides it).
_NO_TOKENIZE = frozenset({404, 405, 501})


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
        if self.retry.max_retry_after_s < 0:
            raise ConfigError("RetryPolicy.max_retry_after_s must be >= 0 seconds.")
        self._timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._headers = {"content-type": "application/json", **(headers or {})}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._transport = transport  # a seam for tests of retries and errors
        # An httpx client belongs to the event loop it was first used on (run_sync makes a new
        # loop per call), so each loop has its own clients (several, of small pools: _clients.py).
        self._clients: dict[asyncio.AbstractEventLoop, Clients] = {}
        self._ssl: ssl.SSLContext | None = None
        self._can_tokenize = True  # until the server says it has no /tokenize
        self._encoder = BodyEncoder()  # keeps the JSON of messages and tool lists already sent

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

    def _http(self) -> Clients:
        if not ALLOW_MODEL_REQUESTS and self._transport is None:
            raise AgentsError(
                f"Real model requests are blocked here (agents.testing.block_model_requests); {self!r} "
                "would have called a server. Use ScriptedModel/FunctionModel, or an integration test."
            )
        loop = asyncio.get_running_loop()
        for other in [other for other in self._clients if other.is_closed()]:
            # Its loop is gone, so it cannot be closed any more; Agent.run_sync closes its client
            # before its loop ends, and so should other code that runs a loop of its own.
            del self._clients[other]
        clients = self._clients.get(loop)
        if clients is None or clients.is_closed:
            clients = self._clients[loop] = Clients(self._new_client)
        return clients

    def _new_client(self, limits: httpx.Limits) -> httpx.AsyncClient:
        if self._ssl is None:
            # One TLS context for all of this model's clients: each would otherwise load the CA
            # bundle again (tens of ms), and an eval makes a client per 32 requests in flight.
            self._ssl = httpx.create_ssl_context()
        return httpx.AsyncClient(
            timeout=self._timeout,
            headers=self._headers,
            transport=self._transport,
            limits=limits,
            verify=self._ssl,
        )

    async def aclose(self) -> None:
        """Close this event loop's connections; the model stays usable and reconnects when needed.

        Clients of event loops that have ended are dropped (they cannot be closed any more); those
        of loops still running in other threads are theirs to close.
        """
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        for other in [other for other in self._clients if other.is_closed()]:
            del self._clients[other]
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> OpenAIChatModel:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def _body(self, request: ModelRequest, *, stream: bool) -> tuple[bytes, ModelRequest]:
        """The wire body as JSON bytes, and the request as the profile prepared it (its
        `max_tokens` tells a cut response)."""
        prepared = self._profile.prepare(request)
        return self._encoder.encode(self._name, prepared, stream=stream), prepared

    async def count_tokens(self, messages: Sequence[Message]) -> int | None:
        """Tokens `messages` take in the served chat template, from vLLM's `POST /tokenize`.

        The messages go through the profile's history rules first (Gemma 4's thoughts are
        stripped), as in a request; no generation prompt is added. None when the server has no
        /tokenize (404, 405, 501: remembered, not asked again) or cannot count these messages
        (another error status: logged); callers then estimate.
        """
        if not self._can_tokenize:
            return None
        prepared = self._profile.prepare(ModelRequest(messages=messages))
        body: dict[str, Any] = {
            "model": self._name,
            "messages": [message_to_wire(m) for m in prepared.messages],
            "add_generation_prompt": False,
        }
        if prepared.chat_template_kwargs:
            body["chat_template_kwargs"] = prepared.chat_template_kwargs
        # /tokenize is served at the server root, next to /v1, not under it.
        root = self.base_url.removesuffix("/v1")
        url = f"{root}/tokenize"
        try:
            async with self._http().lease() as client:
                r = await client.post(url, json=body)
        except httpx.TransportError as e:
            raise ModelUnreachable(url, 1, e) from e
        if r.status_code in _NO_TOKENIZE:
            log.info("%s answered HTTP %d: no token counts from this server", url, r.status_code)
            self._can_tokenize = False
            return None
        if r.status_code >= 400:
            log.warning("%s answered HTTP %d: %s", url, r.status_code, _error_message(r))
            return None
        try:
            count = r.json()["count"]
        except (ValueError, KeyError, TypeError) as e:
            raise ModelResponseError(f"{url} answered without a token count: {r.text[:300]}") from e
        if not isinstance(count, int):
            raise ModelResponseError(f"{url} answered a count that is not an integer: {count!r}")
        return count

    def _timeout_for(self, request: ModelRequest) -> httpx.Timeout:
        if request.settings.timeout_s is None:
            return self._timeout
        return httpx.Timeout(request.settings.timeout_s, connect=self._timeout.connect)

    async def _send(
        self,
        client: httpx.AsyncClient,
        body: bytes,
        request: ModelRequest,
        timeouts: httpx.Timeout,
        attempt: int,
        *,
        stream: bool,
    ) -> httpx.Response:
        """One POST of `body` (`request`, prepared, encoded); an error status raises (a
        `RetryableStatus` for those worth another attempt)."""
        url = f"{self.base_url}/chat/completions"
        log.debug(
            "POST %s model=%s stream=%s messages=%d tools=%d max_tokens=%s attempt=%d",
            url,
            self._name,
            stream,
            len(request.messages),
            len(request.tools),
            request.settings.max_tokens,
            attempt,
        )
        # The client's headers say it is JSON.
        response = await client.send(
            client.build_request("POST", url, content=body, timeout=timeouts), stream=stream
        )
        if response.status_code >= 400:
            try:
                await response.aread()
            finally:
                await response.aclose()
            self._raise_for_status(response, attempt)
        return response

    def _raise_for_status(self, response: httpx.Response, attempts: int) -> None:
        message = _error_message(response)
        status = response.status_code
        if status in RETRY_STATUSES:
            raise RetryableStatus(status, message, retry_after_s(response))
        if status == 400 and _CONTEXT_LENGTH.search(message):
            raise ContextLengthExceeded(self.base_url, status, message, attempts)
        raise ModelHTTPError(self.base_url, status, message, attempts)

    async def request(self, request: ModelRequest) -> ModelResponse:
        body, prepared = self._body(request, stream=False)
        timeout = self._timeout_for(request)
        attempts = Attempts(self.retry, self.base_url)
        started = time.monotonic()
        try:
            async with self._http().lease() as client:
                async for attempt in attempts:
                    with attempt:
                        r = await self._send(client, body, prepared, timeout, attempts.number, stream=False)
        except RETRIED as e:
            raise final_error(e, self.base_url, timeout, attempts.number) from e
        try:
            data = r.json()
        except (ValueError, RecursionError) as e:
            raise ModelResponseError(f"Server returned invalid JSON: {r.text[:300]}") from e
        response = mark_cut(response_from_wire(data), prepared.settings.max_tokens)
        _log_response(response, started)
        return response

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        body, prepared = self._body(request, stream=True)
        timeout = self._timeout_for(request)
        attempts = Attempts(self.retry, self.base_url)
        started = time.monotonic()
        try:
            # One client for the whole stream: its connection is busy until the stream ends.
            async with self._http().lease() as client:
                async for attempt in attempts:
                    with attempt:
                        number = attempts.number
                        acc = StreamAccumulator()
                        delivered = False
                        response = await self._send(client, body, prepared, timeout, number, stream=True)
                        try:
                            async for line in response.aiter_lines():
                                for delta in acc.feed_line(line):
                                    delivered = True
                                    yield delta
                                if acc.done:
                                    break
                            if not acc.complete:
                                raise StreamIncomplete()
                        except (httpx.TransportError, StreamIncomplete) as e:
                            # A failure before the first delta is retried like a failed request; after
                            # it, a retry would repeat what the caller has already received.
                            if delivered:
                                raise self._broken_stream(e, timeout, number) from e
                            raise
                        finally:
                            # Also when the caller leaves early: closing the generator ends the request.
                            await response.aclose()
        except RETRIED as e:
            raise final_error(e, self.base_url, timeout, attempts.number) from e
        final = mark_cut(acc.response(), prepared.settings.max_tokens)
        _log_response(final, started)
        yield final

    def _broken_stream(self, error: Exception, timeout: httpx.Timeout, attempts: int) -> Exception:
        if isinstance(error, httpx.TimeoutException | StreamIncomplete):
            return final_error(error, self.base_url, timeout, attempts)
        return ModelResponseError(
            f"Stream from {self.base_url} broke off: {type(error).__name__}: {error or 'no detail'}"
        )


def _log_response(response: ModelResponse, started: float) -> None:
    log.debug(
        "response model=%s finish_reason=%s tokens=%d+%d calls=%d in %.2f s",
        response.model_name,
        response.finish_reason,
        response.usage.input_tokens,
        response.usage.output_tokens,
        len(response.tool_calls),
        time.monotonic() - started,
    )
